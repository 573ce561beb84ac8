"""Seeded generator of realistic, messy BOMs for benchmarks (10k / 100k / 1M lines).

Multi-level (a Level column), a title block above the header, mixed-type quantity cells
("2 pcs", "1,5"), prices with currency symbols, and about 5 % rare-earth lines (steppers,
BLDC motors, NdFeB magnets with grades, speakers, HDDs) among fasteners and electronics.

    python benchmarks/gen_bom.py 100000 benchmarks/data/bom_100k.xlsx
"""

from __future__ import annotations

import random
import sys
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


def rows(n: int, seed: int = 42):  # type: ignore[no-untyped-def]
    rnd = random.Random(seed)
    level = 1
    for i in range(n):
        level = max(1, min(4, level + rnd.choice([-1, 0, 0, 1]) if i else 1))
        re_line = rnd.random() < 0.05
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
            f"{mpn}-{i % 97}",
            rnd.choice(SUPPLIERS),
            qty,
            "pcs",
            price_cell,
            code,
            coo,
        ]


def write_xlsx(n: int, path: Path, seed: int = 42) -> Path:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("BOM")
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, ["Product family BOM export"], bold)
    ws.write_row(1, 0, ["Generated for benchmarks (seeded)"])
    ws.write_row(3, 0, HEADER, bold)
    for r, row in enumerate(rows(n, seed), start=4):
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
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(f"benchmarks/data/bom_{count}.xlsx")
    (write_csv if target.suffix == ".csv" else write_xlsx)(count, target)
    print(target)
