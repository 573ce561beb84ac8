"""Big sheets parsed in pieces (readers._Pieces, xlsxparts): the cells, their types, merged
ranges, hidden rows and links must be exactly those of reading the sheet whole, on every
file we have and on sheets built to trip the cut (rows out of order, gaps, ragged widths,
prefixed XML, rows without numbers, comments)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from riskapp.core import readers
from riskapp.core.guard import guard_available, read_guarded
from riskapp.core.readers import Limits, RawWorkbook, open_workbook
from riskapp.core.xlsxparts import cut_sheet, piece_packages, sheet_parts
from tests.conftest import ODDSHEETS, REAL_BOMS, SAMPLE_BOMS

LIMITS = Limits(max_cells=10**8)
SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _view(wb: RawWorkbook) -> list[Any]:
    out = []
    for sheet in wb.sheets:
        grid = sheet.grid()
        out.append(
            (
                sheet.name,
                grid,
                [[type(v).__name__ for v in row] for row in grid],
                sheet.merged,
                sorted(sheet.hidden_rows),
                sorted(sheet.hidden_cols),
                sorted(sheet.links.items()),
                sheet.visible,
            )
        )
    return out


def _read(path: Path, monkeypatch: pytest.MonkeyPatch, *, pieces: bool, guarded: bool) -> Any:
    monkeypatch.setattr(readers, "SPLIT_MIN_BYTES", 1 if pieces else 1 << 62)
    monkeypatch.setattr(readers.os, "cpu_count", lambda: 2)
    if guarded:
        return _view(read_guarded(path, LIMITS)[0])
    return _view(open_workbook(path, LIMITS))


def _count_pieces(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    started: list[int] = []
    real = readers._Pieces.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        started.append(len(self.firsts))

    monkeypatch.setattr(readers._Pieces, "__init__", counting)
    return started


def _xlsx(tmp_path: Path, rows_xml: bytes, *, tail: bytes = b"", name: str = "t.xlsx") -> Path:
    """A real workbook (openpyxl's package) whose first sheet holds `rows_xml`."""
    template = tmp_path / "template.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "BOM"
    wb.active["A1"] = "x"
    wb.save(template)
    target = tmp_path / name
    sheet = HEAD + b"<sheetData>" + rows_xml + b"</sheetData>" + tail + b"</worksheet>"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            out.writestr(info, sheet if info.filename == SHEET else src.read(info))
    return target


def _rows(numbers: list[int], cols: str = "AB") -> bytes:
    out = []
    for r in numbers:
        cells = "".join(
            f'<c r="{c}{r}" t="inlineStr"><is><t>{c}{r}</t></is></c>'
            if i % 2 == 0
            else f'<c r="{c}{r}"><v>{r}.5</v></c>'
            for i, c in enumerate(cols)
        )
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out).encode()


def _files() -> list[Path]:
    found = []
    for folder in (SAMPLE_BOMS, REAL_BOMS, ODDSHEETS):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))
    return found


# ------------------------------------------------------------------ the cut itself


def test_cut_lands_on_a_numbered_row_near_the_share() -> None:
    xml = HEAD + b"<sheetData>" + _rows(list(range(1, 101))) + b"</sheetData></worksheet>"
    cut = cut_sheet(xml, (0.5,))
    assert cut is not None
    assert xml[cut.starts[0] :].startswith(b'<row r="%d"' % (cut.first_rows[0] + 1))
    assert 45 <= cut.first_rows[0] <= 55


@pytest.mark.parametrize(
    "body",
    [
        b"<sheetData/>",  # empty sheet
        # rows counted by position, not numbered
        b"<sheetData>"
        + re.sub(rb'<row r="\d+"', b"<row", _rows(list(range(1, 50))))
        + b"</sheetData>",
        b"<sheetData>" + _rows(list(range(1, 50))) + b"<!-- <row r='9'> --></sheetData>",
        b"<sheetData>" + _rows(list(range(1, 50))) + b"<?pi x?></sheetData>",
        b"<sheetData>"
        + _rows(list(range(1, 50))).replace(b"<t>A7", b"<t><![CDATA[A7]]>")
        + b"</sheetData>",
        b"<sheetData>" + _rows([1]) + b"</sheetData>",  # one row: nothing to cut
    ],
)
def test_no_cut_where_it_could_change_what_is_read(body: bytes) -> None:
    xml = HEAD + body + b"</worksheet>"
    assert cut_sheet(xml, (0.5,)) is None


def test_exclamation_and_question_marks_in_cell_text_do_not_stop_the_cut() -> None:
    rows = _rows(list(range(1, 101))).replace(b"</t>", b" Warning! Why?</t>")
    xml = HEAD + b"<sheetData>" + rows + b"</sheetData></worksheet>"
    assert cut_sheet(xml, (0.5,)) is not None


def test_the_row_number_is_read_from_r_not_from_look_alike_attributes() -> None:
    rows = _rows(list(range(1, 101))).replace(b'<row r="', b'<row spans="1:2" r="')
    xml = HEAD + b"<sheetData>" + rows + b"</sheetData></worksheet>"
    cut = cut_sheet(xml, (0.5,))
    assert cut is not None
    tag = xml[cut.starts[0] : xml.index(b">", cut.starts[0])]
    assert tag.endswith(b' r="%d"' % (cut.first_rows[0] + 1))
    unnumbered = re.sub(rb' r="\d+">', b">", rows)  # only spans="1:2" left on the rows
    assert cut_sheet(HEAD + b"<sheetData>" + unnumbered + b"</sheetData>", (0.5,)) is None


