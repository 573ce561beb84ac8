"""Seeded generator of realistic, messy BOMs for benchmarks (10k / 100k / 1M lines).

Multi-level (a Level column), a title block above the header, mixed-type quantity cells
("2 pcs", "1,5"), prices with currency symbols, and about 5 % rare-earth lines (steppers,
BLDC motors, NdFeB magnets with grades, speakers, HDDs) among fasteners and electronics.

    python benchmarks/gen_bom.py 100000 benchmarks/data/bom_100k.xlsx
    python benchmarks/gen_bom.py 100000 bom_parts.xlsx --parts 25000   # 25,000 parts of their own
"""

from __future__ import annotations

import random
from pathlib import Path

HEADER = [
    "Level",
    "Item",
    "Part Number",
    "Description",
    "Manufacturer",
    "MPN",
    "Supplier",
    "Qty",
    "UoM",
    "Unit Price",
    "Currency",
    "Country of Origin",
]
RE_PARTS = [
    ("NEMA 17 hybrid stepper motor 42x42x48mm", "StepperOnline", "17HS19-2004S1", "CN"),
    ("BLDC outrunner motor 2207 1750KV", "T-Motor", "F60PROV", "CN"),
    ("Neodymium block magnet N52 12x5x3mm", "HKCM", "9964-1252", "CN"),
    ("Rotor magnet segment NdFeB N42SH 50x20x5 mm", "JL MAG", "JLM-42SH-5020", "CN"),
    ("AC servo motor 750W 60mm flange", "Yaskawa", "SGM7J-08AFC6S", "JP"),
    ("Headphone driver 40mm neodymium", "Foster", "440469", "JP"),
    ("3.5in HDD 8TB 7200rpm", "Seagate", "ST8000NM000A", "TH"),
    ("Disc magnet D10x5 N45 nickel plated", "Supermagnete", "S-10-05-N", "DE"),
]
OTHER = [
    ("Socket head cap screw M3x8 DIN 912", "Würth", "DIN912-M3X8", "DE"),
    ("Resistor 10k 0603 1%", "Yageo", "RC0603FR-0710KL", "TW"),
    ("Capacitor 100nF 50V X7R 0603", "Murata", "GRM188R71H104KA93D", "JP"),
    ("Deep groove ball bearing 6205-2RS", "SKF", "6205-2RSH", "SE"),
    ("Aluminium extrusion 2020 500mm", "Misumi", "HFS5-2020-500", "JP"),
    ("Cable tie 200mm black", "HellermannTyton", "T50R", "DE"),
    ("Microcontroller STM32F405RGT6", "ST", "STM32F405RGT6", "MY"),
    ("Connector JST XH 4-pin", "JST", "B4B-XH-A", "JP"),
    ("Enameled copper magnet wire 0.4mm", "Elektrisola", "EL-0.40", "DE"),
    ("Planetary gearbox 10:1 NEMA17 (motor not included)", "StepperOnline", "EG17-G10", "CN"),
]
SUPPLIERS = ["Digi-Key", "Mouser", "RS Components", "Farnell", "LCSC", "Misumi", "Würth Direct"]
CURRENCY = [("$", "USD"), ("€", "EUR"), ("", "USD")]


# parts of their own (rows(parts=...)): each template's fields are filled at random, so most
# parts have a description and a part number no other part has
GRADES = ["N35", "N42", "N45", "N48", "N50", "N52", "N42SH", "N38UH", "N45H", "N40EH"]
RE_TEMPLATES = [
    ("NEMA {nema} hybrid stepper motor {w}x{w}x{l}mm", "StepperOnline", "{nema}HS{l}-{a}", "CN"),
    ("BLDC outrunner motor {d}{h:02d} {kv}KV", "T-Motor", "F{d}{h:02d}-{kv}", "CN"),
    ("Neodymium block magnet {grade} {l}x{w}x{h}mm", "HKCM", "Q{l}-{w}-{h}-{grade}", "CN"),
    ("Rotor magnet segment NdFeB {grade} {l}x{w}x{h} mm", "JL MAG", "JLM-{grade}-{l}{w}", "CN"),
    ("AC servo motor {watt}W {d}mm flange", "Yaskawa", "SGM7J-{watt}A{a}", "JP"),
    ("Headphone driver {d}mm neodymium {ohm} ohm", "Foster", "44{d}{ohm}", "JP"),
    ("3.5in HDD {tb}TB 7200rpm", "Seagate", "ST{tb}000NM{a}", "TH"),
    ("Disc magnet D{d}x{h} {grade} nickel plated", "Supermagnete", "S-{d}-{h:02d}-{grade}", "DE"),
]
OTHER_TEMPLATES = [
    ("Socket head cap screw M{m}x{l} DIN 912 {finish}", "Würth", "DIN912-M{m}X{l}-{a}", "DE"),
    ("Resistor {ohm}R {pkg} 1%", "Yageo", "RC{pkg}FR-07{ohm}RL", "TW"),
    ("Capacitor {nf}nF {volt}V X7R {pkg}", "Murata", "GRM{pkg}R7{volt}{nf}K{a}", "JP"),
    ("Deep groove ball bearing 6{d:03d}-2RS", "SKF", "6{d:03d}-2RSH", "SE"),
    ("Aluminium extrusion {prof} {l}0mm", "Misumi", "HFS5-{prof}-{l}0", "JP"),
    ("Cable tie {l}0mm {color}", "HellermannTyton", "T{w}R-{l}{color}", "DE"),
    ("Connector JST XH {h}-pin {finish}", "JST", "B{h}B-XH-{a}", "JP"),
    ("Enameled copper magnet wire 0.{d}mm", "Elektrisola", "EL-0.{d}", "DE"),
    (
        "Planetary gearbox {h}:1 NEMA{nema} (motor not included)",
        "StepperOnline",
        "EG{nema}-G{h}-{a}",
        "CN",
    ),
]


