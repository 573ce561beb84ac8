"""Author the sample BOMs in ``sample_boms/`` (and their labels and README).

Run from anywhere::

    python sample_boms/make_samples.py            # writes next to this script
    python sample_boms/make_samples.py OUT_DIR    # writes somewhere else

The script is deterministic: no randomness, fixed document dates and fixed zip
timestamps, so re-running it on the same openpyxl version rewrites byte-identical files.

Each sample is described once, as data: the rows of the sheet and, for every BOM line,
a :class:`Tag` saying what a careful human expects a rare-earth tagger to conclude
(``yes`` / ``likely`` / ``possible`` / ``no`` / ``assembly``), the magnet material, grade
and mass where there is one, and whether the line is a *trap* (looks magnetic, is not
rare-earth bearing). From that the script writes:

* the workbook / CSV itself, laid out like a real ERP, PLM or quotation export;
* ``<name>.labels.csv`` with one row per BOM line (same columns as the labels of the
  real BOMs in ``../shared/real_boms`` plus the magnet and element columns);
* ``README.md`` with one section per file. Everything from the heading
  ``## Expected scores`` on is kept as it is when the README already exists.

Element shares are rules of thumb (see ``COMPOSITION_NOTE``); the tagger's own numbers
come from ``resources/reference``, not from here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
FIXED_TIME = dt.datetime(2026, 11, 16, 9, 0, 0)
EXPECTED_SCORES_HEADING = "## Expected scores"

# --------------------------------------------------------------------------------------
# Magnet composition (rules of thumb, domain-facts.md §3.1; the tool's own values live in
# resources/reference). Sintered NdFeB carries ~31 wt% rare earths in total; heavy rare
# earths (Dy+Tb) replace part of the Nd+Pr as the temperature class rises.
# --------------------------------------------------------------------------------------

NDFEB_CLASS_PCT: dict[str, tuple[float, float]] = {
    # class: (Nd+Pr wt%, Dy+Tb wt%)
    "N": (30.5, 0.25),
    "M": (30.0, 0.75),
    "H": (29.0, 2.0),
    "SH": (27.5, 3.5),
    "UH": (26.0, 5.5),
    "EH": (24.0, 7.5),
    "AH": (23.0, 8.5),
    "GBD": (30.5, 0.5),  # grain-boundary-diffused: <0.6 % Dy/Tb whatever the class
}
BONDED_NDPR_PCT = 26.0  # bonded (MQ-type) NdFeB, Dy-free; unconfirmed
SM_PCT = {"SmCo5": 36.0, "Sm2Co17": 25.0}

COMPOSITION_NOTE = """\
| Magnet material / class | Nd+Pr wt% | Dy+Tb wt% | Sm wt% | Basis |
|---|---|---|---|---|
| Sintered NdFeB, N (≤80 °C) | 30.5 | 0–0.5 (0.25 used) | – | total RE ≈ 31 %; class rule of thumb (unconfirmed) |
| Sintered NdFeB, M (100 °C) | 30.0 | 0.5–1 (0.75) | – | same |
| Sintered NdFeB, H (120 °C) | 29.0 | 1–3 (2.0) | – | same |
| Sintered NdFeB, SH (150 °C) | 27.5 | 3–4 (3.5) | – | same |
| Sintered NdFeB, UH (180 °C) | 26.0 | 5–6 (5.5) | – | same |
| Sintered NdFeB, EH (200 °C) | 24.0 | 6–9 (7.5) | – | same |
| Sintered NdFeB, AH (220 °C) | 23.0 | 6–9 (8.5) | – | same |
| Sintered NdFeB, grain-boundary diffused (GBD) | 30.5 | <0.6 (0.5) | – | mainrichinternational.com |
| Bonded NdFeB (MQ powder in polymer) | 26 | 0 | – | typically Dy-free (unconfirmed) |
| SmCo5 | – | – | 36 | brm-metal.com; couragemagnet.com |
| Sm2Co17 (e.g. YXG-28) | – | – | 25 (23–28) | couragemagnet.com |
| Hard ferrite (SrFe12O19 / BaFe12O19) | – | – | – | no Nd/Pr/Dy/Tb/Sm (La-Co-substituted grades hold a few % La, not controlled) |
"""


def ndfeb_class(grade: str) -> str:
    """Temperature class of an NdFeB grade as written: 'N42SH' -> 'SH', '38UH' -> 'UH'."""
    m = re.fullmatch(r"N?(\d{2})(M|H|SH|UH|EH|AH)?", grade.strip().upper())
    if not m:
        raise ValueError(f"not an NdFeB grade: {grade!r}")
    return m.group(2) or "N"


@dataclass(frozen=True)
class Magnet:
    """Magnet content of one unit of a BOM line."""

    material: str  # "NdFeB sintered", "NdFeB bonded", "SmCo5", "Sm2Co17"
    grade: str = ""  # as written in the BOM ('' when not stated)
    tclass: str = ""  # NdFeB temperature class used for the element estimate
    grams: float | None = None  # magnet mass per unit of this line
    basis: str = ""  # "stated" (in the BOM) or "estimate" (ours, see reason)

    def pct(self) -> tuple[float, float, float]:
        """(Nd+Pr, Dy+Tb, Sm) in wt% of the magnet."""
        if self.material == "NdFeB bonded":
            return BONDED_NDPR_PCT, 0.0, 0.0
        if self.material in SM_PCT:
            return 0.0, 0.0, SM_PCT[self.material]
        nd_pr, dy_tb = NDFEB_CLASS_PCT[self.tclass]
        return nd_pr, dy_tb, 0.0


def nd(grade: str, grams: float | None, basis: str = "stated", tclass: str = "") -> Magnet:
    """Sintered NdFeB; class taken from the grade unless given (GBD, or grade unknown)."""
    cls = tclass or ndfeb_class(grade)
    return Magnet("NdFeB sintered", grade, cls, grams, basis if grams is not None else "")


def bonded(grams: float, basis: str = "stated", grade: str = "") -> Magnet:
    return Magnet("NdFeB bonded", grade, "", grams, basis)


def smco(material: str, grams: float, basis: str = "stated", grade: str = "") -> Magnet:
    return Magnet(material, grade or material, "", grams, basis)


@dataclass(frozen=True)
class Tag:
    """What a careful human expects the tagger to conclude for one line."""

    label: str = "no"  # yes | likely | possible | no | assembly
    cls: str = ""  # component class
    reason: str = ""
    magnet: Magnet | None = None
    trap: bool = False  # looks magnetic / rare-earth, must NOT be tagged


PLAIN = Tag()


def yes(cls: str, magnet: Magnet, reason: str) -> Tag:
    return Tag("yes", cls, reason, magnet)


def likely(cls: str, magnet: Magnet, reason: str) -> Tag:
    return Tag("likely", cls, reason, magnet)


def possible(cls: str, reason: str) -> Tag:
    return Tag("possible", cls, reason)


def trap(cls: str, reason: str) -> Tag:
    return Tag("no", cls, reason, trap=True)


def assembly(reason: str = "") -> Tag:
    return Tag("assembly", "assembly", reason)


# --------------------------------------------------------------------------------------
# Sheet description
# --------------------------------------------------------------------------------------


@dataclass
class Line:
    """One BOM line. ``level`` is the depth below the product (0 = directly in it)."""

    cells: list[object]
    tag: Tag = PLAIN
    level: int = 0


@dataclass
class Section:
    text: str


@dataclass
class Blank:
    pass


@dataclass
class Total:
    """A totals row; '{first}'/'{last}' in strings become the first/last body row."""

    cells: list[object]


Row = Line | Section | Blank | Total


@dataclass
class SheetSpec:
    name: str
    header: list[str]
    body: list[Row]
    desc_col: str
    qty_col: str | None
    title_rows: list[list[object]] = field(default_factory=list)
    freeze_col: int = 1  # first unfrozen column (1 = freeze rows only)
    indent_col: str | None = None  # indent this column by level
    money_cols: tuple[str, ...] = ()
    number_formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)
    autofilter: bool = True
    section_col: int = 1


@dataclass
class NotesSheet:
    """A plain side sheet (revision history, notes) with no BOM lines."""

    name: str
    rows: list[list[object]]


@dataclass
class FileDoc:
    title: str  # short name for the README index
    product: str
    quirks: list[str]


@dataclass
class Label:
    file: str
    sheet: str
    row: int
    description: str
    qty: float | None
    ext_qty: float | None
    tag: Tag


def to_number(value: object) -> float | None:
    """Numbers as written in these samples: 12, 12.5, '12,50', '1.234,50', '0,4 kg'."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    m = re.match(r"^-?[\d.,]+", text)
    if not m:
        return None
    num = m.group(0)
    if "," in num:
        num = num.replace(".", "").replace(",", ".")
    try:
        return float(num)
    except ValueError:
        return None


def de_num(x: float, decimals: int = 2) -> str:
    """German number text: 1234.5 -> '1.234,50'."""
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def extended(lines: Sequence[Line], qty_of: Callable[[Line], float | None]) -> list[float | None]:
    """Quantity per finished product: product of quantities down the tree."""
    stack: list[float | None] = []
    out: list[float | None] = []
    for line in lines:
        del stack[line.level :]
        parent = stack[-1] if stack else 1.0
        q = qty_of(line)
        ext = None if q is None or parent is None else q * parent
        stack.append(ext)
        out.append(ext)
    return out


def has_children(lines: Sequence[Line]) -> list[bool]:
    return [i + 1 < len(lines) and lines[i + 1].level > ln.level for i, ln in enumerate(lines)]


def leaf_sum(lines: Sequence[Line], qty_index: int, value: Callable[[Line], float | None]) -> float:
    """Sum of extended quantity x value over leaf lines (a multi-level roll-up)."""
    ext = extended(lines, lambda ln: to_number(ln.cells[qty_index]))
    total = 0.0
    for line, e, parent in zip(lines, ext, has_children(lines), strict=True):
        v = value(line)
        if not parent and e is not None and v is not None:
            total += e * v
    return total


# --------------------------------------------------------------------------------------
# Styling and writing
# --------------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="A6A6A6")
DOUBLE = Side(style="double", color="000000")


def _write_sheet(ws: Worksheet, spec: SheetSpec, file: str) -> list[Label]:
    r = 1
    for i, cells in enumerate(spec.title_rows):
        for c, v in enumerate(cells, start=1):
            if v is None:
                continue
            cell = ws.cell(r, c, v)
            if i == 0 and c == 1:
                cell.font = Font(bold=True, size=14)
            elif isinstance(v, str) and v.endswith(":"):
                cell.font = Font(bold=True)
            if isinstance(v, dt.date):
                cell.number_format = "yyyy-mm-dd"
        r += 1

    header_row = r
    ncols = len(spec.header)
    for c, h in enumerate(spec.header, start=1):
        cell = ws.cell(r, c, h)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = Border(bottom=THIN, top=THIN, left=THIN, right=THIN)
    ws.row_dimensions[r].height = 30
    r += 1
    first_body = r

    lines = [b for b in spec.body if isinstance(b, Line)]
    qi = spec.header.index(spec.qty_col) if spec.qty_col else None
    ext = extended(lines, lambda ln: to_number(ln.cells[qi]) if qi is not None else 1.0)
    parents = has_children(lines)
    di = spec.header.index(spec.desc_col)
    ind = spec.header.index(spec.indent_col) + 1 if spec.indent_col else None
    money = {spec.header.index(h) + 1 for h in spec.money_cols}
    fmts = {spec.header.index(h) + 1: f for h, f in spec.number_formats.items()}

    labels: list[Label] = []
    li = 0
    last_body = r
    for item in spec.body:
        if isinstance(item, Blank):
            r += 1
            continue
        if isinstance(item, Section):
            cell = ws.cell(r, spec.section_col, item.text)
            cell.font = Font(bold=True)
            for c in range(1, ncols + 1):
                ws.cell(r, c).fill = SECTION_FILL
            r += 1
            continue
        if isinstance(item, Total):
            for c, v in enumerate(item.cells, start=1):
                if v is None:
                    continue
                if isinstance(v, str):
                    v = v.format(first=first_body, last=last_body)
                cell = ws.cell(r, c, v)
                if c in money:
                    cell.number_format = "#,##0.00"
            for c in range(1, ncols + 1):
                cell = ws.cell(r, c)
                cell.font = Font(bold=True)
                cell.fill = TOTAL_FILL
                cell.border = Border(top=DOUBLE)
            r += 1
            continue
        line = item
        is_parent = parents[li]
        for c, v in enumerate(line.cells, start=1):
            if v is None:
                continue
            cell = ws.cell(r, c, v)
            if c in money and isinstance(v, int | float):
                cell.number_format = "#,##0.00"
            elif c in fmts and isinstance(v, int | float):
                cell.number_format = fmts[c]
            if is_parent and line.level <= 2:
                cell.font = Font(bold=True)
        if ind is not None and line.level:
            ws.cell(r, ind).alignment = Alignment(indent=line.level)
        tag = line.tag
        if is_parent and tag.label == "no":
            tag = assembly()
        elif is_parent and tag.label != "assembly":
            raise ValueError(f"{file}: parent line {r} tagged {tag.label}")
        labels.append(
            Label(
                file,
                spec.name,
                r,
                str(line.cells[di]),
                to_number(line.cells[qi]) if qi is not None else None,
                ext[li],
                tag,
            )
        )
        last_body = r
        li += 1
        r += 1

    ws.freeze_panes = ws.cell(header_row + 1, spec.freeze_col)
    if spec.autofilter:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(ncols)}{last_body}"
    for c, h in enumerate(spec.header, start=1):
        width = spec.widths.get(h)
        if width is None:
            longest = max(
                [len(str(h))]
                + [
                    len(str(ln.cells[c - 1])) if c - 1 < len(ln.cells) else 0
                    for ln in lines
                    if ln.cells[c - 1] is not None
                ]
            )
            width = min(max(8, longest + 2), 60)
        ws.column_dimensions[get_column_letter(c)].width = width
    return labels


def _save_deterministic(wb: Workbook, path: Path) -> None:
    """Save with fixed document dates and zip timestamps, atomically."""
    wb.properties.creator = "riskapp sample generator"
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, data)
    _atomic_write(path, out.getvalue())


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_workbook(
    path: Path, sheets: Sequence[SheetSpec | NotesSheet], file: str | None = None
) -> list[Label]:
    wb = Workbook()
    wb.remove(wb.active)
    labels: list[Label] = []
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        if isinstance(spec, NotesSheet):
            for cells in spec.rows:
                ws.append(cells)
            ws["A1"].font = Font(bold=True, size=12)
            ws.column_dimensions["A"].width = 14
            ws.column_dimensions["B"].width = 14
            ws.column_dimensions["C"].width = 90
            continue
        labels += _write_sheet(ws, spec, file or path.name)
    _save_deterministic(wb, path)
    return labels