def test_prefixed_xml_is_cut_too() -> None:
    rows = _rows(list(range(1, 41))).replace(b"<", b"<x:").replace(b"<x:/", b"</x:")
    xml = HEAD.replace(b"<worksheet", b"<x:worksheet") + b"<x:sheetData>" + rows
    xml += b"</x:sheetData></x:worksheet>"
    cut = cut_sheet(xml, (0.5,))
    assert cut is not None and xml[cut.starts[0] :].startswith(b"<x:row ")


def test_each_piece_is_a_package_with_the_sheet_head_and_tail(tmp_path: Path) -> None:
    tail = b'<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'
    path = _xlsx(tmp_path, _rows(list(range(1, 201))), tail=tail)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(SHEET)
        cut = cut_sheet(xml, (0.5,))
        assert cut is not None
        packages = piece_packages(zf, SHEET, xml, cut)
        assert sheet_parts(zf) == {"BOM": SHEET}
    assert len(packages) == 2
    for package in packages:
        with zipfile.ZipFile(io.BytesIO(package)) as piece:
            part = piece.read(SHEET)
            assert part.startswith(HEAD) and part.endswith(tail + b"</worksheet>")
            assert "xl/workbook.xml" in piece.namelist()


# ------------------------------------------------------------- same cells as whole


TRICKY = {
    "in order": _rows(list(range(1, 301))),
    # a gap of empty rows right where the cut falls, and at the end of the first half
    "gap": _rows(list(range(1, 120))) + _rows(list(range(200, 330))),
    # the second half is wider and starts further right
    "ragged": _rows(list(range(1, 150)), "AB") + _rows(list(range(150, 300)), "DEFGH"),
    # rows out of order across the cut: only a whole read places them right
    "out of order": _rows([*range(1, 150), 400, *range(150, 300)]),
    "backwards": _rows(list(range(300, 0, -1))),
}


@pytest.mark.parametrize("case", list(TRICKY))
@pytest.mark.parametrize("guarded", [False, True])
def test_tricky_sheets_read_the_same_in_pieces(
    case: str, guarded: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if guarded and not guard_available():
        pytest.skip("no reader child on this platform")
    tail = b'<mergeCells count="1"><mergeCell ref="A2:B3"/></mergeCells>'
    path = _xlsx(tmp_path, TRICKY[case], tail=tail)
    whole = _read(path, monkeypatch, pieces=False, guarded=guarded)
    started = _count_pieces(monkeypatch)
    assert _read(path, monkeypatch, pieces=True, guarded=guarded) == whole
    if not guarded:
        assert started == [2]  # the sheet really was cut (then read whole if out of order)
    assert whole[0][3] == [(1, 0, 2, 1)]


def test_a_piece_that_does_not_parse_falls_back_to_the_whole_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _xlsx(tmp_path, _rows(list(range(1, 301))))
    whole = _read(path, monkeypatch, pieces=False, guarded=False)
    monkeypatch.setattr(readers, "_parse_piece", lambda *a, **k: None)
    assert _read(path, monkeypatch, pieces=True, guarded=False) == whole


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_every_workbook_we_have_reads_the_same_in_pieces(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def outcome(pieces: bool) -> Any:
        try:
            return _read(path, monkeypatch, pieces=pieces, guarded=False)
        except Exception as exc:  # broken files must fail the same way
            return type(exc).__name__, str(exc)

    assert outcome(True) == outcome(False)


@pytest.mark.skipif(not guard_available(), reason="no reader child on this platform")
def test_generated_bom_reads_the_same_through_the_guard_in_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.gen_bom import write_xlsx

    path = write_xlsx(3000, tmp_path / "bom.xlsx", seed=7)
    whole = _read(path, monkeypatch, pieces=False, guarded=True)
    assert _read(path, monkeypatch, pieces=True, guarded=True) == whole
    assert len(whole[0][1]) > 3000


def test_no_pieces_when_their_copies_would_crowd_the_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _xlsx(tmp_path, _rows(list(range(1, 301))))
    started = _count_pieces(monkeypatch)
    monkeypatch.setattr(readers, "SPLIT_MIN_BYTES", 1)
    size = zipfile.ZipFile(path).getinfo(SHEET).file_size
    open_workbook(path, Limits(max_memory_bytes=6 * size))
    assert started == [2]
    open_workbook(path, Limits(max_memory_bytes=5 * size))
    assert started == [2]  # not cut the second time


def test_no_memory_for_the_pieces_means_the_sheet_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _xlsx(tmp_path, _rows(list(range(1, 301))))
    whole = _read(path, monkeypatch, pieces=False, guarded=False)

    def no_room(*args: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(readers, "piece_packages", no_room)
    assert _read(path, monkeypatch, pieces=True, guarded=False) == whole


def test_only_the_biggest_sheet_is_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wb = openpyxl.Workbook()
    small = wb.active
    small.title = "Notes"
    for r in range(1, 40):
        small.append([f"note {r}", r])
    big = wb.create_sheet("BOM")
    for r in range(1, 400):
        big.append([f"part {r}", r * 1.5, "NdFeB N42" if r % 7 == 0 else "screw"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    whole = _read(path, monkeypatch, pieces=False, guarded=False)
    started = _count_pieces(monkeypatch)
    names: list[str] = []
    real = readers._Pieces.sheet

    def named(self: Any) -> Any:
        names.append(self.sheet_name)
        return real(self)

    monkeypatch.setattr(readers._Pieces, "sheet", named)
    assert _read(path, monkeypatch, pieces=True, guarded=False) == whole
    assert started == [2] and names == ["BOM"]