def _part(rnd: random.Random, templates: list[tuple[str, str, str, str]]) -> tuple[str, ...]:
    desc, mfr, mpn, coo = rnd.choice(templates)
    fields = {
        "nema": rnd.choice([8, 11, 14, 17, 23, 34]),
        "w": rnd.randint(5, 60),
        "l": rnd.randint(2, 99),
        "h": rnd.randint(2, 40),
        "d": rnd.randint(10, 99),
        "a": rnd.randint(100, 999),
        "kv": rnd.randrange(300, 3000, 10),
        "grade": rnd.choice(GRADES),
        "watt": rnd.choice([50, 100, 200, 400, 750, 1000, 1500]),
        "ohm": rnd.choice([8, 16, 32, 47, 100, 220, 330, 470, 1000, 4700]),
        "tb": rnd.choice([2, 4, 8, 12, 16, 20]),
        "m": rnd.choice([2, 3, 4, 5, 6, 8]),
        "finish": rnd.choice(["zinc", "black", "A2", "A4", ""]),
        "pkg": rnd.choice(["0402", "0603", "0805", "1206"]),
        "nf": rnd.choice([1, 10, 22, 47, 100, 220, 470]),
        "volt": rnd.choice([10, 16, 25, 50, 100]),
        "prof": rnd.choice(["2020", "2040", "3030", "4040"]),
        "color": rnd.choice(["black", "natural", "red"]),
    }
    return desc.format(**fields).strip(), mfr, mpn.format(**fields), coo


def rows(n: int, seed: int = 42, parts: int | None = None):  # type: ignore[no-untyped-def]
    """`parts`: the lines use that many parts of their own (each with its own description
    and part number, mostly) instead of the 18 fixed ones."""
    rnd = random.Random(seed)
    pool_re: list[tuple[str, ...]] = []
    pool_other: list[tuple[str, ...]] = []
    if parts:
        prnd = random.Random(seed + 1)
        n_re = max(1, parts // 20)
        pool_re = [_part(prnd, RE_TEMPLATES) for _ in range(n_re)]
        pool_other = [_part(prnd, OTHER_TEMPLATES) for _ in range(parts - n_re)]
    level = 1
    for i in range(n):
        level = max(1, min(4, level + rnd.choice([-1, 0, 0, 1]) if i else 1))
        re_line = rnd.random() < 0.05
        if parts:
            desc, mfr, mpn, coo = rnd.choice(pool_re if re_line else pool_other)
        else:
            desc, mfr, mpn, coo = rnd.choice(RE_PARTS if re_line else OTHER)
        q = rnd.choice([1, 1, 2, 4, 8, 16])
        qty: object = q if rnd.random() > 0.1 else rnd.choice([f"{q} pcs", f"{q},0", f"{q} Stk"])
        sym, code = rnd.choice(CURRENCY)
        price = round(rnd.uniform(0.01, 250), 2)
        price_cell: object = price if not sym else f"{sym}{price:.2f}"
        yield [
            level,
            i + 1,
            f"P-{rnd.randrange(10**6):06d}",
            desc,
            mfr,
            mpn if parts else f"{mpn}-{i % 97}",
            rnd.choice(SUPPLIERS),
            qty,
            "pcs",
            price_cell,
            code,
            coo,
        ]


def write_xlsx(n: int, path: Path, seed: int = 42, parts: int | None = None) -> Path:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("BOM")
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, ["Product family BOM export"], bold)
    ws.write_row(1, 0, ["Generated for benchmarks (seeded)"])
    ws.write_row(3, 0, HEADER, bold)
    for r, row in enumerate(rows(n, seed, parts), start=4):
        ws.write_row(r, 0, row)
    wb.close()
    return path


def write_csv(n: int, path: Path, seed: int = 42) -> Path:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows(n, seed))
    return path


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("count", type=int, nargs="?", default=100_000)
    ap.add_argument("target", type=Path, nargs="?")
    ap.add_argument("--parts", type=int, help="lines use this many parts of their own")
    args = ap.parse_args()
    target = args.target or Path(f"benchmarks/data/bom_{args.count}.xlsx")
    if target.suffix == ".csv":
        write_csv(args.count, target)
    else:
        write_xlsx(args.count, target, parts=args.parts)
    print(target)