def write_csv(
    path: Path,
    *,
    pre: list[list[str]],
    header: list[str],
    body: list[Line],
    desc_col: str,
    qty_col: str | None,
    delimiter: str,
    encoding: str,
    quoting: int = csv.QUOTE_MINIMAL,
    line_end: str = "\r\n",
    qty_from: Callable[[Line], float | None] | None = None,
) -> list[Label]:
    """Write a CSV; labels carry the 1-based line number where each record starts."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=line_end)
    for cells in pre:
        w.writerow(cells)
    w.writerow(header)
    first = len(pre) + 2
    di = header.index(desc_col)
    qi = header.index(qty_col) if qty_col else None
    labels: list[Label] = []
    for n, line in enumerate(body):
        w.writerow(["" if v is None else v for v in line.cells])
        if any("\n" in str(v) or "\r" in str(v) for v in line.cells):
            raise ValueError("records must fit on one line (labels use line numbers)")
        if qty_from is not None:
            q = qty_from(line)
        else:
            q = to_number(line.cells[qi]) if qi is not None else None
        labels.append(Label(path.name, "", first + n, str(line.cells[di]), q, q, line.tag))
    _atomic_write(path, buf.getvalue().encode(encoding))
    return labels


# --------------------------------------------------------------------------------------
# 1. EV drive unit — multi-level costed BOM (ERP export)
# --------------------------------------------------------------------------------------

EV_HEADER = [
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
    "Material/Grade",
    "Magnet Mass (g)",
]


def ev_drive_unit() -> tuple[list[SheetSpec | NotesSheet], FileDoc]:
    def L(
        level: int,
        item: int,
        pn: str,
        desc: str,
        mfr: str | None,
        mpn: str | None,
        sup: str | None,
        qty: float,
        uom: str,
        price: float | None,
        coo: str,
        mat: str | None = None,
        mm: float | None = None,
        tag: Tag = PLAIN,
    ) -> Line:
        cur = "EUR" if price is not None else None
        cells = [level, item, pn, desc, mfr, mpn, sup, qty, uom, price, cur, coo, mat, mm]
        return Line(cells, tag, level)

    IH = "Voltaris Drive Systems"  # the OEM itself (make items)
    seg = nd("N42SH", 29.0)
    # fmt: off
    body: list[Row] = [
        L(0, 10, "DU15-0000-00", "Electric drive unit EDU-150 (PMSM 150 kW, 800 V SiC inverter, 1-speed reducer 9.6:1)", IH, None, None, 1, "PC", None, "Germany"),
        L(1, 10, "DU15-1000-00", "Traction motor assembly, PMSM, 8-pole IPM, 150 kW peak / 80 kW cont.", IH, None, None, 1, "PC", None, "Germany"),
        L(2, 10, "DU15-1100-00", "Rotor assembly, 8-pole, V-shape interior PM, 4-step skew", IH, None, None, 1, "PC", None, "Germany", "NdFeB N42SH (48 segments)", 1392,
          assembly("Magnet Mass column states 1392 g per rotor = 48 x 29.0 g of its child line; count once")),
        L(3, 10, "DU15-1110-00", "Magnet segment NdFeB N42SH 48x20x4 mm, epoxy coated, magnetised", "JL MAG Rare-Earth Co., Ltd.", "JLM-42SH-482004-EP", "JL MAG Rare-Earth Co., Ltd.", 48, "PC", 2.45, "China", "Sintered NdFeB N42SH", 29.0,
          yes("ndfeb_magnet", seg, "sintered NdFeB segment, grade and mass stated")),
        L(3, 20, "DU15-1120-00", "Rotor lamination stack, 8-pole, self-bonding, Ø160 x 150 mm", "voestalpine Automotive Components", "RL-8P-160-150", "voestalpine Automotive Components", 1, "PC", 38.00, "Austria", "Electrical steel M270-35A"),
        L(3, 30, "DU15-1130-00", "Rotor shaft, induction hardened, splined", "Neumayer Tekfor", "TF-RS-150-02", "Neumayer Tekfor", 1, "PC", 21.50, "Germany", "42CrMo4+QT"),
        L(3, 40, "DU15-1140-00", "Magnet bonding adhesive, 1K epoxy, heat-cure", "Henkel", "LOCTITE EA 9514", "Henkel AG & Co. KGaA", 0.035, "KG", 85.00, "Germany", "Epoxy",
          tag=trap("adhesive", "'Magnet' names the use: an epoxy for bonding the segments, not a magnet")),
        L(3, 50, "DU15-1150-00", "Rotor end plate / balancing disc", "GF Casting Solutions", "GF-EP-160", "GF Casting Solutions", 2, "PC", 4.20, "Austria", "AlSi10Mg"),
        L(2, 20, "DU15-1200-00", "Stator assembly, hairpin winding, 48 slots, 3-phase", IH, None, None, 1, "PC", None, "Germany"),
        L(3, 10, "DU15-1210-00", "Stator lamination stack, welded, OD 220 mm", "voestalpine Automotive Components", "SL-48S-220-150", "voestalpine Automotive Components", 1, "PC", 96.00, "Austria", "Electrical steel M250-35A"),
        L(3, 20, "DU15-1220-00", "Hairpin conductor, enamelled rectangular copper 3.6x2.0 mm (magnet wire, PAI/PI)", "Essex Furukawa Magnet Wire", "EFMW-R36X20-PAI", "Essex Furukawa Magnet Wire", 7.2, "KG", 11.80, "Italy", "Cu-ETP, PAI/PI enamel",
          tag=trap("winding_wire", "magnet wire is enamelled copper; the maker's name also says 'Magnet Wire'")),
        L(3, 30, "DU15-1230-00", "Slot liner NKN 0.30 mm (Nomex-Kapton-Nomex)", "DuPont", "NOMEX 410 NKN 0.30", "Krempel GmbH", 0.9, "M2", 14.50, "Germany", "Aramid/PI laminate"),
        L(3, 40, "DU15-1240-00", "Impregnation resin, single-component", "Elantas", "Dobeckan MF 8023", "Elantas Europe", 0.6, "KG", 18.00, "Germany", "Polyester-imide resin"),
        L(3, 50, "DU15-1250-00", "Temperature sensor NTC 10 kΩ, winding-embedded", "TDK", "B57861S0103F040", "Mouser Electronics", 2, "PC", 1.35, "China", None),
        L(2, 30, "DU15-1300-00", "Resolver, variable-reluctance, 4X, 2-phase output", "Tamagawa Seiki", "TS2640N321E64", "Tamagawa Europe GmbH", 1, "PC", 28.50, "Japan", "Laminated steel / Cu winding",
          tag=trap("resolver", "variable-reluctance resolver: wound stator and toothed steel rotor, no permanent magnet")),
        L(2, 40, "DU15-1400-00", "Deep groove ball bearing, hybrid (ceramic balls), drive end", "SKF", "6208/HC5C3", "SKF GmbH", 1, "PC", 46.00, "Sweden", "Bearing steel / Si3N4"),
        L(2, 50, "DU15-1410-00", "Deep groove ball bearing, non-drive end", "SKF", "6306-2Z/C3", "SKF GmbH", 1, "PC", 7.80, "Germany", "Bearing steel"),
        L(2, 60, "DU15-1500-00", "Motor housing with water jacket, HPDC", "Nemak", "NMK-MH-EDU150", "Nemak Slovakia s.r.o.", 1, "PC", 142.00, "Slovakia", "AlSi9Cu3(Fe)"),
        L(1, 20, "DU15-2000-00", "Inverter assembly, 800 V SiC, 300 A rms", IH, None, None, 1, "PC", None, "Germany"),
        L(2, 10, "DU15-2100-00", "Power module CoolSiC HybridPACK Drive 1200 V, 6-pack", "Infineon", "FS03MR12A6MA1B", "Infineon Technologies AG", 1, "PC", 465.00, "Hungary", None),
        L(2, 20, "DU15-2200-00", "Gate driver board, 6-ch isolated (1EDI3031AS)", "Zollner Elektronik", "VDS-GDB-150-C", "Zollner Elektronik AG", 1, "PC", 58.00, "Hungary", None),
        L(2, 30, "DU15-2300-00", "DC-link film capacitor 500 µF 900 V", "TDK", "B25655P9507K151", "TDK Electronics AG", 1, "PC", 72.00, "Hungary", "PP film"),
        L(2, 40, "DU15-2400-00", "Current sensor, 3-phase open-loop Hall, 600 A", "LEM", "HAH3DR 600-S07", "LEM Europe GmbH", 1, "PC", 18.40, "China", "Soft-magnetic core",
          tag=trap("current_sensor", "Hall current sensor: soft-magnetic flux concentrator, no permanent magnet")),
        L(2, 50, "DU15-2500-00", "Control board, AURIX TC387 MCU, CAN-FD", "Zollner Elektronik", "VDS-CTL-150-B", "Zollner Elektronik AG", 1, "PC", 64.00, "Hungary", None),
        L(2, 60, "DU15-2600-00", "Common-mode choke core, nanocrystalline VITROPERM, 63x50x25 mm", "VAC Vacuumschmelze", "T60006-L2063-W516", "VAC Vacuumschmelze GmbH & Co. KG", 3, "PC", 6.90, "Slovakia", "Nanocrystalline Fe-based alloy",
          tag=trap("soft_magnetic_core", "soft-magnetic core from a maker that also sells NdFeB magnets; no rare earths")),
        L(2, 70, "DU15-2700-00", "HV DC connector, 2-pole, shielded, 250 A", "TE Connectivity", "2-2103145-1", "TE Connectivity Germany GmbH", 1, "PC", 24.50, "Germany", None),
        L(2, 80, "DU15-2800-00", "Inverter housing, HPDC", "Nemak", "NMK-IH-EDU150", "Nemak Slovakia s.r.o.", 1, "PC", 86.00, "Slovakia", "AlSi9Cu3(Fe)"),
        L(2, 90, "DU15-2900-00", "Thermal gap filler, 2-component, 4 W/mK", "Henkel", "BERGQUIST TGF 4000", "Henkel AG & Co. KGaA", 0.12, "KG", 120.00, "USA", "Silicone, filled"),
        L(1, 30, "DU15-3000-00", "Reduction gearbox, single speed 9.6:1, open differential", IH, None, None, 1, "PC", None, "Germany"),
        L(2, 10, "DU15-3100-00", "Input shaft with pinion, ground", "Neumayer Tekfor", "TF-IS-96-01", "Neumayer Tekfor", 1, "PC", 34.00, "Germany", "18CrNiMo7-6"),
        L(2, 20, "DU15-3200-00", "Intermediate shaft with gear", "Neumayer Tekfor", "TF-MS-96-01", "Neumayer Tekfor", 1, "PC", 52.00, "Germany", "18CrNiMo7-6"),
        L(2, 30, "DU15-3300-00", "Differential assembly, open, with ring gear", "GKN Automotive", "GKN-DIF-150-A", "GKN Driveline Polska", 1, "PC", 118.00, "Poland", "Steel"),
        L(2, 40, "DU15-3400-00", "Tapered roller bearing 32008 X/Q", "SKF", "32008 X/Q", "SKF GmbH", 2, "PC", 11.20, "Germany", "Bearing steel"),
        L(2, 50, "DU15-3410-00", "Deep groove ball bearing 6206-C-2HRS", "Schaeffler", "6206-C-2HRS", "Schaeffler Technologies", 2, "PC", 5.60, "Germany", "Bearing steel"),
        L(2, 60, "DU15-3500-00", "Parking lock actuator assembly, 12 V", IH, None, None, 1, "PC", None, "Germany"),
        L(3, 10, "DU15-3510-00", "BLDC motor 12 V, 40 W, 8-pole, with Hall sensors", "Nidec", "24H-BL12-040", "Nidec Motor Europe", 1, "PC", 14.80, "China", "Bonded NdFeB ring (MQ), Dy-free", 12,
          yes("bldc_motor", bonded(12), "BLDC with bonded NdFeB ring; mass stated")),
        L(3, 20, "DU15-3520-00", "Worm gear set, i=48", "IMS Gear", "IMS-WG-48-01", "IMS Gear SE & Co. KGaA", 1, "SET", 1.90, "Germany", "PA66 / steel"),
        L(3, 30, "DU15-3530-00", "Parking pawl, case hardened", "Schaeffler", "F-PP-150-02", "Schaeffler Technologies", 1, "PC", 3.40, "Germany", "16MnCr5"),
        L(3, 40, "DU15-3540-00", "3D Hall sensor, I2C, pawl position", "Infineon", "TLE493D-W2B6 A0", "Infineon Technologies AG", 1, "PC", 1.65, "Malaysia", None,
          tag=trap("hall_sensor", "Hall sensor IC alone carries no magnet (its magnet is the next line)")),
        L(3, 50, "DU15-3550-00", "Sensor magnet, diametric Ø6x3 mm, NdFeB N35H, NiCuNi", "Ningbo Yunsheng", "YS-D6X3-N35H-DIA", "Ningbo Yunsheng Co., Ltd.", 1, "PC", 0.38, "China", "Sintered NdFeB N35H", 0.64,
          yes("ndfeb_magnet", nd("N35H", 0.64), "sensor pellet; Ø6x3 mm x 7.55 g/cm³ = 0.64 g")),
        L(3, 60, "DU15-3560-00", "Actuator housing with cover", "IMS Gear", "IMS-AH-150", "IMS Gear SE & Co. KGaA", 1, "PC", 2.10, "Germany", "PA66-GF30"),
        L(2, 70, "DU15-3600-00", "Output speed sensor, back-biased Hall, 2-wire", "Continental", "A2C1746770000", "Continental Automotive Czech Republic", 1, "PC", 9.80, "Czech Republic", "Sm2Co17 bias magnet", 0.4,
          yes("speed_sensor", smco("Sm2Co17", 0.4), "back-bias magnet material and mass stated")),
        L(2, 80, "DU15-3700-00", "Gearbox housing, HPDC", "Nemak", "NMK-GH-EDU150", "Nemak Slovakia s.r.o.", 1, "PC", 128.00, "Slovakia", "AlSi9Cu3(Fe)"),
        L(2, 90, "DU15-3800-00", "E-drive fluid, low viscosity", "Fuchs", "TITAN EV DRIVE 2011", "Fuchs Schmierstoffe GmbH", 1.3, "L", 6.50, "Germany", None),
        L(2, 100, "DU15-3900-00", "Radial shaft seal 45x62x8", "Freudenberg", "BAUM5X7 45X62X8", "Freudenberg Sealing Technologies", 2, "PC", 2.30, "Germany", "FKM"),
        L(1, 40, "DU15-4000-00", "Cooling and lubrication", IH, None, None, 1, "SET", None, "Germany"),
        L(2, 10, "DU15-4100-00", "Electric coolant pump 12 V, 50 W, BLDC wet-rotor", "Rheinmetall (Pierburg)", "7.10057.12.0", "Pierburg Pump Technology GmbH", 1, "PC", 78.00, "Germany", "Rotor magnet NdFeB", 35,
          yes("pump_bldc", nd("", 35, tclass="H"), "NdFeB and mass stated, grade not: class H assumed (coolant ≤105 °C)")),
        L(2, 20, "DU15-4200-00", "Electric oil pump 12 V, 200 W, integrated controller", "Nidec", "EOP-12-200-B", "Nidec Motor Europe", 1, "PC", 112.00, "China", None, None,
          likely("pump_bldc", nd("", 40, "estimate", tclass="SH"), "electric oil pumps use BLDC/PMSM motors; ~40 g est., SH assumed (oil 140 °C)")),
        L(2, 30, "DU15-4300-00", "Oil cooler, plate type", "Mahle", "CLC-EDU-150", "Mahle Behr", 1, "PC", 41.00, "Czech Republic", "Al brazed"),
        L(2, 40, "DU15-4400-00", "Coolant hose set", "ContiTech", "CT-HS-EDU150", "ContiTech Fluid Technology", 1, "SET", 17.00, "Hungary", "EPDM"),
        L(1, 50, "DU15-5000-00", "Wiring and connectors", IH, None, None, 1, "SET", None, "Germany"),
        L(2, 10, "DU15-5100-00", "HV 3-phase busbar set, tin plated", "Interplex", "IPX-BB3-150", "Interplex Germany GmbH", 1, "SET", 36.00, "Germany", "Cu-ETP"),
        L(2, 20, "DU15-5200-00", "LV harness, 24-way, incl. resolver and NTC leads", "Leoni", "LEO-EDU150-LV", "Leoni Wiring Systems", 1, "PC", 48.00, "Tunisia", None),
        L(2, 30, "DU15-5300-00", "LV connector 24-pin, sealed", "TE Connectivity", "1-1418479-1", "TE Connectivity Germany GmbH", 1, "PC", 7.90, "Germany", None),
        L(1, 60, "DU15-6000-00", "Fasteners, seals and marking", IH, None, None, 1, "SET", None, "Germany"),
        L(2, 10, "DU15-6100-00", "Hexagon flange bolt M8x25 10.9, zinc flake", "Böllhoff", "ISO 15071 M8x25 10.9", "Würth Industrie Service", 36, "PC", 0.19, "Taiwan", "Steel 10.9"),
        L(2, 20, "DU15-6200-00", "Hexagon socket bolt M6x20 8.8", "Böllhoff", "ISO 4762 M6x20 8.8", "Würth Industrie Service", 24, "PC", 0.08, "Taiwan", "Steel 8.8"),
        L(2, 30, "DU15-6300-00", "O-ring 120x3", "Freudenberg", "OR 120X3 FKM 75", "Freudenberg Sealing Technologies", 2, "PC", 1.10, "Germany", "FKM"),
        L(2, 40, "DU15-6400-00", "Liquid gasket, RTV silicone", "Henkel", "LOCTITE SI 5970", "Henkel AG & Co. KGaA", 12, "ML", 0.09, "Germany", "Silicone"),
        L(2, 50, "DU15-6500-00", "Nameplate, laser marked, with data matrix", "Schreiner Group", "SG-NP-EDU150", "Schreiner Group", 1, "PC", 0.55, "Germany", "Aluminium"),
    ]
    lines = [b for b in body if isinstance(b, Line)]
    cost = round(leaf_sum(lines, 7, lambda ln: to_number(ln.cells[9])), 2)
    magnet_total = leaf_sum(lines, 7, lambda ln: to_number(ln.cells[13]))
    body.append(Blank())
    body.append(
        Total(
            [None, None, None, "TOTAL material cost per EDU (purchased items, extended)", None, None, None, None, None, cost, "EUR", None, "Total magnet mass per EDU (g)", round(magnet_total, 2)]
        )
    )
    title = [
        ["Costed Bill of Materials — Electric Drive Unit EDU-150", None, None, None, None, None, None, None, None, None, None, "Document:", "DU15-BOM-001"],
        ["Assembly: DU15-0000-00   Plant: DE10 Ingolstadt   BOM usage: Production", None, None, None, None, None, None, None, None, None, None, "Revision:", "C"],
        ["Exploded multi-level, all levels; quantities per parent assembly", None, None, None, None, None, None, None, None, None, None, "Date:", dt.date(2026, 11, 16)],
        ["Status: Released for C-sample build", None, None, None, None, None, None, None, None, None, None, "Approved:", "M. Hartmann"],
        [],
    ]
    # fmt: on
    spec = SheetSpec(
        "BOM",
        EV_HEADER,
        body,
        desc_col="Description",
        qty_col="Qty",
        title_rows=title,
        freeze_col=5,
        indent_col="Description",
        money_cols=("Unit Price",),
        number_formats={"Magnet Mass (g)": "#,##0.00", "Qty": "0.###"},
        widths={"Description": 70, "Level": 7, "Item": 7},
    )
    history = NotesSheet(
        "Revision history",
        [
            ["Revision history — DU15-BOM-001"],
            ["Rev", "Date", "Change"],
            ["A", dt.date(2026, 3, 2), "Initial release for B-sample"],
            ["B", dt.date(2026, 7, 14), "Magnet grade N45SH -> N42SH (cost); segment 48x20x4 mm"],
            [
                "C",
                dt.date(2026, 11, 16),
                "Second source for oil pump under evaluation; resolver supplier changed",
            ],
        ],
    )
    doc = FileDoc(
        "EV electric drive unit (multi-level, costed)",
        "Costed multi-level BOM of a 150 kW electric drive unit (traction PMSM, SiC inverter, "
        "single-speed reducer, pumps, parking lock), as an ERP export.",
        [
            "Sheet `BOM` first, then a `Revision history` side sheet (not a BOM).",
            "Four title rows with a document/revision/date/approval block in columns L–M "
            "(the date is a real Excel date); blank row 5; header in row 6; panes frozen at E7; "
            "autofilter on the header.",
            "Multi-level: `Level` 0–3 and an `Item` position (10, 20, …) per parent; "
            "descriptions are indented by level. Quantities are per parent: the product "
            "quantity of a line is the product of the quantities on its path.",
            "Assemblies made in-house have no price. The rotor assembly (row 9) states its "
            "magnet mass (1392 g) *and* its 48 segments state 29.0 g each: the classic "
            "double-count trap; count the leaf line only.",
            "Units of measure include KG, M2, L, ML, SET next to PC.",
            "Blank spacer row and a totals row at the bottom: rolled-up material cost and "
            "total magnet mass per EDU (values, not formulas).",
        ],
    )
    return [spec, history], doc


# --------------------------------------------------------------------------------------
# 2. E-bike — flat engineering BOM with sections
# --------------------------------------------------------------------------------------

EBIKE_HEADER = [
    "No.",
    "Description",
    "Mfr.",
    "Mfr. Part #",
    "Supplier",
    "Qty.",
    "Unit",
    "Unit Cost (USD)",
    "Ext. Cost (USD)",
    "COO",
    "Notes",
]


def ebike() -> tuple[list[SheetSpec | NotesSheet], FileDoc]:
    n = 0

    def L(
        desc: str,
        mfr: str,
        mpn: str,
        sup: str,
        qty: float,
        unit: str,
        cost: float,
        coo: str,
        notes: str | None = None,
        tag: Tag = PLAIN,
    ) -> Line:
        nonlocal n
        n += 1
        return Line(
            [n, desc, mfr, mpn, sup, qty, unit, cost, round(qty * cost, 2), coo, notes], tag
        )

    # fmt: off
    body: list[Row] = [
        Section("DRIVE SYSTEM"),
        L("Rear hub motor 250 W 36 V, geared BLDC, 135 mm dropout, cassette type", "Bafang", "RM G020.250.DC", "Bafang Electric (Suzhou) Co.", 1, "pc", 118.00, "CN", "Rotor: 20 NdFeB magnets, grade 35SH; magnet mass not stated",
          likely("hub_motor", nd("35SH", 300, "estimate"), "hub motor with NdFeB 35SH stated; ~300 g est. (0.3–0.5 kg quoted for e-bike hub motors, unconfirmed)")),
        L("Motor controller 36 V 15 A, sine-wave FOC, CAN bus", "Bafang", "CR X10V.250.CAN", "Bafang Electric (Suzhou) Co.", 1, "pc", 34.50, "CN"),
        L("Torque sensor bottom bracket, 68 mm BSA, with cadence (24-pole NdFeB magnet ring)", "Sempu", "T4-68-CAN", "Sempu Technology", 1, "pc", 42.00, "CN", "Magnet ring bonded NdFeB",
          yes("torque_sensor", bonded(4, "estimate"), "multipole bonded NdFeB ring named; ~4 g est.")),
        L("Speed sensor, Hall, 1600 mm cable, Higo Mini-B", "Bafang", "SR SD051.1600", "Bafang Electric (Suzhou) Co.", 1, "pc", 3.10, "CN", None,
          trap("hall_sensor", "the sensor is a Hall switch; its magnet is the spoke magnet line")),
        L("Spoke magnet, NdFeB disc Ø10x3 mm in ABS clip", "Bafang", "SR SD-MAG-01", "Bafang Electric (Suzhou) Co.", 1, "pc", 0.45, "CN", "N35",
          yes("ndfeb_magnet", nd("N35", 1.8), "Ø10x3 mm disc = 1.8 g")),
        L("Main harness 1T4, Higo waterproof", "Bafang", "EB-BUS 1T4", "Bafang Electric (Suzhou) Co.", 1, "pc", 6.20, "CN"),
        Blank(),
        Section("ELECTRICAL"),
        L("Battery pack 36 V 15 Ah (540 Wh), down-tube, 10S3P 21700", "Greenway", "GW-36150-DT", "Greenway Battery", 1, "pc", 168.00, "CN", "Cells Samsung 50S (KR)"),
        L("Battery lock set with 2 keys", "Greenway", "GW-LOCK-01", "Greenway Battery", 1, "set", 3.80, "CN"),
        L("Charger 42 V 4 A, EU plug", "Greenway", "GW-CH-42040-EU", "Greenway Battery", 1, "pc", 16.50, "CN"),
        L("Display LCD 2.2\", UART, with remote", "Bafang", "DP C18.UART", "Bafang Electric (Suzhou) Co.", 1, "pc", 27.00, "CN"),
        L("Headlight LED 70 lux, 6–48 V", "Busch & Müller", "Lumotec IQ-XS E", "Busch & Müller KG", 1, "pc", 24.00, "DE"),
        L("Rear light LED, rack mount, 6–48 V", "Busch & Müller", "Toplight Line E", "Busch & Müller KG", 1, "pc", 11.50, "DE"),
        Blank(),
        Section("BRAKES"),
        L("Hydraulic disc brake caliper, 2-piston, front + rear", "Magura", "MT4 2701540", "Magura Bike Parts", 2, "pc", 21.00, "DE", None,
          trap("brake", "'Magura' is a brand; hydraulic caliper, no magnet")),
        L("Brake lever MT4e with integrated e-brake cut-off sensor (Hall + magnet)", "Magura", "MT4e HC 2701580", "Magura Bike Parts", 2, "pc", 18.50, "DE", "Cut-off sensor Higo 2-pin",
          likely("brake_sensor", nd("", 0.3, "estimate", tclass="N"), "cut-off sensor = Hall switch + small NdFeB pellet; ~0.3 g est., class N assumed")),
        L("Brake disc 180 mm, 6-bolt", "Magura", "Storm HC 180", "Magura Bike Parts", 1, "pc", 9.80, "TW"),
        L("Brake disc 160 mm, 6-bolt", "Magura", "Storm HC 160", "Magura Bike Parts", 1, "pc", 8.90, "TW"),
        Blank(),
        Section("DRIVETRAIN"),
        L("Chain e-bike EPT, 9-speed, 136 links", "KMC", "e9 EPT", "KMC Chain Industrial", 1, "pc", 9.40, "TW"),
        L("Cassette 11-34T, 9-speed", "Shimano", "CS-HG201-9", "Shimano Components Malaysia", 1, "pc", 11.20, "MY"),
        L("Rear derailleur, 9-speed, Shadow", "Shimano", "RD-M3100-SGS", "Shimano Components Malaysia", 1, "pc", 15.60, "MY"),
        L("Shifter, 9-speed, right", "Shimano", "SL-M3100-R", "Shimano Components Malaysia", 1, "pc", 7.90, "MY"),
        L("Crankset 170 mm, 44T, with chainguard, ISIS", "Prowheel", "CY-E10-44", "Prowheel Co.", 1, "pc", 12.40, "TW"),
        Blank(),
        Section("FRAME & WHEELS"),
        L("Frame, Al 6061-T6, size M, integrated battery, hydroformed", "Ideal Bike", "UB250-FR-M", "Ideal Bike Corp.", 1, "pc", 96.00, "TW"),
        L("Suspension fork 63 mm, e-bike rated, 1-1/8\"", "SR Suntour", "NEX-E25 DS", "SR Suntour Inc.", 1, "pc", 34.00, "CN"),
        L("Rim 28\" double wall, 36H", "Ryde", "Andra 30", "Ryde International", 2, "pc", 14.10, "CN"),
        L("Spoke 13G stainless, 292 mm", "Sapim", "Leader 13G-292", "Sapim NV", 72, "pc", 0.14, "BE"),
        L("Tyre 47-622 e-bike ready, reflective", "Schwalbe", "Energizer Plus 11101134", "Ralf Bohle GmbH", 2, "pc", 19.80, "ID"),
        L("Inner tube 28\", Schrader", "Schwalbe", "AV17", "Ralf Bohle GmbH", 2, "pc", 2.60, "ID"),
        L("Front hub 36H, QR 100 mm", "Shimano", "HB-TX505", "Shimano Components Malaysia", 1, "pc", 8.20, "MY"),
        Blank(),
        Section("COCKPIT & ACCESSORIES"),
        L("Handlebar 680 mm + stem 60 mm, Al", "Satori", "HB-680/ST-60", "Satori Industries", 1, "set", 11.00, "TW"),
        L("Grips ergonomic, lock-on", "Ergon", "GP1", "RTI Sports", 1, "pair", 7.40, "TW"),
        L("Saddle, city comfort", "Selle Royal", "Freeway Fit", "Selle Royal", 1, "pc", 12.30, "IT"),
        L("Pedals, magnesium body, flat, sealed bearings", "Wellgo", "MG-1", "Wellgo Pedal's Corp.", 1, "pair", 9.90, "TW", None,
          trap("pedal", "'magnesium' contains 'magne': a metal, not a magnet")),
        L("Kickstand, rear, adjustable", "Ursus", "Mooi Evo", "Ursus S.p.A.", 1, "pc", 6.10, "IT"),
        L("Mudguard set 55 mm with stays", "SKS", "Bluemels 55", "SKS Germany", 1, "set", 8.60, "DE"),
        L("Phone holder, magnetic (MagSafe compatible), stem mount", "Quad Lock", "QLM-MAG-STEM", "Quad Lock", 1, "pc", 14.00, "CN", "Magnet ring array",
          likely("magnetic_mount", nd("", 6, "estimate", tclass="N"), "MagSafe-type mounts use an NdFeB ring array; ~6 g est., class N assumed")),
        L("Frame lock with plug-in chain", "ABUS", "Shield 5650", "ABUS August Bremicker", 1, "pc", 17.00, "DE"),
        Blank(),
        Section("PACKAGING"),
        L("Shipping carton, 85% pre-assembled, with foam inserts", "Smurfit Westrock", "UB250-PKG", "Smurfit Westrock", 1, "set", 7.50, "CN"),
    ]
    body.append(Blank())
    body.append(Total([None, "TOTAL", None, None, None, None, None, None, "=SUM(I{first}:I{last})", None, "formula, no cached value"]))
    title = [
        ["UB-250 Urban E-Bike — Production BOM"],
        ["Model year 2027 · Frame size M · Rev B"],
        ["Date: 2026-10-02 · Prepared: Product Engineering · Status: Released for pilot build"],
        [],
    ]
    # fmt: on
    spec = SheetSpec(
        "UB-250 BOM",
        EBIKE_HEADER,
        body,
        desc_col="Description",
        qty_col="Qty.",
        title_rows=title,
        money_cols=("Unit Cost (USD)", "Ext. Cost (USD)"),
        widths={"Description": 68, "Notes": 50, "No.": 6},
    )
    doc = FileDoc(
        "250 W urban e-bike (flat, sections)",
        "Flat engineering BOM of a 250 W urban e-bike (hub motor, torque sensor, battery, brakes, "
        "drivetrain, accessories).",
        [
            "Three title rows (model, revision, date as text), blank row, header in row 5; "
            "panes frozen below the header; autofilter.",
            "Abbreviated headers: `No.`, `Mfr.`, `Mfr. Part #`, `Qty.`, `Unit Cost (USD)`, "
            "`Ext. Cost (USD)`, `COO` (ISO-2 country codes).",
            "Section rows (DRIVE SYSTEM, ELECTRICAL, …) with text in column A only, each "
            "followed by a blank spacer row before the next section.",
            "Magnet details sit in the free-text `Notes` column, not in a material column.",
            "Totals row at the bottom: `=SUM(...)` formula written by openpyxl, so the file has "
            "no cached value (pandas/calamine read it as empty until Excel recalculates).",
        ],
    )
    return [spec], doc


# --------------------------------------------------------------------------------------
# 3. Industrial robot arm — outline-numbered BOM
# --------------------------------------------------------------------------------------

ROBOT_HEADER = [
    "Pos.",
    "Part No.",
    "Description",
    "Manufacturer",
    "Mfr. P/N",
    "Supplier",
    "Qty",
    "Unit",
    "Unit Price",
    "Curr.",
    "Ext. Price",
    "Country of Origin",
    "Magnet / Material",
    "Magnet mass [g]",
    "Remarks",
]


def robot_arm() -> tuple[list[SheetSpec | NotesSheet], FileDoc]:
    def L(
        pos: str,
        pn: str,
        desc: str,
        mfr: str | None,
        mpn: str | None,
        sup: str | None,
        qty: float,
        unit: str,
        price: float | None,
        coo: str,
        mat: str | None = None,
        mm: float | None = None,
        rem: str | None = None,
        tag: Tag = PLAIN,
    ) -> Line:
        cur = "EUR" if price is not None else None
        ext = round(qty * price, 2) if price is not None else None
        return Line(
            [pos, pn, desc, mfr, mpn, sup, qty, unit, price, cur, ext, coo, mat, mm, rem],
            tag,
            pos.count("."),
        )

    IH = "RoboNord (in-house)"
    # fmt: off
    body: list[Row] = [
        L("1", "RX10-1000", "Manipulator RX-10, 6-axis, 10 kg payload, 1420 mm reach", IH, None, None, 1, "pc", None, "Germany"),
        L("1.1", "RX10-1100", "Base and axis J1", IH, None, None, 1, "pc", None, "Germany"),
        L("1.1.1", "RX10-1110", "AC servo motor J1, 2.0 kW, 400 V, 3000 rpm, 24-bit abs. encoder, with brake", "Yaskawa", "SGM7A-20D7A2C", "Yaskawa Europe GmbH", 1, "pc", 1180.00, "Japan", "Rotor magnet NdFeB N42UH", 310, None,
          yes("servo_motor", nd("N42UH", 310), "PM servo, grade and magnet mass stated")),
        L("1.1.2", "RX10-1120", "Cycloidal reducer RV-80E, i=121 — Gearbox only, motor not included", "Nabtesco", "RV-80E-121-A-B", "Nabtesco Precision Europe", 1, "pc", 1640.00, "Japan", "Steel", None, "Gearbox only, motor not included",
          trap("gearbox", "reducer only; 'motor' appears only in 'motor not included'")),
        L("1.1.3", "RX10-1130", "Base casting, machined", "Fonderia Zardo", "FZ-RX10-B", "Fonderia Zardo S.p.A.", 1, "pc", 310.00, "Italy", "EN-GJS-400-15"),
        L("1.1.4", "RX10-1140", "Rotating column J1, machined", "Fonderia Zardo", "FZ-RX10-C", "Fonderia Zardo S.p.A.", 1, "pc", 265.00, "Italy", "EN-GJS-400-15"),
        L("1.2", "RX10-1200", "Lower arm and axis J2", IH, None, None, 1, "pc", None, "Germany"),
        L("1.2.1", "RX10-1210", "AC servo motor J2, 2.0 kW, 400 V, with brake", "Yaskawa", "SGM7A-20D7A2C", "Yaskawa Europe GmbH", 1, "pc", 1180.00, "Japan", "Rotor magnet NdFeB N42UH", 310, None,
          yes("servo_motor", nd("N42UH", 310), "PM servo, grade and magnet mass stated")),
        L("1.2.2", "RX10-1220", "Cycloidal reducer RV-110E, i=161", "Nabtesco", "RV-110E-161-A-B", "Nabtesco Precision Europe", 1, "pc", 1890.00, "Japan", "Steel"),
        L("1.2.3", "RX10-1230", "Lower arm, cast and machined", "Fonderia Zardo", "FZ-RX10-LA", "Fonderia Zardo S.p.A.", 1, "pc", 190.00, "Italy", "AlSi7Mg0.3 T6"),
        L("1.2.4", "RX10-1240", "Gravity compensation spring unit", "Gutekunst Federn", "GF-RX10-GC", "Gutekunst Federn GmbH", 1, "pc", 145.00, "Germany", "Spring steel"),
        L("1.3", "RX10-1300", "Upper arm and axis J3", IH, None, None, 1, "pc", None, "Germany"),
        L("1.3.1", "RX10-1310", "AC servo motor J3, 1.0 kW, 200 V, with brake", "Panasonic", "MHMF102L1C8M", "Panasonic Industry Europe", 1, "pc", 620.00, "Japan", "NdFeB 38EH", None, "Magnet mass on request",
          likely("servo_motor", nd("38EH", 140, "estimate"), "grade stated, mass not: ~140 g est. for a 1 kW servo (unconfirmed)")),
        L("1.3.2", "RX10-1320", "Cycloidal reducer RV-40E, i=121", "Nabtesco", "RV-40E-121-A-B", "Nabtesco Precision Europe", 1, "pc", 1120.00, "Japan", "Steel"),
        L("1.3.3", "RX10-1330", "Upper arm housing", "Fonderia Zardo", "FZ-RX10-UA", "Fonderia Zardo S.p.A.", 1, "pc", 150.00, "Italy", "AlSi7Mg0.3 T6"),
        L("1.4", "RX10-1400", "Wrist unit J4–J6", IH, None, None, 1, "pc", None, "Germany"),
        L("1.4.1", "RX10-1410", "AC servo motor J4, 400 W, 200 V, with brake", "Panasonic", "MHMF042L1V2M", "Panasonic Industry Europe", 1, "pc", 310.00, "Japan", "NdFeB N45SH", 62, None,
          yes("servo_motor", nd("N45SH", 62), "grade and magnet mass stated")),
        L("1.4.2", "RX10-1420", "Strain wave gear unit CSG-25-100-2UH — Gearbox only, motor not included", "Harmonic Drive", "CSG-25-100-2UH", "Harmonic Drive SE", 1, "pc", 980.00, "Germany", "Steel", None, "Gearbox only, motor not included",
          trap("gearbox", "'2UH' is Harmonic Drive's unit-type code, not a magnet grade; no motor")),
        L("1.4.3", "RX10-1430", "AC servo motor J5, 400 W, 200 V, with brake", "Panasonic", "MHMF042L1V2M", "Panasonic Industry Europe", 1, "pc", 310.00, "Japan", "NdFeB N45SH", None, None,
          likely("servo_motor", nd("N45SH", 62, "estimate"), "same motor as J4; 62 g taken from the J4 line")),
        L("1.4.4", "RX10-1440", "Strain wave gear component set CSF-20-100-2A-GR", "Harmonic Drive", "CSF-20-100-2A-GR", "Harmonic Drive SE", 1, "set", 610.00, "Germany", "Steel"),
        L("1.4.5", "RX10-1450", "AC servo motor J6, 400 W, 200 V, compact, no brake", "Panasonic", "MHMF042L1U2M", "Panasonic Industry Europe", 1, "pc", 285.00, "Japan", "NdFeB N45SH", 62, None,
          yes("servo_motor", nd("N45SH", 62), "grade and magnet mass stated")),
        L("1.4.6", "RX10-1460", "Strain wave gear component set CSF-14-100-2A-GR", "Harmonic Drive", "CSF-14-100-2A-GR", "Harmonic Drive SE", 1, "set", 420.00, "Germany", "Steel"),
        L("1.4.7", "RX10-1470", "Holding brake J6, permanent-magnet type, 24 V DC, 2 N·m", "Kendrion", "PM-BR-02-24", "Kendrion INTORQ", 1, "pc", 96.00, "Germany", None, None, "Zero backlash, opens when energised",
          likely("pm_brake", nd("", 8, "estimate", tclass="H"), "permanent-magnet brakes hold with an NdFeB ring; ~8 g est., class H assumed")),
        L("1.4.8", "RX10-1480", "Absolute encoder J6 output, magnetic, multi-turn, 19-bit, with magnetised ring", "RLS", "MBA7D19BCC00", "RLS Merilna tehnika d.o.o.", 1, "pc", 118.00, "Slovenia", "Magnetised ring (NdFeB)", None, None,
          likely("magnetic_encoder", bonded(3, "estimate"), "magnetic encoder ring, bonded NdFeB assumed; ~3 g est.")),
        L("1.4.9", "RX10-1490", "Safety brake J5, spring-applied electromagnetic, 24 V DC, fail-safe", "mayr", "ROBA-stop-M 2/891.211.0", "Chr. Mayr GmbH + Co. KG", 1, "pc", 134.00, "Germany", "Steel / Cu coil", None, None,
          trap("spring_brake", "spring-applied brake released by an electromagnet: no permanent magnet")),
        L("1.5", "RX10-1500", "Cabling", IH, None, None, 1, "set", None, "Germany"),
        L("1.5.1", "RX10-1510", "Robot dress pack, 3D chain, TRE.60", "igus", "TRE.60.070.0", "igus GmbH", 1, "set", 240.00, "Germany", "PA"),
        L("1.5.2", "RX10-1520", "Motor power cable 4G1.5 + brake, chainflex", "igus", "CF27.15.05.02.D", "igus GmbH", 18, "m", 9.40, "Germany", "Cu / PUR"),
        L("1.5.3", "RX10-1530", "Encoder cable 4x2x0.25, chainflex", "igus", "CF211.02.04", "igus GmbH", 18, "m", 5.20, "Germany", "Cu / PUR"),
        L("1.6", "RX10-1600", "End effector", IH, None, None, 1, "set", None, "Germany"),
        L("1.6.1", "RX10-1610", "Electric parallel gripper, 24 V BLDC servo, 6 mm stroke per jaw", "Schunk", "EGP 50-N-N-B", "SCHUNK GmbH & Co. KG", 1, "pc", 690.00, "Germany", None, None, None,
          likely("gripper_bldc", nd("", 10, "estimate", tclass="H"), "small brushless servo inside; ~10 g NdFeB est., class H assumed")),
        L("1.6.2", "RX10-1620", "Gripper fingers, custom", IH, None, None, 2, "pc", 38.00, "Germany", "Al 7075-T6"),
        L("1.6.3", "RX10-1630", "Tool flange adapter ISO 9409-1-50-4-M6", IH, None, None, 1, "pc", 55.00, "Germany", "Steel"),
        L("2", "RX10-2000", "Robot controller RC-10, cabinet 600x600x400", IH, None, None, 1, "pc", None, "Germany"),
        L("2.1", "RX10-2100", "Servo drive 2.0 kW, 400 V, EtherCAT", "Yaskawa", "SGD7S-5R4D30A", "Yaskawa Europe GmbH", 2, "pc", 740.00, "Japan"),
        L("2.2", "RX10-2200", "Servo drive 1.0 kW, 200 V, EtherCAT", "Panasonic", "MCDLN35SE", "Panasonic Industry Europe", 1, "pc", 420.00, "Japan"),
        L("2.3", "RX10-2300", "Servo drive 400 W, 200 V, EtherCAT", "Panasonic", "MBDLN25SE", "Panasonic Industry Europe", 3, "pc", 330.00, "Japan"),
        L("2.4", "RX10-2400", "Industrial PC, fanless, Core i7, TwinCAT", "Beckhoff", "C6030-0060", "Beckhoff Automation", 1, "pc", 1450.00, "Germany"),
        L("2.5", "RX10-2500", "Safety controller, configurable", "Pilz", "PNOZ m B1 772101", "Pilz GmbH & Co. KG", 1, "pc", 610.00, "Germany"),
        L("2.6", "RX10-2600", "Power supply 24 V DC, 20 A, 3-phase", "Phoenix Contact", "QUINT4-PS/3AC/24DC/20", "Phoenix Contact", 1, "pc", 295.00, "Germany"),
        L("2.7", "RX10-2700", "Filter fan unit 230 V, 55 m³/h", "Rittal", "SK 3238.100", "Rittal GmbH & Co. KG", 1, "pc", 89.00, "Germany", None, None, None,
          possible("fan", "AC fan: shaded-pole or EC motor, ferrite or NdFeB; low confidence")),
        L("2.8", "RX10-2800", "Compact enclosure AX 600x600x400", "Rittal", "AX 1260.000", "Rittal GmbH & Co. KG", 1, "pc", 310.00, "Germany", "Sheet steel"),
        L("2.9", "RX10-2900", "Teach pendant 10.1\", enabling switch, E-stop", "KEBA", "KeTop T150", "KEBA Industrial Automation", 1, "pc", 1890.00, "Austria"),
        L("2.10", "RX10-2910", "Safety contactor 24 V DC coil, 3 NO + 1 NC", "Siemens", "3RT2025-1BB40", "Siemens AG", 2, "pc", 64.00, "Germany", None, None, None,
          trap("contactor", "electromagnet coil, no permanent magnet")),
        L("2.11", "RX10-2920", "Encoder backup battery 3.6 V Li-SOCl2", "Maxell", "ER6C", "Yaskawa Europe GmbH", 6, "pc", 12.00, "Japan"),
        L("3", "RX10-3000", "Fasteners and consumables", IH, None, None, 1, "set", None, "Germany"),
        L("3.1", "RX10-3100", "Socket head cap screw ISO 4762 M8x30 12.9", "Bossard", "BN 610 M8x30", "Bossard AG", 64, "pc", 0.21, "Switzerland", "Steel 12.9"),
        L("3.2", "RX10-3200", "Threadlocker medium strength, 50 ml", "Henkel", "LOCTITE 243", "Henkel AG & Co. KGaA", 1, "pc", 18.50, "Ireland"),
    ]
    body.append(Blank())
    body.append(Total([None, None, "TOTAL (purchased items, extended)", None, None, None, None, None, None, "EUR", "=SUMPRODUCT(G{first}:G{last},I{first}:I{last})", None, None, None, "formula, no cached value"]))
    title = [
        ["RX-10 six-axis industrial robot — Manipulator & controller BOM"],
        ["Document:", "RX10-BOM-0001", None, "Revision:", "04"],
        ["Date:", dt.date(2026, 9, 18), None, "Status:", "Released"],
        [],
    ]
    # fmt: on
    spec = SheetSpec(
        "RX-10",
        ROBOT_HEADER,
        body,
        desc_col="Description",
        qty_col="Qty",
        title_rows=title,
        freeze_col=4,
        indent_col="Description",
        money_cols=("Unit Price", "Ext. Price"),
        widths={"Description": 72, "Pos.": 7, "Remarks": 34},
    )
    doc = FileDoc(
        "6-axis industrial robot arm (outline numbers)",
        "BOM of a 6-axis industrial robot (10 kg payload): six AC servo motors, RV and "
        "strain-wave reducers, brakes, encoders, cabling, an electric gripper and the controller.",
        [
            "Title row plus a label/value block (`Document:` `RX10-BOM-0001`, `Revision:` `04`, "
            "`Date:` as a real date) in rows 2–3; blank row; header in row 5; panes frozen at D6 "
            "(columns A–C stay visible).",
            "Multi-level by outline numbers only (`1`, `1.1`, `1.1.1`; no Level column); "
            "quantities per parent. `Pos.` is text (`2.10` ≠ `2.1`).",
            "Magnet grades and masses in their own columns (`Magnet / Material`, `Magnet mass [g]`), "
            "but J3 and J5 state the grade without a mass.",
            "Two gearboxes carry the exact remark `Gearbox only, motor not included`; one has "
            "`2UH` in its type code.",
            "Totals row with a `=SUMPRODUCT` formula and no cached value.",
        ],
    )
    return [spec], doc


# --------------------------------------------------------------------------------------
# 4. Wind turbine nacelle — SAP-style multi-level explosion
# --------------------------------------------------------------------------------------

WIND_HEADER = [
    "Level",
    "Item",
    "Component",
    "Object description",
    "Manufacturer",
    "Vendor",
    "Quantity",
    "Un",
    "Price",
    "Per",
    "Crcy",
    "Country of origin",
    "Material",
    "Mass (kg)",
]


def wind_nacelle() -> tuple[list[SheetSpec | NotesSheet], FileDoc]:
    def L(
        level: int,
        item: int,
        comp: str,
        desc: str,
        mfr: str | None,
        vendor: str | None,
        qty: float,
        un: str,
        price: float | None,
        per: int | None,
        coo: str,
        mat: str | None,
        mass: float | None,
        tag: Tag = PLAIN,
    ) -> Line:
        lv = "." * level + str(level)
        cur = "EUR" if price is not None else None
        return Line(
            [lv, f"{item:04d}", comp, desc, mfr, vendor, qty, un, price, per, cur, coo, mat, mass],
            tag,
            level - 1,
        )

    IH = "in-house"
    block_kg = 1.155  # 150x60x17 mm x 7.55 g/cm³
    # fmt: off
    body: list[Row] = [
        L(1, 10, "90000500", "Generator, PMSG direct-drive 4.2 MW, outer rotor, 96 pole pairs", IH, None, 1, "EA", None, None, "DE", None, 106000),
        L(2, 10, "90000510", "Generator rotor assembly, outer rotor Ø 6.8 m", IH, None, 1, "EA", None, None, "DE", "S355J2 / NdFeB", 41800),
        L(3, 10, "90000511", "Magnet pole module, 12 blocks, stainless cover, bonded and bolted", IH, None, 192, "EA", None, None, "DE", "NdFeB N38SH/N40UH, S355 carrier", 18.5,
          assembly("Mass 18.5 kg is the whole module (12 x 1.155 kg magnets + 3.6 kg carrier + 0.9 kg cover); its blocks are the next two lines")),
        L(4, 10, "90000512", "Magnet block, sintered NdFeB N38SH 150x60x17 mm, NiCuNi, magnetised", "Ningbo Yunsheng Co., Ltd.", "Ningbo Yunsheng Co., Ltd.", 10, "EA", 74.50, 1, "CN", "Sintered NdFeB N38SH", block_kg,
          yes("ndfeb_magnet", nd("N38SH", block_kg * 1000), "grade and block mass stated (Mass column, kg)")),
        L(4, 20, "90000513", "Magnet block, sintered NdFeB N40UH 150x60x17 mm, pole edges (high demag. field)", "Vacuumschmelze", "VAC Vacuumschmelze GmbH & Co. KG", 2, "EA", 118.00, 1, "DE", "Sintered NdFeB N40UH (VACODYM)", block_kg,
          yes("ndfeb_magnet", nd("N40UH", block_kg * 1000), "grade and block mass stated; German magnet maker")),
        L(4, 30, "90000514", "Module carrier plate, laser cut", "Stahlbau Nord", "Stahlbau Nord GmbH", 1, "EA", 38.00, 1, "DE", "S355J2", 3.6),
        L(4, 40, "90000515", "Cover sheet 0.5 mm, deep drawn", "Outokumpu", "Outokumpu Nirosta", 1, "EA", 12.40, 1, "DE", "1.4404", 0.9),
        L(4, 50, "90000516", "Structural adhesive for magnet bonding, 2K epoxy", "Henkel", "Henkel AG & Co. KGaA", 0.12, "KG", 42.00, 1, "DE", "Epoxy", None,
          trap("adhesive", "adhesive used to bond magnets; not a magnet")),
        L(3, 20, "90000517", "Rotor yoke, rolled and welded, machined", "Stahlbau Nord", "Stahlbau Nord GmbH", 1, "EA", 58400.00, 1, "DE", "S355J2", 38200),
        L(2, 20, "90000520", "Generator stator assembly, 6 segments", IH, None, 1, "EA", None, None, "DE", None, 52000),
        L(3, 10, "90000521", "Stator segment, form-wound, Class F, VPI", "Indar", "Ingeteam Indar Machines", 6, "EA", 41800.00, 1, "ES", "M400-50A / Cu", 8300),
        L(3, 20, "90000522", "Stator support structure", "Stahlbau Nord", "Stahlbau Nord GmbH", 1, "EA", 22900.00, 1, "DE", "S355J2", 2200),
        L(2, 30, "90000530", "Main bearing, double-row tapered roller, Ø 2.6 m", "Schaeffler", "Schaeffler Technologies AG", 1, "EA", 148000.00, 1, "DE", "Bearing steel", 9800),
        L(2, 40, "90000540", "Generator brake caliper, hydraulic, active", "Svendborg Brakes", "Svendborg Brakes ApS", 6, "EA", 3150.00, 1, "DK", None, 95),
        L(2, 50, "90000550", "Rotor lock, hydraulic pin, 2x", "Hydac", "HYDAC International", 1, "SET", 6900.00, 1, "DE", None, 310),
        L(2, 60, "90000560", "Generator air cooler with 4 EC fans, 2x 45 kW", "Hydac", "HYDAC Cooling", 2, "EA", 11200.00, 1, "DE", None, 640,
          possible("fan", "EC fans: external-rotor PM motors, ferrite or NdFeB not stated")),
        L(1, 20, "90000600", "Hub assembly with pitch system", IH, None, 1, "EA", None, None, "DE", None, 42200),
        L(2, 10, "90000610", "Hub casting, machined", "Siempelkamp Giesserei", "Siempelkamp Giesserei GmbH", 1, "EA", 61000.00, 1, "DE", "EN-GJS-400-18U-LT", 31000),
        L(2, 20, "90000620", "Pitch bearing, double-row 4-point, Ø 2.3 m", "thyssenkrupp rothe erde", "thyssenkrupp rothe erde Germany GmbH", 3, "EA", 24500.00, 1, "DE", "42CrMo4", 2100),
        L(2, 30, "90000630", "Pitch drive motor, PMSM 400 V, 9.5 kW, with brake and resolver", "Moog", "Moog Unna GmbH", 3, "EA", 5400.00, 1, "DE", "PM synchronous", 118,
          likely("pitch_motor", nd("", 3000, "estimate", tclass="SH"), "PMSM pitch motor, magnets not stated; ~3 kg est., class SH assumed")),
        L(2, 40, "90000640", "Pitch gearbox, 4-stage planetary, i=170 — gearbox only", "Bonfiglioli", "Bonfiglioli Riduttori S.p.A.", 3, "EA", 7900.00, 1, "IT", "Steel", 620),
        L(2, 50, "90000650", "Pitch converter cabinet with ultracapacitor backup", "Moog", "Moog Unna GmbH", 3, "EA", 8700.00, 1, "DE", None, 260),
        L(2, 60, "90000660", "Spinner (nose cone), GRP", "Aeroblade", "Aeroblade S.A.", 1, "EA", 9800.00, 1, "ES", "GRP", 1900),
        L(1, 30, "90000700", "Yaw system", IH, None, 1, "EA", None, None, "DE", None, 15900),
        L(2, 10, "90000710", "Yaw drive, geared motor: asynchronous motor 4-pole 2.2 kW IE3 + 4-stage planetary, i=1200", "Bonfiglioli", "Bonfiglioli Riduttori S.p.A.", 8, "EA", 4650.00, 1, "IT", None, 410,
          trap("induction_motor", "asynchronous (induction) motor: no permanent magnet")),
        L(2, 20, "90000720", "Yaw bearing, slewing ring, external teeth", "Liebherr", "Liebherr-Components Biberach", 1, "EA", 78000.00, 1, "DE", "42CrMo4", 11800),
        L(2, 30, "90000730", "Yaw brake caliper, hydraulic", "Svendborg Brakes", "Svendborg Brakes ApS", 12, "EA", 1850.00, 1, "DK", None, 72),
        L(1, 40, "90000800", "Electrical system", IH, None, 1, "EA", None, None, "DE", None, 19850),
        L(2, 10, "90000810", "Full-scale converter, back-to-back IGBT, 690 V, 4.5 MVA, liquid cooled", "ABB", "ABB Oy", 1, "EA", 236000.00, 1, "FI", None, 5200),
        L(2, 20, "90000820", "Transformer, dry-type cast resin, 4.6 MVA, 690 V / 66 kV", "Siemens Energy", "Siemens Energy Austria GmbH", 1, "EA", 142000.00, 1, "AT", "CRGO steel / Al", 14500),
        L(2, 30, "90000830", "Top-box controller, PLC with I/O", "Bachmann electronic", "Bachmann electronic GmbH", 1, "EA", 9400.00, 1, "AT", None, 85),
        L(2, 40, "90000840", "Slip ring, hub power and signals", "Stemmann-Technik", "Stemmann-Technik GmbH", 1, "EA", 6200.00, 1, "DE", None, 46),
        L(2, 50, "90000850", "Generator speed encoder, incremental, magnetic tape + sensor head", "Kübler", "Fritz Kübler GmbH", 1, "SET", 1450.00, 1, "DE", None, 3.5,
          possible("magnetic_encoder", "magnetic tape is usually plastic-bonded ferrite; low confidence")),
        L(2, 60, "90000860", "Ultrasonic anemometer / wind sensor, heated, RS485", "FT Technologies", "FT Technologies Ltd", 2, "EA", 2350.00, 1, "GB", None, 0.4),
        L(2, 70, "90000870", "Aviation obstruction light, LED, dual", "Orga", "Orga B.V.", 2, "EA", 1700.00, 1, "NL", None, 7),
        L(1, 50, "90000900", "Nacelle structure", IH, None, 1, "EA", None, None, "DE", None, 63450),
        L(2, 10, "90000910", "Bedplate, cast, machined", "Siempelkamp Giesserei", "Siempelkamp Giesserei GmbH", 1, "EA", 98000.00, 1, "DE", "EN-GJS-400-18U-LT", 52000),
        L(2, 20, "90000920", "Nacelle cover, GRP, with roof hatch", "Aeroblade", "Aeroblade S.A.", 1, "EA", 48000.00, 1, "ES", "GRP", 9800),
        L(2, 30, "90000930", "Service crane 1 t, electric chain hoist", "ABUS Kransysteme", "ABUS Kransysteme GmbH", 1, "EA", 7800.00, 1, "DE", None, 420),
        L(2, 40, "90000940", "Nacelle ventilation fan, EC, 630 mm", "ebm-papst", "ebm-papst Mulfingen GmbH", 2, "EA", 1290.00, 1, "DE", None, 38,
          possible("fan", "EC external-rotor fan; magnet material not stated")),
        L(2, 50, "90000950", "Tower flange bolt M48x380 10.9, HV set", "Peiner Umformtechnik", "Peiner Umformtechnik GmbH", 120, "EA", 2180.00, 100, "DE", "Steel 10.9", 7.4),
        L(2, 60, "90000960", "Generator flange bolt M36x250 10.9, HV set", "Peiner Umformtechnik", "Peiner Umformtechnik GmbH", 96, "EA", 1240.00, 100, "DE", "Steel 10.9", 2.8),
    ]
    lines = [b for b in body if isinstance(b, Line)]
    def price_per_unit(ln: Line) -> float | None:
        price, per = to_number(ln.cells[8]), to_number(ln.cells[9])
        return None if price is None or per is None else price / per

    cost = leaf_sum(lines, 6, price_per_unit)
    magnets = leaf_sum(lines, 6, lambda ln: to_number(ln.cells[13]) if ln.tag.label == "yes" else None)
    body.append(Blank())
    body.append(Total([None, None, None, "Total purchased content per nacelle", None, None, None, None, round(cost, 2), 1, "EUR", None, None, None]))
    body.append(Total([None, None, None, "Total NdFeB magnet mass per nacelle (kg)", None, None, None, None, None, None, None, None, None, round(magnets, 1)]))
    title = [
        ["Multi-level BOM explosion — WTG-D42 4.2 MW direct-drive nacelle"],
        ["Material: 90000420   Plant: 1100   BOM usage: 1 (Production)   Alt. BOM: 1   Base quantity: 1 EA"],
        ["Valid from: 2026-10-01   Exploded: 2026-11-16   Prices: standard price per 'Per' units"],
        [],
    ]
    # fmt: on
    spec = SheetSpec(
        "Explosion",
        WIND_HEADER,
        body,
        desc_col="Object description",
        qty_col="Quantity",
        title_rows=title,
        freeze_col=1,
        money_cols=("Price",),
        number_formats={"Mass (kg)": "#,##0.000", "Quantity": "#,##0.###"},
        widths={"Object description": 80, "Level": 7, "Item": 6, "Per": 6, "Un": 5, "Crcy": 6},
    )
    doc = FileDoc(
        "4.2 MW direct-drive wind nacelle (SAP explosion)",
        "SAP-style multi-level explosion of a 4.2 MW direct-drive wind-turbine nacelle: PMSG "
        "generator with ~2.7 t of NdFeB, hub with pitch system, yaw, converter, transformer, "
        "structure.",
        [
            "Three title rows (material, plant, usage, validity), blank row, header in row 5, "
            "panes frozen below it.",
            "SAP level notation as text: `.1`, `..2`, `...3`, `....4`; `Item` as zero-padded "
            "text (`0010`). Quantities per parent: 192 pole modules x 12 blocks = 2,304 blocks.",
            "`Price` is per `Per` units (bolts are priced per 100).",
            "`Mass (kg)` is the net mass of one unit of the line: for the two magnet-block lines it "
            "*is* the magnet mass (1.155 kg per block); for assemblies it is the whole assembly.",
            "Blank row and two totals rows at the bottom (purchased content in EUR; NdFeB magnet "
            "mass per nacelle, 2,661.1 kg ≈ 634 kg/MW). Values, not formulas.",
        ],
    )
    return [spec], doc


# --------------------------------------------------------------------------------------
# 5. Consumer audio — two product sheets and a notes sheet
# --------------------------------------------------------------------------------------

AUDIO_HEADER = [
    "Item",
    "Part Number",
    "Description",
    "Manufacturer",
    "MPN",
    "Qty",
    "UoM",
    "Unit Price",
    "Currency",
    "Origin",
    "Remarks",
]


def consumer_audio() -> tuple[list[SheetSpec | NotesSheet], FileDoc]:
    def L(
        item: str,
        pn: str,
        desc: str,
        mfr: str,
        mpn: str | None,
        qty: float,
        uom: str,
        price: float | None,
        origin: str,
        rem: str | None = None,
        tag: Tag = PLAIN,
    ) -> Line:
        return Line(
            [
                item,
                pn,
                desc,
                mfr,
                mpn,
                qty,
                uom,
                price,
                "USD" if price is not None else None,
                origin,
                rem,
            ],
            tag,
            item.count("."),
        )

    # fmt: off
    hp: list[Row] = [
        L("1", "HP40-100", "Dynamic driver 40 mm, 32 Ω, 105 dB, neodymium magnet, PET/Ti diaphragm", "Goertek", "GK-40N32-T", 2, "ea", 1.85, "China", "Magnet: N48 ring, 3.2 g",
          yes("headphone_driver", nd("N48", 3.2), "neodymium driver, grade and magnet mass in Remarks")),
        L("2", "HP40-110", "Bluetooth 5.3 audio SoC module, ANC", "Qualcomm", "QCC5171", 1, "ea", 4.20, "Taiwan"),
        L("3", "HP40-120", "Li-polymer battery 3.7 V 800 mAh, 603450, with PCM", "ATL", "ATL603450-800", 1, "ea", 2.10, "China"),
        L("4", "HP40-130", "USB-C receptacle 16-pin, mid-mount", "Korean Hroparts", "TYPE-C-31-M-12", 1, "ea", 0.12, "China"),
        L("5", "HP40-140", "MEMS microphone, digital PDM, bottom port", "Knowles", "SPH0641LU4H-1", 4, "ea", 0.38, "Malaysia"),
        L("6", "HP40-150", "Coin vibration motor ERM 10x2.7 mm, 3 V (call alert)", "Jinlong Machinery", "C1027B002F", 1, "ea", 0.29, "China", None,
          likely("vibration_motor", nd("", 0.2, "estimate", tclass="N"), "coin ERM motors use a tiny NdFeB ring; ~0.2 g est.")),
        L("7", "HP40-160", "Hall switch, omnipolar, fold detection", "Texas Instruments", "DRV5032FB", 1, "ea", 0.21, "Philippines", None,
          trap("hall_sensor", "Hall switch alone; its magnet is the next line")),
        L("8", "HP40-170", "Magnet, NdFeB N35 disc Ø3x1 mm, fold detection", "Ningbo Yunsheng", "YS-D3X1-N35", 1, "ea", 0.04, "China", None,
          yes("ndfeb_magnet", nd("N35", 0.053), "Ø3x1 mm disc = 0.053 g")),
        L("9", "HP40-180", "Earcup housing L/R, PC/ABS, soft-touch", "Hi-P", "HP40-ECH", 2, "ea", 0.95, "China"),
        L("10", "HP40-190", "Ear cushion, protein leather, memory foam", "Hi-P", "HP40-CUSH", 2, "ea", 0.80, "China"),
        L("11", "HP40-200", "Headband spring steel with padding", "Hi-P", "HP40-HB", 1, "ea", 1.10, "China"),
        L("12", "HP40-210", "Screw M1.6x4, non-magnetic stainless A4 (316L)", "Sunrise Fasteners", "M1.6X4-A4-NM", 12, "ea", 0.01, "Taiwan", None,
          trap("fastener", "'non-magnetic' stainless screw")),
        L("13", "HP40-220", "Main PCB, 6-layer HDI, assembled", "Luxshare", "HP40-MPCBA", 1, "ea", 6.40, "China"),
        L("14", "HP40-230", "Gift box with tray and manual", "Yuto", "HP40-PKG", 1, "ea", 1.35, "China"),
    ]
    sp: list[Row] = [
        L("1", "SP8-100", "Cabinet, MDF 18 mm, walnut veneer, with port", "Dongguan Wood Art", "SP8-CAB", 1, "ea", 22.00, "China"),
        L("2", "SP8-200", "Woofer 8\" (200 mm), 8 Ω, 60 W, ferrite — in-house assembly", "in-house", None, 1, "ea", None, "China", "Driver assembled on our line"),
        L("2.1", "SP8-210", "Ferrite ring magnet Y30BH 120x60x20 mm", "DMEGC", "Y30BH-120-60-20", 1, "ea", 1.45, "China", "Hard ferrite",
          trap("ferrite_magnet", "hard ferrite: a magnet, but no rare earths")),
        L("2.2", "SP8-220", "Top plate and pole piece, zinc plated", "in-house", None, 1, "set", 0.95, "China", "Steel 1010"),
        L("2.3", "SP8-230", "Voice coil former 38 mm, Kapton", "Guangzhou Voice Coil", "VCF-38-K", 1, "ea", 0.18, "China"),
        L("2.4", "SP8-240", "Magnet wire, enamelled copper 0.25 mm, class 180 (voice coil)", "Elektrisola", "0.25 GR2 180", 0.012, "kg", 14.50, "Malaysia", None,
          trap("winding_wire", "magnet wire = enamelled copper wire")),
        L("2.5", "SP8-250", "Cone, paper, 8\", with rubber surround", "Guangzhou Voice Coil", "CN-8-PR", 1, "ea", 0.85, "China"),
        L("2.6", "SP8-260", "Spider 100 mm, Conex", "Guangzhou Voice Coil", "SPD-100", 1, "ea", 0.22, "China"),
        L("2.7", "SP8-270", "Basket, stamped steel, 8\"", "Guangzhou Voice Coil", "BSK-8-ST", 1, "ea", 1.10, "China"),
        L("3", "SP8-300", "Tweeter 1\" (25 mm) silk dome, neodymium, 6 Ω", "Tymphany", "DX25TG59-04", 1, "ea", 3.90, "China", "Neodymium ring Ø18xØ8x4 mm, approx. 6 g",
          yes("tweeter", nd("", 6.2, "stated", tclass="N"), "neodymium tweeter, ring stated (6.2 g by dimensions); class N assumed")),
        L("4", "SP8-400", "Full-range driver 3\" (76 mm), 8 Ω, 15 W, shielded", "Tang Band", "W3-1364SA", 1, "ea", 6.80, "Taiwan", None,
          possible("loudspeaker", "small driver, magnet type not stated (ferrite or NdFeB)")),
        L("5", "SP8-500", "Passive radiator 6.5\", no motor", "Tymphany", "PR165-M", 1, "ea", 2.40, "China", None,
          trap("passive_radiator", "a passive radiator has no magnet or coil")),
        L("6", "SP8-600", "Magnet, NdFeB N35 disc Ø8x3 mm, NiCuNi, grille retention", "Ningbo Yunsheng", "YS-D8X3-N35", 4, "ea", 0.09, "China", None,
          yes("ndfeb_magnet", nd("N35", 1.13), "Ø8x3 mm disc = 1.13 g")),
        L("7", "SP8-700", "Grille, steel mesh with fabric", "Dongguan Wood Art", "SP8-GRL", 1, "ea", 2.20, "China"),
        L("8", "SP8-800", "Class-D amplifier 2x50 W", "Texas Instruments", "TPA3116D2DADR", 1, "ea", 1.60, "Philippines"),
        L("9", "SP8-810", "Audio DSP, SigmaDSP", "Analog Devices", "ADAU1701JSTZ", 1, "ea", 5.10, "Philippines"),
        L("10", "SP8-820", "Bluetooth 5.3 audio SoC module", "Qualcomm", "QCC3086", 1, "ea", 3.10, "Taiwan"),
        L("11", "SP8-830", "Power supply 24 V 3 A, internal, SMPS", "Mean Well", "EPS-65-24", 1, "ea", 7.90, "China"),
        L("12", "SP8-840", "Magnetic buzzer 12 mm, 3 V, status beeper", "CUI Devices", "CMT-1203-85T", 1, "ea", 0.55, "China", None,
          possible("buzzer", "magnetic buzzer: usually a small ferrite magnet")),
        L("13", "SP8-850", "Screw M3x8, non-magnetic stainless A4, tweeter mount", "Sunrise Fasteners", "M3X8-A4-NM", 4, "ea", 0.02, "Taiwan", None,
          trap("fastener", "'non-magnetic' stainless screw")),
        L("14", "SP8-860", "Binding post pair, gold plated", "Dayton Audio", "BPA-38G", 1, "pair", 1.40, "China"),
        L("15", "SP8-870", "USB-C receptacle 16-pin", "Korean Hroparts", "TYPE-C-31-M-12", 1, "ea", 0.12, "China"),
        L("16", "SP8-880", "Rotary encoder, mechanical, 24 detents (volume)", "Bourns", "PEC11R-4220F-S0024", 1, "ea", 0.95, "China"),
    ]
    title_hp = [
        ["Project Aurora — HP-40 wireless headphones"],
        ["EVT2 BOM · 2026-08-21 · prices USD FOB Shenzhen"],
        [],
    ]
    title_sp = [
        ["Project Aurora — SP-8 powered bookshelf speaker (per speaker)"],
        ["EVT2 BOM · 2026-08-21 · prices USD FOB Shenzhen"],
        [],
    ]
    # fmt: on
    common = {
        "desc_col": "Description",
        "qty_col": "Qty",
        "money_cols": ("Unit Price",),
        "widths": {"Description": 70, "Remarks": 42, "Item": 6},
    }
    specs: list[SheetSpec | NotesSheet] = [
        SheetSpec("HP-40 Headphones", AUDIO_HEADER, hp, title_rows=title_hp, **common),  # type: ignore[arg-type]
        SheetSpec(
            "SP-8 Speaker",
            AUDIO_HEADER,
            sp,
            title_rows=title_sp,
            indent_col="Description",
            **common,
        ),  # type: ignore[arg-type]
        NotesSheet(
            "Notes",
            [
                ["Notes"],
                ["1", None, "Quantities are per finished unit (one headset, one speaker)."],
                [
                    "2",
                    None,
                    "Woofer (SP-8 item 2) is assembled in-house; its components are items 2.1–2.7.",
                ],
                [
                    "3",
                    None,
                    "Driver magnet grades from supplier datasheets; Dy content not declared.",
                ],
            ],
        ),
    ]
    doc = FileDoc(
        "Headphones + bookshelf speaker (two sheets)",
        "EVT BOM of a consumer-audio project: wireless headphones and a powered bookshelf "
        "speaker whose woofer is assembled in-house.",
        [
            "Two BOM sheets (`HP-40 Headphones`, `SP-8 Speaker`) and a `Notes` sheet; each BOM "
            "sheet has two title rows, a blank row and the header in row 4, panes frozen at A5.",
            "Item numbers are text; the speaker sheet nests the woofer parts as `2.1`–`2.7` "
            "under the in-house woofer `2`.",
            "Magnet facts appear in the free-text `Remarks` column (`Magnet: N48 ring, 3.2 g`).",
            "Several magnet words that are not rare-earth magnets: ferrite ring magnet, magnet "
            "wire, non-magnetic screws, passive radiator.",
        ],
    )
    return specs, doc


# --------------------------------------------------------------------------------------
# 6. Server rack — vendor quotation with configured sub-lines
# --------------------------------------------------------------------------------------

RACK_HEADER = [
    "Line",
    "SKU",
    "Description",
    "Manufacturer",
    "Mfr. P/N",
    "Qty",
    "Unit Price (USD)",
    "Ext. Price (USD)",
    "Country of Origin",
    "Lead Time",
    "Notes",
]


def server_rack() -> tuple[list[SheetSpec | NotesSheet], FileDoc]:
    def L(
        line: str,
        sku: str,
        desc: str,
        mfr: str,
        mpn: str,
        qty: float,
        price: float | None,
        coo: str,
        lead: str | None = None,
        notes: str | None = None,
        tag: Tag = PLAIN,
    ) -> Line:
        level = 1 if "." in line else 0
        ext = round(qty * price, 2) if price is not None else None
        return Line(
            [
                line,
                sku,
                ("    " if level else "") + desc,
                mfr,
                mpn,
                qty,
                price,
                ext,
                coo,
                lead,
                notes,
            ],
            tag,
            level,
        )

    hdd = nd("", 15, "estimate", tclass="M")
    hdd_reason = '3.5" HDD: voice-coil magnets (sintered NdFeB) + spindle ring; ~15 g est. (10–20 g, unconfirmed), class M assumed'
    fan_possible = "BLDC fan: bonded ferrite or bonded NdFeB rotor magnet; low confidence"
    # fmt: off
    body: list[Row] = [
        L("1", "AR3300", "NetShelter SX 42U 600x1200 enclosure with sides", "APC by Schneider Electric", "AR3300", 1, 1690.00, "Mexico", "3 wks"),
        L("2", "AP8868", "Rack PDU 2G, metered, 0U, 3-phase 22 kW, 42x C13 / 6x C19", "APC by Schneider Electric", "AP8868", 2, 1240.00, "Philippines", "2 wks"),
        Blank(),
        L("3", "SSG-640P", "Storage server 4U, 24x 3.5\" hot-swap bays, dual Xeon Silver", "Supermicro", "SSG-640P-E1CR24H", 2, 5480.00, "Taiwan", "6 wks", "Sub-lines 3.01–3.06: qty per server"),
        L("3.01", "ST20000NM007D", "HDD 3.5\" 20 TB SATA 6Gb/s 7200 rpm 512e, Exos X20", "Seagate", "ST20000NM007D", 12, 389.00, "Thailand", "4 wks", None,
          likely("hdd", hdd, hdd_reason)),
        L("3.02", "0F38652", "HDD 3.5\" 20 TB SAS 12Gb/s 7200 rpm, Ultrastar DC HC560", "Western Digital", "WUH722020BL5204", 12, 412.00, "Malaysia", "4 wks", None,
          likely("hdd", hdd, hdd_reason)),
        L("3.03", "MZ7L3960HCJR", "SSD 2.5\" 960 GB SATA, PM893 (boot, RAID1)", "Samsung", "MZ7L3960HCJR-00A07", 2, 128.00, "China", "2 wks", None,
          trap("ssd", "solid-state drive: no motor, no magnet")),
        L("3.04", "FAN-0166L4", "Hot-swap fan 80 mm, 12 V, PWM", "Nidec", "V80E12BS1A5-07", 4, 28.00, "China", "2 wks", None, possible("fan", fan_possible)),
        L("3.05", "PWS-1K62A-1R", "Redundant PSU 1600 W Titanium (with internal 40 mm fan)", "Supermicro", "PWS-1K62A-1R", 2, 310.00, "China", "2 wks", None,
          possible("psu_fan", "PSU contains a small BLDC fan; low confidence")),
        L("3.06", "MEM-DR564L", "DDR5-4800 RDIMM 64 GB", "Samsung", "M321R8GA0BB0-CQK", 8, 245.00, "Korea", "2 wks"),
        Blank(),
        L("4", "R660", "PowerEdge R660 1U rack server, 2x Xeon Gold 6430", "Dell", "PER660-CFG-A", 4, 7850.00, "Mexico", "5 wks", "Sub-lines 4.01–4.05: qty per server"),
        L("4.01", "400-BMTN", "SSD NVMe U.2 1.92 TB, read intensive", "Dell", "400-BMTN", 2, 0, "Malaysia", None, "incl."),
        L("4.02", "370-AGZP", "RDIMM 64 GB DDR5-4800", "Dell", "370-AGZP", 16, 0, "China", None, "incl."),
        L("4.03", "384-BDQX", "Fan, high performance, 40 mm, Gold grade (dual rotor)", "Dell", "384-BDQX", 8, 0, "China", None, "incl.", possible("fan", fan_possible)),
        L("4.04", "450-AKLF", "PSU 1400 W Platinum, hot plug", "Dell", "450-AKLF", 2, 0, "China", None, "incl.", possible("psu_fan", "PSU contains a small BLDC fan; low confidence")),
        L("4.05", "540-BDKD", "NIC Broadcom 57414 2x 25GbE SFP28 OCP 3.0", "Dell", "540-BDKD", 1, 0, "China", None, "incl."),
        Blank(),
        L("5", "MG10ACA20TE", "Spare HDD 3.5\" 20 TB SATA 7200 rpm, MG10 series", "Toshiba", "MG10ACA20TE", 4, 372.00, "Philippines", "3 wks", "Cold spares",
          likely("hdd", hdd, hdd_reason)),
        L("6", "DCS-7050SX3-48YC8", "Top-of-rack switch 48x 25G SFP28 + 8x 100G QSFP100, F2B airflow", "Arista", "DCS-7050SX3-48YC8-F", 2, 14900.00, "Mexico", "8 wks", "4 hot-swap fan modules, 2 PSU",
          possible("fan", "switch with fan modules; low confidence")),
        L("7", "C9200L-48T-4X", "Management switch 48x 1G + 4x 10G SFP+", "Cisco", "C9200L-48T-4X-E", 1, 3350.00, "China", "6 wks", "Fixed fans",
          possible("fan", "switch with fans; low confidence")),
        L("8", "SRT3000RMXLI", "Smart-UPS SRT 3000 VA rack mount 2U", "APC by Schneider Electric", "SRT3000RMXLI", 1, 2450.00, "Philippines", "3 wks", "Internal fans",
          possible("fan", "UPS with cooling fans; low confidence")),
        L("9", "KVM-LCD17", "Rack console 1U, 17\" LCD, 8-port KVM", "Aten", "CL5708IM", 1, 1180.00, "Taiwan", "2 wks"),
        Blank(),
        L("10", "DAC-SFP28-3M", "Direct attach cable SFP28 25G, passive, 3 m", "Arista", "CAB-S-S-25G-3M", 16, 42.00, "China", "2 wks"),
        L("11", "PC-CAT6A-2M", "Patch cable Cat6a S/FTP, LSZH, 2 m, blue", "Panduit", "STP6X2MBU", 48, 6.80, "China", "1 wk"),
        L("12", "PWR-C13C14-2M", "Power cord C13–C14, 2 m", "APC by Schneider Electric", "AP9877", 24, 7.50, "China", "1 wk"),
        L("13", "AR8602A", "Horizontal cable manager 1U", "APC by Schneider Electric", "AR8602A", 4, 39.00, "Mexico", "2 wks"),
        L("14", "AR8136BLK200", "Blanking panel kit 1U, toolless, 200 pcs", "APC by Schneider Electric", "AR8136BLK200", 1, 310.00, "China", "2 wks"),
        L("15", "AR8100", "Cage nuts and screws M6, 50 pcs", "APC by Schneider Electric", "AR8100", 2, 19.00, "China", "1 wk"),
        L("16", "VELCRO-25M", "Hook-and-loop cable ties, 25 m roll", "Velcro", "VEL-OW64164", 2, 24.00, "China", "1 wk"),
        L("17", "SVC-INSTALL", "Installation, cabling and burn-in, on site (service)", "Integrator", "SVC-INSTALL-RACK", 1, 2800.00, "Germany", None, "Not a part"),
    ]
    lines = [b for b in body if isinstance(b, Line)]
    # A quote prices the parent (chassis) *and* its configured sub-lines, per parent unit.
    ext = extended(lines, lambda ln: to_number(ln.cells[5]))
    subtotal = round(
        sum((e or 0) * (to_number(ln.cells[6]) or 0) for ln, e in zip(lines, ext, strict=True)),
        2,
    )
    shipping = 650.00
    body.append(Blank())
    body.append(Total([None, None, "Subtotal", None, None, None, None, subtotal, None, None, None]))
    body.append(Total([None, None, "Freight and insurance (DAP)", None, None, None, None, shipping, None, None, None]))
    body.append(Total([None, None, "Total (excl. VAT)", None, None, None, None, round(subtotal + shipping, 2), None, None, None]))
    title = [
        ["Quotation Q-2026-11873 — Storage & compute rack SR-42 (configured)"],
        ["Customer:", "Nordlicht Datacenter GmbH", None, "Quote date:", dt.date(2026, 11, 12)],
        ["Valid until:", dt.date(2026, 12, 15), None, "Incoterms:", "DAP Frankfurt"],
        ["Prices in USD excl. VAT. Sub-lines (x.01 …) show the configuration of the line above; their quantities are per unit of that line."],
        [],
    ]
    # fmt: on
    spec = SheetSpec(
        "Quote",
        RACK_HEADER,
        body,
        desc_col="Description",
        qty_col="Qty",
        title_rows=title,
        money_cols=("Unit Price (USD)", "Ext. Price (USD)"),
        widths={"Description": 72, "Notes": 36, "Line": 6},
    )
    doc = FileDoc(
        "Data-centre rack quotation (configured sub-lines)",
        "Reseller quotation for a configured 42U data-centre rack: two 24-bay storage servers "
        "(Seagate and WD 20 TB HDDs), four 1U servers, spare Toshiba HDDs, switches, PDUs, UPS, "
        "cabling and cable management.",
        [
            "Title row, a customer/date block (real dates), a prose note and a blank row; "
            "header in row 6; panes frozen at A7.",
            "Configured systems: a parent line (`3`, `4`) followed by sub-lines `3.01`… whose "
            "`Qty` is *per parent unit* (24 HDDs per storage server x 2 servers = 48 drives). "
            "Sub-line descriptions are indented with leading spaces; Dell sub-lines are priced "
            "0 and marked `incl.`.",
            "Blank spacer rows between groups; a service line that is not a part (line 17).",
            "Three rows under the lines, as values: `Subtotal`, `Freight and insurance (DAP)`, "
            "`Total (excl. VAT)`; the freight row has no 'total' word but is not a part either.",
            "Countries of origin spelled out (Thailand, Malaysia, Philippines, China, Mexico…).",
        ],
    )
    return [spec], doc


# --------------------------------------------------------------------------------------
# 7. Stückliste Pumpe — German headers, decimal commas as text, weights with units
# --------------------------------------------------------------------------------------

PUMP_HEADER = [
    "Pos.",
    "Benennung",
    "Sachnummer",
    "Hersteller",
    "Herstellerteilenummer",
    "Lieferant",
    "Menge",
    "ME",
    "Einzelpreis",
    "Währung",
    "Herkunftsland",
    "Werkstoff",
    "Gewicht",
    "Bemerkung",
]


def stueckliste_pumpe() -> tuple[list[SheetSpec | NotesSheet], FileDoc]:
    def L(
        pos: str,
        name: str,
        sach: str,
        mfr: str | None,
        mpn: str | None,
        sup: str | None,
        menge: float | str,
        me: str,
        preis: float | None,
        land: str,
        werkstoff: str | None,
        gewicht: str | None,
        bem: str | None = None,
        tag: Tag = PLAIN,
    ) -> Line:
        p = de_num(preis) if preis is not None else None
        level = 1 if "." in pos else 0
        return Line(
            [
                pos,
                name,
                sach,
                mfr,
                mpn,
                sup,
                menge,
                me,
                p,
                "EUR" if p else None,
                land,
                werkstoff,
                gewicht,
                bem,
            ],
            tag,
            level,
        )

    CN, DE, JP = "Volksrepublik China", "Deutschland", "Japan"
    # fmt: off
    body: list[Row] = [
        L("10", "Pumpengehäuse, Druckguss, bearbeitet", "4711-201-001", "GF Casting Solutions", "GFCS-EKP-G01", "GF Casting Solutions AG", 1, "Stk", 18.40, "Österreich", "AlSi9Cu3(Fe)", "0,62 kg"),
        L("20", "Laufrad Ø38 mm, geschlossen", "4711-202-001", "Röchling", "RI-LR38-PPS", "Röchling Industrial", 1, "Stk", 2.15, DE, "PPS GF40", "14 g"),
        L("30", "Spaltrohr (Rotortopf), tiefgezogen", "4711-203-001", "Witzenmann", "WZ-SR-42", "Witzenmann GmbH", 1, "Stk", 3.90, DE, "1.4571, nicht magnetisch", "38 g"),
        L("40", "BLDC-Motor: Rotor, komplett (Neodym-Magnete Pos. 40.1)", "4711-210-000", "Eigenfertigung", None, None, 1, "Stk", None, DE, None, "0,21 kg"),
        L("40.1", "Magnetschale NdFeB N42SH, Neodym-Magnet, radial magnetisiert, R14/R10 x 30 mm", "4711-211-001", "Ningbo Yunsheng", "YS-ARC-N42SH-1430", "Ningbo Yunsheng Co., Ltd.", 4, "Stk", 0.95, CN, "NdFeB N42SH", "12 g", None,
          yes("ndfeb_magnet", nd("N42SH", 12), "Neodym-Magnet, Güte und Gewicht angegeben")),
        L("40.2", "Rotorwelle, geschliffen", "4711-212-001", "Eigenfertigung", None, None, 1, "Stk", 1.80, DE, "1.4122", "46 g"),
        L("40.3", "Sensormagnet Sm2Co17, diametral, Ø6 x 2,5 mm (Rotorlage)", "4711-213-001", "Shin-Etsu", "SE-R26-D6X25-DIA", "Shin-Etsu Magnetics Europe", 1, "Stk", 1.10, JP, "Sm2Co17", "0,6 g", None,
          yes("smco_magnet", smco("Sm2Co17", 0.6), "SmCo-Sensormagnet, Werkstoff und Gewicht angegeben")),
        L("40.4", "Rotorblechpaket, verklebt", "4711-214-001", "Kienle + Spiess", "KS-RB-28", "Kienle + Spiess GmbH", 1, "Stk", 1.25, DE, "M330-35A", "62 g"),
        L("50", "BLDC-Motor: Stator, bewickelt", "4711-220-000", "Eigenfertigung", None, None, 1, "Stk", None, DE, None, "0,34 kg"),
        L("50.1", "Statorblechpaket, 6 Nuten", "4711-221-001", "Kienle + Spiess", "KS-SB-42-6", "Kienle + Spiess GmbH", 1, "Stk", 2.40, DE, "M330-35A", "0,16 kg"),
        L("50.2", "Kupferlackdraht Ø0,63 mm, Grad 2, Wärmeklasse H", "4711-222-001", "Elektrisola", "0.630 GR2 200", "Elektrisola Dr. Gerd Schildbach", "0,18", "kg", 14.20, DE, "Cu, Polyesterimid", "0,18 kg", None,
          trap("winding_wire", "Kupferlackdraht = Lackdraht (magnet wire), kein Magnet")),
        L("50.3", "Nutisolation, Nomex 0,18 mm", "4711-223-001", "DuPont", "NOMEX 410 0.18", "Krempel GmbH", 6, "Stk", 0.06, "USA", "Aramid", "1 g"),
        L("60", "Elektronik, bestückt (Motorsteuerung)", "4711-230-000", "Eigenfertigung", None, None, 1, "Stk", None, DE, None, "48 g"),
        L("60.1", "Leiterplatte 4-lagig, FR4, 1,6 mm", "4711-231-001", "Würth Elektronik", "WE-PCB-EKP-C", "Würth Elektronik GmbH", 1, "Stk", 2.85, DE, "FR4", "18 g"),
        L("60.2", "TMR-Winkelsensor, analog (Rotorlage)", "4711-232-001", "Infineon", "TLE5501 E0001", "Infineon Technologies AG", 1, "Stk", 1.35, "Malaysia", None, "0,1 g", "Magnet: Pos. 40.3",
          trap("angle_sensor", "Sensor-IC ohne eigenen Magneten")),
        L("60.3", "Mikrocontroller, Motor-Steuerung", "4711-233-001", "Infineon", "TLE9879QXA40", "Infineon Technologies AG", 1, "Stk", 2.90, "Malaysia", None, "0,3 g"),
        L("60.4", "MOSFET 40 V, 1,1 mΩ, SSO8", "4711-234-001", "Infineon", "IAUC120N04S6L005", "Infineon Technologies AG", 6, "Stk", 0.62, "Malaysia", None, "0,1 g"),
        L("60.5", "Elektrolytkondensator 470 µF 35 V", "4711-235-001", "Panasonic", "EEE-FK1V471P", "Rutronik", 2, "Stk", 0.34, JP, None, "1 g"),
        L("70", "Stellmotor Bypassventil, DC 12 V, Bürstenmotor mit Ferritmagnet", "4711-240-001", "Johnson Electric", "JE-MB-12V-F05", "Johnson Electric Germany", 1, "Stk", 4.80, CN, "Ferrit", "46 g", None,
          trap("ferrite_motor", "Ferritmagnet-Motor: Magnet, aber keine Seltenen Erden")),
        L("80", "Magnetventil 24 V DC, 2/2-Wege, stromlos geschlossen", "4711-250-001", "Bürkert", "6013 A 2,0 FKM", "Bürkert Fluid Control Systems", 1, "Stk", 38.50, DE, "Messing / FKM", "0,4 kg", None,
          trap("solenoid_valve", "Magnetventil = Elektromagnet (Spule + Eisenanker), kein Dauermagnet")),
        L("90", "Stecker 4-polig, kodiert", "4711-260-001", "TE Connectivity", "1-2114170-1", "TE Connectivity Germany GmbH", 1, "Stk", 0.78, DE, "PBT GF30", "4 g"),
        L("100", "O-Ring 42 x 2", "4711-270-001", "Freudenberg", "OR 42X2 FKM 75", "Freudenberg Sealing Technologies", 2, "Stk", 0.21, DE, "FKM", "1 g"),
        L("110", "Gleitlager Ø8 mm", "4711-280-001", "CeramTec", "CT-GL-8-SIC", "CeramTec GmbH", 2, "Stk", 0.95, DE, "SiC", "2 g"),
        L("120", "Zylinderschraube DIN EN ISO 4762 M5x16", "4711-290-001", "Bossard", "BN 610 M5x16 A2", "Bossard AG", 4, "Stk", 0.07, "Taiwan", "A2-70", "3 g"),
        L("130", "Wärmeleitpaste, silikonfrei", "4711-300-001", "Electrolube", "HTSP50T", "Electrolube", "0,002", "kg", 62.00, "Großbritannien", None, "2 g"),
        L("140", "Prüfadapter EOL, Betriebsmittel (anteilig, einmalig)", "4711-900-001", "Eigenfertigung", None, None, 1, "Stk", 1234.50, DE, None, "3,2 kg", "Werkzeuganteil, nicht je Pumpe"),
    ]
    title = [
        ["Stückliste"],
        ["Baugruppe:", "Elektrische Kühlmittelpumpe EKP-24/300 (BLDC, Nassläufer)"],
        ["Zeichnungsnr.:", "4711-200-000", None, "Index:", "C", None, "Datum:", "14.10.2026"],
        ["Ersteller:", "M. Brandt", None, "Geprüft:", "S. Yilmaz", None, "Status:", "Freigegeben"],
        [],
    ]
    # fmt: on
    spec = SheetSpec(
        "Stückliste",
        PUMP_HEADER,
        body,
        desc_col="Benennung",
        qty_col="Menge",
        title_rows=title,
        freeze_col=3,
        widths={"Benennung": 72, "Bemerkung": 30, "Pos.": 6, "Werkstoff": 24},
    )
    doc = FileDoc(
        "Electric coolant pump, German Stückliste",
        "German BOM (Stückliste) of a 24 V / 300 W electric coolant pump with a wet-rotor BLDC "
        "motor, its control electronics, a bypass-valve actuator and a solenoid valve.",
        [
            "German headers: `Pos.`, `Benennung`, `Sachnummer`, `Hersteller`, "
            "`Herstellerteilenummer`, `Lieferant`, `Menge`, `ME`, `Einzelpreis`, `Währung`, "
            "`Herkunftsland`, `Werkstoff`, `Gewicht`, `Bemerkung`; sheet name `Stückliste`.",
            "Title block with label/value pairs (`Zeichnungsnr.:`, `Index:`, `Datum:` as text "
            "`14.10.2026`), blank row, header in row 6, panes frozen at C7.",
            "`Einzelpreis` is text with decimal commas and thousands dots (`12,50`, `1.234,50`); "
            "`Menge` is a number except for kg items written as text (`0,18`).",
            "`Gewicht` is text with units (`12 g`, `0,62 kg`) and is the mass of one unit of the "
            "line: the magnet mass only on the magnet lines.",
            "Countries in German (`Volksrepublik China`, `Deutschland`, `Japan`, `Österreich`, "
            "`Großbritannien`); sub-positions `40.1` … under in-house assemblies `40`, `50`, `60`.",
            "Line 140 is a one-off tooling share, not a per-pump part.",
        ],
    )
    return [spec], doc


# --------------------------------------------------------------------------------------
# 8. small_parts.csv — European ERP export: ';', cp1252, decimal comma
# --------------------------------------------------------------------------------------

SMALL_HEADER = [
    "Pos",
    "Artikelnr.",
    "Bezeichnung",
    "Hersteller",
    "Hersteller-Artikelnr.",
    "Menge",
    "Einheit",
    "Preis/Einheit",
    "Währung",
    "Ursprungsland",
    "Bemerkung",
]


def small_parts(out: Path) -> tuple[list[Label], FileDoc]:
    n = 0

    def L(
        art: str,
        name: str,
        mfr: str,
        mpn: str,
        menge: float,
        einheit: str,
        preis: float,
        land: str,
        bem: str = "",
        tag: Tag = PLAIN,
    ) -> Line:
        nonlocal n
        n += 1
        qty = de_num(menge, 0) if float(menge).is_integer() else de_num(menge, 1)
        return Line(
            [str(n), art, name, mfr, mpn, qty, einheit, de_num(preis), "EUR", land, bem], tag
        )

    # fmt: off
    body = [
        L("100417", "NEMA 17 Schrittmotor 1,8° 59 Ncm 2,0 A, 48 mm", "StepperOnline", "17HS19-2004S1", 3, "Stk", 11.90, "CN", "Hybrid-Schrittmotor",
          likely("stepper_motor", nd("", 12, "estimate", tclass="H"), "hybrid stepper: NdFeB rotor magnet; ~12 g est., class H assumed")),
        L("100523", "Neodym Scheibenmagnet D10x5mm N52, vernickelt", "HKCM Engineering", "9963-1029", 20, "Stk", 0.38, "CN", "",
          yes("ndfeb_magnet", nd("N52", 2.95), "Ø10x5 mm disc = 2.95 g")),
        L("100524", "Neodym Quadermagnet 20x10x3 mm N45", "HKCM Engineering", "9964-2003", 8, "Stk", 0.52, "CN", "",
          yes("ndfeb_magnet", nd("N45", 4.5), "20x10x3 mm block = 4.5 g")),
        L("100525", "Topfmagnet Neodym Ø20 mm mit Gewinde M4, Haftkraft 10 kg", "Magnetladen", "TM20-M4-NEO", 4, "Stk", 2.90, "CN", "",
          likely("pot_magnet", nd("", 5, "estimate", tclass="N"), "pot magnet with NdFeB core ~Ø16x3.5 mm; ~5 g est.")),
        L("100526", "SmCo Scheibenmagnet D5x2 mm YXG-28 (Sm2Co17), Sensor", "Arnold Magnetic Technologies", "RECOMA-28-D5X2", 2, "Stk", 1.85, "CH", "",
          yes("smco_magnet", smco("Sm2Co17", 0.33, grade="YXG-28"), "Ø5x2 mm Sm2Co17 disc = 0.33 g")),
        L("100527", "Ferrit-Ringmagnet 25x10x5 mm Y30", "Magnetladen", "FR25-10-5-Y30", 4, "Stk", 0.22, "CN", "",
          trap("ferrite_magnet", "hard ferrite magnet: no rare earths")),
        L("100528", "Magnetband selbstklebend 12,7 mm, anisotrop (Ferrit)", "Magnetladen", "MB127-A", 2, "m", 1.60, "CN", "Meterware",
          trap("ferrite_magnet", "plastic-bonded ferrite tape: no rare earths")),
        L("100529", "Kupferlackdraht 0,3 mm (Magnetdraht), Spule 250 g", "Elektrisola", "0.300 GR1 155", 1, "Stk", 7.40, "DE", "",
          trap("winding_wire", "'Magnetdraht' = magnet wire, enamelled copper")),
        L("100530", "Reedschalter Schließer 10 W, Glas 14 mm", "Littelfuse", "MDSR-7-19-23", 4, "Stk", 0.65, "CN", "",
          trap("reed_switch", "reed switch alone has no magnet")),
        L("100531", "Hall-Sensor unipolar, TO-92", "Allegro", "A3144EUA-T", 4, "Stk", 0.48, "PH", "",
          trap("hall_sensor", "Hall IC without magnet")),
        L("100610", "Linearführung MGN12H, Schiene 300 mm", "Hiwin", "MGN12H1R300ZFCM", 2, "Stk", 38.50, "TW", ""),
        L("100611", "Kugelgewindetrieb SFU1204, 300 mm, mit Mutter", "TBI Motion", "SFU01204-4-300", 1, "Stk", 34.00, "TW", ""),
        L("100612", "Klauenkupplung 5 x 8 mm", "Ruland", "MJC19-5-8-A", 1, "Stk", 9.80, "US", ""),
        L("100620", "Lüfter 40x40x10 mm 12 V, gleitgelagert", "Sunon", "MF40101V2-1000U-A99", 2, "Stk", 3.10, "CN", "",
          possible("fan", "small BLDC fan: bonded ferrite or NdFeB; low confidence")),
        L("100630", "Netzteil 24 V 150 W, Einbau", "Mean Well", "LRS-150-24", 1, "Stk", 19.80, "CN", ""),
        L("100631", "Schrittmotortreiber TMC2209, Modul", "BIGTREETECH", "TMC2209 V1.3", 3, "Stk", 5.90, "CN", ""),
        L("100632", "Steuerplatine 32-bit, 5 Achsen", "BIGTREETECH", "SKR 3", 1, "Stk", 59.00, "CN", ""),
        L("100640", "Endschalter mechanisch mit Rolle", "Omron", "D2F-01L", 3, "Stk", 1.20, "CN", ""),
        L("100650", "Zahnriemen GT2 6 mm, Meterware", "Gates", "2MGT-6", 2.5, "m", 2.40, "US", ""),
        L("100651", "Zahnriemenscheibe GT2 20 Z, Bohrung 5 mm", "Misumi", "GPA20GT2060-A-P5", 2, "Stk", 4.30, "JP", ""),
        L("100660", "Zylinderschraube DIN 912 M3x10 A2 (VE 100)", "Bossard", "BN 610 M3x10", 1, "VE", 4.90, "TW", ""),
        L("100661", "Nutenstein M5, Nut 6, B-Typ", "Item", "0.0.026.18", 40, "Stk", 0.24, "DE", ""),
        L("100670", "Alu-Profil 20x20 B-Typ Nut 6", "Item", "0.0.419.01", 2.5, "m", 7.80, "DE", "Zuschnitt"),
        L("100671", "Kabel LiYY 4 x 0,25 mm², grau", "Lapp", "0028304", 5, "m", 0.62, "DE", ""),
        L("100672", "Energiekette 10 x 15 mm", "igus", "06.10.018.0", 1, "m", 8.90, "DE", ""),
        L("100680", "Mikro-Servo SG90, 9 g, 180°", "TowerPro", "SG90", 2, "Stk", 2.40, "CN", "",
          possible("hobby_servo", "hobby servo: small brushed DC motor, usually ferrite; low confidence")),
        L("100681", "Getriebemotor 12 V, 100 U/min, 25 mm", "Chihai Motor", "CHR-GM25-370", 1, "Stk", 8.50, "CN", "",
          possible("dc_motor", "brushed DC gear motor: usually ferrite; low confidence")),
        L("100690", "Temperaturfühler Pt100, Klasse B, M6", "Heraeus Nexensos", "PT100-M6-B", 1, "Stk", 6.70, "DE", ""),
        L("100691", "Messstativ mit Magnetfuß, schaltbar, 60 kg", "Mitutoyo", "7010S-10", 1, "Stk", 48.00, "JP", "",
          possible("magnetic_base", "switchable magnetic base: AlNiCo, ferrite or NdFeB; low confidence")),
        L("100900", "Montagevorrichtung Linearachse (Sonderanfertigung)", "Eigenfertigung", "VOR-LA300-01", 1, "Stk", 1250.00, "DE", "einmalig"),
    ]
    # fmt: on
    if len(body) != 30:
        raise ValueError(f"small_parts.csv must have 30 lines, has {len(body)}")
    labels = write_csv(
        out / "small_parts.csv",
        pre=[
            [
                "Stückliste",
                "Prüfstand Linearachse LA-300",
                "Stand 03.11.2026",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        ],
        header=SMALL_HEADER,
        body=body,
        desc_col="Bezeichnung",
        qty_col="Menge",
        delimiter=";",
        encoding="cp1252",
    )
    doc = FileDoc(
        "Test-rig small parts, European ERP CSV",
        "European ERP export of purchased small parts for a linear-axis test rig: magnets, a "
        "NEMA 17 stepper, linear motion parts, electronics, fasteners.",
        [
            "Semicolon-separated, **cp1252** (Windows-1252) encoding, CRLF line ends, no BOM "
            "mark; contains `°`, `²`, `ä`, `ß`, `Ø` and is not valid UTF-8.",
            "Line 1 is a title record (`Stückliste;Prüfstand Linearachse LA-300;Stand "
            "03.11.2026;…`); the header is line 2; 30 data lines on lines 3–32.",
            "Decimal commas everywhere: `Menge` `2,5`, `Preis/Einheit` `11,90`, `1.250,00`; "
            "commas inside descriptions (`1,8° 59 Ncm 2,0 A`) are not separators.",
            "Units `Stk`, `m`, `VE` (pack of 100). ISO-2 countries in `Ursprungsland`.",
        ],
    )
    return labels, doc


# --------------------------------------------------------------------------------------
# 9. kicad_pcb.csv — KiCad BOM export, no quantity column
# --------------------------------------------------------------------------------------

KICAD_HEADER = ["Reference", "Value", "Footprint", "Datasheet", "Manufacturer", "MPN"]


def kicad_pcb(out: Path) -> tuple[list[Label], FileDoc]:
    def L(refs: str, value: str, fp: str, ds: str, mfr: str, mpn: str, tag: Tag = PLAIN) -> Line:
        return Line([refs, value, fp, ds, mfr, mpn], tag)

    # fmt: off
    body = [
        L("C1,C2,C5,C7,C8", "100nF", "Capacitor_SMD:C_0402_1005Metric", "~", "Murata", "GRM155R71C104KA88D"),
        L("C3,C4", "10uF", "Capacitor_SMD:C_0805_2012Metric", "~", "Samsung Electro-Mechanics", "CL21A106KAYNNNE"),
        L("C6", "470uF 35V", "Capacitor_THT:CP_Radial_D10.0mm_P5.00mm", "~", "Panasonic", "EEE-FK1V471P"),
        L("C9,C10,C11", "1uF", "Capacitor_SMD:C_0603_1608Metric", "~", "Murata", "GRM188R71H105KA12D"),
        L("R1,R2,R5", "10k", "Resistor_SMD:R_0402_1005Metric", "~", "Yageo", "RC0402FR-0710KL"),
        L("R3,R4", "4.7k", "Resistor_SMD:R_0402_1005Metric", "~", "Yageo", "RC0402FR-074K7L"),
        L("R6,R7,R8", "5m", "Resistor_SMD:R_2512_6332Metric", "~", "Vishay Dale", "WSL2512R0050FEA"),
        L("R9", "0R", "Resistor_SMD:R_0402_1005Metric", "~", "Yageo", "RC0402JR-070RL"),
        L("U1", "STM32G431CBT6", "Package_QFP:LQFP-48_7x7mm_P0.5mm", "https://www.st.com/resource/en/datasheet/stm32g431cb.pdf", "STMicroelectronics", "STM32G431CBT6"),
        L("U2", "DRV8323RS", "Package_DFN_QFN:QFN-40-1EP_6x6mm_P0.5mm", "https://www.ti.com/lit/ds/symlink/drv8323r.pdf", "Texas Instruments", "DRV8323RSRTAR"),
        L("U3", "AS5600", "Package_SO:SOIC-8_3.9x4.9mm_P1.27mm", "https://ams-osram.com/products/sensors/position-sensors/ams-as5600-position-sensor", "ams OSRAM", "AS5600-ASOM",
          trap("angle_sensor", "magnetic angle sensor IC; its magnet is MAG1")),
        L("U4", "A1324LUA-T", "Package_TO_SOT_THT:TO-92_Inline", "https://www.allegromicro.com/-/media/files/datasheets/a1324-5-6-datasheet.pdf", "Allegro MicroSystems", "A1324LUA-T",
          trap("hall_sensor", "linear Hall sensor IC without magnet")),
        L("U5", "TPS54331", "Package_SO:SOIC-8_3.9x4.9mm_P1.27mm", "https://www.ti.com/lit/ds/symlink/tps54331.pdf", "Texas Instruments", "TPS54331DR"),
        L("MAG1", "Diametric magnet 6x2.5mm N35", "Custom:Magnet_D6x2.5mm", "~", "Radial Magnets", "RM-D6X2.5-N35-DIA",
          yes("ndfeb_magnet", nd("N35", 0.53), "Ø6x2.5 mm NdFeB disc for the AS5600 = 0.53 g")),
        L("BZ1", "Magnetic buzzer 12mm 5V", "Buzzer_Beeper:MagneticBuzzer_CUI_CMT-1203-85T", "https://www.cuidevices.com/product/resource/cmt-1203-85t.pdf", "CUI Devices", "CMT-1203-85T",
          possible("buzzer", "magnetic transducer: usually a small ferrite magnet")),
        L("L1", "22uH", "Inductor_SMD:L_Bourns_SRR1260", "~", "Bourns", "SRR1260-220M"),
        L("FB1,FB2", "600R@100MHz", "Inductor_SMD:L_0603_1608Metric", "~", "Murata", "BLM18KG601SN1D",
          trap("ferrite_bead", "ferrite bead: soft ferrite, no magnet")),
        L("Q1,Q2,Q3,Q4,Q5,Q6", "BSC016N06NS", "Package_TO_SOT_SMD:TDSON-8-1", "~", "Infineon", "BSC016N06NSATMA1"),
        L("D1", "LED green", "LED_SMD:LED_0603_1608Metric", "~", "Kingbright", "APT1608SGC"),
        L("D2", "LED red", "LED_SMD:LED_0603_1608Metric", "~", "Kingbright", "APT1608EC"),
        L("D3", "SMBJ24A", "Diode_SMD:D_SMB", "~", "Littelfuse", "SMBJ24A"),
        L("J1", "Conn_01x03 (motor phases)", "TerminalBlock_Phoenix:TerminalBlock_Phoenix_MKDS-1,5-3_1x03_P5.00mm_Horizontal", "~", "Phoenix Contact", "1729131"),
        L("J2", "USB_C_Receptacle", "Connector_USB:USB_C_Receptacle_GCT_USB4105-xx-A_16P_TopMnt_Horizontal", "~", "GCT", "USB4105-GF-A"),
        L("SW1", "SW_Push", "Button_Switch_SMD:SW_SPST_TL3342", "~", "E-Switch", "TL3342F160QG"),
        L("Y1", "8MHz", "Crystal:Crystal_SMD_3225-4Pin_3.2x2.5mm", "~", "Abracon", "ABM8-8.000MHZ-B2-T"),
        L("TP1,TP2,TP3,TP4", "TestPoint", "TestPoint:TestPoint_Pad_D1.0mm", "~", "", ""),
        L("H1,H2,H3,H4", "MountingHole", "MountingHole:MountingHole_3.2mm_M3", "~", "", ""),
    ]
    # fmt: on
    labels = write_csv(
        out / "kicad_pcb.csv",
        pre=[],
        header=KICAD_HEADER,
        body=body,
        desc_col="Value",
        qty_col=None,
        delimiter=",",
        encoding="utf-8",
        quoting=csv.QUOTE_ALL,
        line_end="\n",
        qty_from=lambda ln: float(len(str(ln.cells[0]).split(","))),
    )
    doc = FileDoc(
        "Motor-controller PCB, KiCad BOM CSV",
        "KiCad BOM export of a small BLDC motor-controller board with a magnetic angle "
        "encoder (AS5600 + diametric magnet), a magnetic buzzer and a Hall sensor.",
        [
            "Comma-separated, UTF-8, LF line ends, every field quoted, as KiCad writes it; header "
            "on line 1 (`Reference,Value,Footprint,Datasheet,Manufacturer,MPN`), 27 lines on "
            "lines 2–28.",
            "**No quantity column**: the quantity is the number of designators in `Reference` "
            "(`C1,C2,C5,C7,C8` = 5). The labels' `qty` column gives that count.",
            "The part is described by `Value` (short: `10k`, `AS5600`) plus `Footprint`; there is "
            "no description column. Test points and mounting holes have no manufacturer.",
            "Footprints contain commas inside quotes (`MKDS-1,5-3`).",
        ],
    )
    return labels, doc


# --------------------------------------------------------------------------------------
# Labels and README
# --------------------------------------------------------------------------------------

LABEL_COLUMNS = [
    "file",
    "sheet",
    "row",
    "description",
    "qty",
    "ext_qty",
    "re_label",
    "component_class",
    "trap",
    "magnet_material",
    "grade",
    "temp_class",
    "magnet_g",
    "magnet_g_basis",
    "nd_pr_pct",
    "dy_tb_pct",
    "sm_pct",
    "nd_pr_g",
    "dy_tb_g",
    "sm_g",
    "reason",
]


def _fmt(x: float | None, nd_: int = 3) -> str:
    if x is None:
        return ""
    s = f"{x:.{nd_}f}".rstrip("0").rstrip(".")
    return s or "0"


def element_grams(m: Magnet) -> tuple[float, float, float]:
    if m.grams is None:
        return 0.0, 0.0, 0.0
    a, b, c = m.pct()
    return m.grams * a / 100, m.grams * b / 100, m.grams * c / 100


def write_labels(path: Path, labels: list[Label]) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LABEL_COLUMNS)
    for lb in labels:
        t, m = lb.tag, lb.tag.magnet
        if m is not None:
            a, b, c = m.pct()
            g = element_grams(m)
            mag = [m.material, m.grade, m.tclass, _fmt(m.grams), m.basis, _fmt(a), _fmt(b), _fmt(c)]
            mag += [_fmt(g[0], 4), _fmt(g[1], 4), _fmt(g[2], 4)]
        else:
            mag = [""] * 11
        w.writerow(
            [
                lb.file,
                lb.sheet,
                lb.row,
                lb.description,
                _fmt(lb.qty),
                _fmt(lb.ext_qty),
                t.label,
                t.cls,
                "yes" if t.trap else "",
                *mag,
                t.reason,
            ]
        )
    _atomic_write(path, buf.getvalue().encode("utf-8"))


def _mass(grams: float) -> str:
    if grams >= 10_000:
        return f"{grams / 1000:,.1f} kg"
    return f"{_fmt(grams, 2)} g"


def _short(text: str, n: int = 75) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= n else text[: n - 1] + "…"


def _where(lb: Label, multi_sheet: bool, in_table: bool = False) -> str:
    if not lb.sheet:
        return str(lb.row) if in_table else f"line {lb.row}"
    return f"{lb.sheet}!{lb.row}" if multi_sheet else str(lb.row)


def readme_section(name: str, doc: FileDoc, labels: list[Label]) -> str:
    sheets = {lb.sheet for lb in labels}
    multi = len(sheets) > 1
    is_csv = name.endswith(".csv")
    where = "Line" if is_csv else ("Sheet!row" if multi else "Row")
    out = [f"## {name}", "", doc.product, "", "**Layout quirks**", ""]
    out += [f"- {q}" for q in doc.quirks]
    n_lines = len(labels)
    out += ["", f"BOM lines: {n_lines} (labels in `{Path(name).stem}.labels.csv`).", ""]

    re_lines = [lb for lb in labels if lb.tag.label in ("yes", "likely")]
    out += [
        "**Rare-earth lines** (g per one unit of the line; element grams = magnet grams x the "
        "shares in the composition table)",
        "",
        f"| {where} | Part | Label | Magnet | Grade (class) | Magnet g/unit | Qty | Qty/product | Nd+Pr g/unit | Dy+Tb g/unit | Sm g/unit |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    tot = [0.0, 0.0, 0.0, 0.0]
    for lb in re_lines:
        m = lb.tag.magnet
        assert m is not None
        g = element_grams(m)
        grade = m.grade or "not stated"
        cls = f" ({m.tclass}{'' if m.grade else ', assumed'})" if m.tclass else ""
        mass = f"{_fmt(m.grams)} ({m.basis})" if m.grams is not None else "?"
        out.append(
            f"| {_where(lb, multi, True)} | {_short(lb.description)} | {lb.tag.label} | {m.material} | "
            f"{grade}{cls} | {mass} | {_fmt(lb.qty)} | {_fmt(lb.ext_qty)} | {_fmt(g[0], 3)} | "
            f"{_fmt(g[1], 3)} | {_fmt(g[2], 3)} |"
        )
        e = lb.ext_qty or 0.0
        tot[0] += e * (m.grams or 0)
        tot[1] += e * g[0]
        tot[2] += e * g[1]
        tot[3] += e * g[2]
    per = "per product" if not is_csv else "per BOM"
    if multi:
        per = "over all sheets (one of each product)"
    out += [
        "",
        f"Totals {per} (yes + likely, leaf lines only): magnet {_mass(tot[0])}, "
        f"Nd+Pr {_mass(tot[1])}, Dy+Tb {_mass(tot[2])}, Sm {_mass(tot[3])}.",
        "",
    ]
    if re_lines:
        out += ["Why:", ""]
        out += [f"- {_where(lb, multi)}: {lb.tag.reason}" for lb in re_lines]
        out.append("")

    poss = [lb for lb in labels if lb.tag.label == "possible"]
    if poss:
        out += ["**Possible** (tag with low confidence or not at all)", ""]
        out += [f"- {_where(lb, multi)} {_short(lb.description)} — {lb.tag.reason}" for lb in poss]
        out.append("")
    asm = [lb for lb in labels if lb.tag.label == "assembly" and lb.tag.reason]
    if asm:
        out += ["**Assemblies that restate their children** (never add to the children)", ""]
        out += [f"- {_where(lb, multi)} {_short(lb.description)} — {lb.tag.reason}" for lb in asm]
        out.append("")
    traps = [lb for lb in labels if lb.tag.trap]
    out += ["**Traps — must NOT be tagged as rare-earth bearing**", ""]
    out += [f"- {_where(lb, multi)} {_short(lb.description)} — {lb.tag.reason}" for lb in traps]
    out.append("")
    return "\n".join(out)


README_INTRO = """\
# Sample BOMs

