"""The sample BOMs: present, readable, documented, labelled at the right rows, up to date."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest
from openpyxl.utils.cell import coordinate_from_string

SAMPLES = Path(__file__).resolve().parents[2] / "sample_boms"

WORKBOOKS = [
    "ev_drive_unit.xlsx",
    "ebike.xlsx",
    "robot_arm.xlsx",
    "wind_nacelle.xlsx",
    "consumer_audio.xlsx",
    "server_rack.xlsx",
    "stueckliste_pumpe.xlsx",
]
CSVS = ["small_parts.csv", "kicad_pcb.csv"]
ALL = WORKBOOKS + CSVS


def _generator() -> ModuleType:
    name = "sample_boms_make_samples"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SAMPLES / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _labels(name: str) -> list[dict[str, str]]:
    path = SAMPLES / f"{Path(name).stem}.labels.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _csv_records(name: str) -> dict[int, list[str]]:
    """CSV records keyed by the line they start on."""
    encoding, delimiter = ("cp1252", ";") if name == "small_parts.csv" else ("utf-8", ",")
    text = (SAMPLES / name).read_bytes().decode(encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: dict[int, list[str]] = {}
    start = 1
    for record in reader:
        records[start] = record
        start = reader.line_num + 1
    return records


def _sheet_values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


@pytest.mark.parametrize("name", ALL)
def test_sample_exists_is_small_and_has_labels(name: str) -> None:
    path = SAMPLES / name
    assert path.is_file(), f"{name} missing: run python sample_boms/make_samples.py"
    assert path.stat().st_size < 200_000
    assert len(_labels(name)) >= 20


def test_generator_lists_exactly_these_files() -> None:
    assert list(_generator().SAMPLE_FILES) == ALL


@pytest.mark.parametrize("name", WORKBOOKS)
def test_workbook_opens_with_a_frozen_formatted_header(name: str) -> None:
    wb = openpyxl.load_workbook(SAMPLES / name)
    try:
        bom_sheets = {row["sheet"] for row in _labels(name)}
        for title in bom_sheets:
            ws = wb[title]
            assert ws.freeze_panes is not None, f"{name}!{title} has no frozen panes"
            header_row = coordinate_from_string(ws.freeze_panes)[1] - 1
            header = [c for c in ws[header_row] if c.value is not None]
            assert len(header) >= 6
            assert all(c.font.bold for c in header)
            assert ws.max_row >= header_row + 10
    finally:
        wb.close()


def test_ev_drive_unit_is_multi_level_with_magnet_mass_and_totals() -> None:
    rows = _sheet_values(SAMPLES / "ev_drive_unit.xlsx")["BOM"]
    header = rows[5]
    assert header[0] == "Level" and header[-1] == "Magnet Mass (g)"
    levels = {r[0] for r in rows[6:] if isinstance(r[0], int)}
    assert levels == {0, 1, 2, 3}
    assert any(r[3] and "TOTAL" in str(r[3]) for r in rows[-3:])


def test_robot_arm_has_the_gearbox_remark() -> None:
    rows = _sheet_values(SAMPLES / "robot_arm.xlsx")["RX-10"]
    assert any("Gearbox only, motor not included" in str(v) for r in rows for v in r)


def test_german_pump_bom_has_german_headers_and_text_decimals() -> None:
    rows = _sheet_values(SAMPLES / "stueckliste_pumpe.xlsx")["Stückliste"]
    header = rows[5]
    for h in ("Pos.", "Benennung", "Sachnummer", "Menge", "ME", "Einzelpreis", "Herkunftsland"):
        assert h in header
    prices = [r[header.index("Einzelpreis")] for r in rows[6:] if r[0]]
    assert "1.234,50" in prices
    assert all(p is None or isinstance(p, str) for p in prices)


def test_small_parts_csv_is_a_cp1252_semicolon_export_with_decimal_commas() -> None:
    raw = (SAMPLES / "small_parts.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"\r\n" in raw
    records = _csv_records("small_parts.csv")
    assert records[2][:3] == ["Pos", "Artikelnr.", "Bezeichnung"]
    data = [r for line, r in records.items() if line >= 3]
    assert len(data) == 30
    assert all(len(r) == 11 for r in data)
    assert any("Neodym Scheibenmagnet D10x5mm N52" in r[2] for r in data)
    assert any("," in r[7] for r in data)  # decimal comma prices


def test_kicad_csv_has_no_quantity_column_and_designator_lists() -> None:
    records = _csv_records("kicad_pcb.csv")
    assert records[1] == ["Reference", "Value", "Footprint", "Datasheet", "Manufacturer", "MPN"]
    refs = {r[0] for line, r in records.items() if line > 1}
    assert "C1,C2,C5,C7,C8" in refs
    labels = {row["description"]: row for row in _labels("kicad_pcb.csv")}
    assert labels["100nF"]["qty"] == "5"


def test_readme_documents_every_file_and_ends_with_expected_scores() -> None:
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for name in ALL:
        assert f"## {name}" in text, f"README has no section for {name}"
    tail = text[text.index("\n## Expected scores") :]
    # filled in by the scoring work (issue 4) and checked by tests/e2e/test_golden_samples.py
    assert "test_golden_samples.py" in tail and "| file |" in tail


@pytest.mark.parametrize("name", ALL)
def test_labels_point_at_the_rows_they_describe(name: str) -> None:
    if name.endswith(".csv"):
        records = _csv_records(name)
        cells = {("", line): rec for line, rec in records.items()}
    else:
        cells = {
            (title, i): [str(v) for v in row if v is not None]
            for title, rows in _sheet_values(SAMPLES / name).items()
            for i, row in enumerate(rows, start=1)
        }
    for row in _labels(name):
        found = cells.get((row["sheet"], int(row["row"])))
        assert found is not None and row["description"] in found, (
            f"{name}: label row {row['row']} ({row['description']!r}) does not match the sheet"
        )


@pytest.mark.parametrize("name", ALL)
def test_every_sample_has_rare_earth_lines_and_traps(name: str) -> None:
    labels = _labels(name)
    assert any(r["re_label"] in ("yes", "likely") for r in labels)
    assert any(r["trap"] == "yes" for r in labels)
    for r in labels:
        if r["re_label"] in ("yes", "likely"):
            assert r["magnet_material"] and r["magnet_g"], r
        if r["trap"] == "yes":
            assert r["re_label"] == "no", r


def test_generator_output_matches_the_committed_files(tmp_path: Path) -> None:
    _generator().build(tmp_path)
    for name in WORKBOOKS:
        assert _sheet_values(tmp_path / name) == _sheet_values(SAMPLES / name), (
            f"{name} is stale: run python sample_boms/make_samples.py"
        )
    for name in [*CSVS, *(f"{Path(n).stem}.labels.csv" for n in ALL)]:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), (
            f"{name} is stale: run python sample_boms/make_samples.py"
        )
    head = "\n## Expected scores"
    fresh = (tmp_path / "README.md").read_text(encoding="utf-8")
    committed = (SAMPLES / "README.md").read_text(encoding="utf-8")
    assert fresh[: fresh.index(head)] == committed[: committed.index(head)]