Realistic example bills of materials for riskapp, written by `make_samples.py` (run
`python sample_boms/make_samples.py`; it is deterministic and rewrites every file here,
keeping everything from the heading `## Expected scores` on). Parts, manufacturers and
suppliers are real companies with plausible part numbers; the OEMs, assemblies and prices
are invented. They are small (a few dozen lines each); the large speed-test BOM is made by
the generator in `benchmarks/`.

| File | Product | Lines | Format |
|---|---|---|---|
{table}

**Conventions**
- *Row* is the row number as Excel shows it (sheet given where a workbook has several BOM
  sheets); for CSV files *line* is the 1-based line in the file where the record starts.
- `<name>.labels.csv` lists every BOM line with the answer a careful human gives, in the
  same columns as `../shared/real_boms/*.labels.csv` (`file, sheet, row, description, qty,
  re_label, component_class, reason`) plus `ext_qty` (quantity per finished product),
  `trap`, the magnet (`magnet_material, grade, temp_class, magnet_g, magnet_g_basis`) and
  the expected element shares (`*_pct`) and grams per unit of the line (`*_g`).
- `re_label`: `yes` (certainly rare-earth magnets), `likely` (almost certainly, no grade
  or mass stated), `possible` (may contain a little, or ferrite instead — tag with low
  confidence or not at all), `no`, `assembly` (a parent line in a multi-level BOM: its
  content is that of its children; never count it again). `trap = yes` marks lines that
  look magnetic but are not rare-earth bearing (magnet wire, ferrite, solenoids, Hall ICs,
  "non-magnetic" screws, "Magura", "magnesium", Harmonic Drive's "2UH" type code…).
- `magnet_g_basis`: `stated` when the BOM gives the mass (or dimensions that fix it:
  volume x 7.55 g/cm³ for NdFeB, 8.4 g/cm³ for SmCo), `estimate` when it is ours. Estimates
  are rough, flagged unconfirmed in `../shared/reference/domain-facts.md` §3.2, and are
  what a user-editable default would give.

**Composition used for the expected element grams** (rules of thumb from domain-facts §3.1;
total rare earths in sintered NdFeB ≈ 31 wt %, Dy/Tb replacing part of the Nd+Pr as the
temperature class rises; unknown class assumed as stated per line)

{composition}
Announcement No. 18 elements among these: **Sm, Dy, Tb** (Nd and Pr are not controlled).
Sintered NdFeB with Dy/Tb (in practice class H and above, often M) needs a licence unless
the supplier certifies Dy+Tb ≤ 0.1 %; every SmCo line does.
"""

README_TAIL = f"""{EXPECTED_SCORES_HEADING}

Filled in by the scoring work (issue 4).
"""


def render_readme(sections: list[tuple[str, FileDoc, list[Label]]], existing: str | None) -> str:
    rows = []
    for name, doc, labels in sections:
        fmt = {"xlsx": "Excel"}.get(name.rsplit(".", 1)[1], "CSV")
        rows.append(f"| [`{name}`](#{_anchor(name)}) | {doc.title} | {len(labels)} | {fmt} |")
    intro = README_INTRO.format(table="\n".join(rows), composition=COMPOSITION_NOTE)
    body = "\n".join(readme_section(n, d, lb) for n, d, lb in sections)
    tail = README_TAIL
    m = re.search(rf"^{re.escape(EXPECTED_SCORES_HEADING)}\s*$", existing or "", re.MULTILINE)
    if existing and m:
        tail = existing[m.start() :]
    return intro + "\n" + body + "\n" + tail


def _anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", name.lower().replace(" ", "-"))


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------

WORKBOOKS: dict[str, Callable[[], tuple[list[SheetSpec | NotesSheet], FileDoc]]] = {
    "ev_drive_unit.xlsx": ev_drive_unit,
    "ebike.xlsx": ebike,
    "robot_arm.xlsx": robot_arm,
    "wind_nacelle.xlsx": wind_nacelle,
    "consumer_audio.xlsx": consumer_audio,
    "server_rack.xlsx": server_rack,
    "stueckliste_pumpe.xlsx": stueckliste_pumpe,
}
CSV_FILES: dict[str, Callable[[Path], tuple[list[Label], FileDoc]]] = {
    "small_parts.csv": small_parts,
    "kicad_pcb.csv": kicad_pcb,
}
SAMPLE_FILES: tuple[str, ...] = (*WORKBOOKS, *CSV_FILES)


def build(out: Path = HERE) -> list[Path]:
    """Write every sample, its labels and the README into *out*; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    sections: list[tuple[str, FileDoc, list[Label]]] = []
    written: list[Path] = []
    for name, make in WORKBOOKS.items():
        sheets, doc = make()
        labels = write_workbook(out / name, sheets)
        sections.append((name, doc, labels))
    for name, make_csv in CSV_FILES.items():
        labels, doc = make_csv(out)
        sections.append((name, doc, labels))
    for name, _doc, labels in sections:
        lab = out / f"{Path(name).stem}.labels.csv"
        write_labels(lab, labels)
        written += [out / name, lab]
    readme = out / "README.md"
    existing = readme.read_text(encoding="utf-8") if readme.exists() else None
    _atomic_write(readme, render_readme(sections, existing).encode("utf-8"))
    written.append(readme)
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    for p in build(out):
        print(f"{p.stat().st_size:>8} {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
