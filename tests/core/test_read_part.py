"""xlsxparts.read_part: a big sheet's XML inflated by ISA-L where installed. Whatever path
it takes, it must give exactly what zipfile gives, and a part that does not add up (a wrong
CRC, a size the zip directory lies about, another method) must end where zipfile ends:
the same bytes or the same error."""

from __future__ import annotations

import builtins
import io
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from riskapp.core.xlsxparts import read_part
from tests.conftest import ODDSHEETS, REAL_BOMS, SAMPLE_BOMS

SHEET = "xl/worksheets/sheet1.xml"
XML = b"<worksheet><sheetData>" + b"<row r='1'><c><v>1</v></c></row>" * 5000 + b"</sheetData>"


def _workbooks() -> list[Path]:
    found = [*SAMPLE_BOMS.glob("*.xlsx"), *REAL_BOMS.glob("*.xlsx"), *ODDSHEETS.glob("*.xls[xm]")]
    return sorted(p for p in found if zipfile.is_zipfile(p))


def _zip(tmp_path: Path, data: bytes = XML, method: int = zipfile.ZIP_DEFLATED) -> Path:
    p = tmp_path / "book.xlsx"
    with zipfile.ZipFile(p, "w", method) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr(SHEET, data)
    return p


def _patched(p: Path, old: bytes, new: bytes) -> None:
    raw = p.read_bytes()
    assert raw.count(old) >= 1
    p.write_bytes(raw.replace(old, new))


def _no_isal(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "isal" or name.startswith("isal."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_isal_is_installed() -> None:
    """The speed-up is a declared dependency: the test run must exercise it."""
    pytest.importorskip("isal")


def _outcome(read: Any, *args: Any) -> Any:
    try:
        return read(*args)
    except Exception as exc:  # a damaged part: the same error both ways
        return (type(exc), str(exc))


@pytest.mark.parametrize("path", _workbooks(), ids=lambda p: p.name)
def test_every_part_as_zipfile_reads_it(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.is_dir():
                ours = _outcome(read_part, zf, info.filename)
                assert ours == _outcome(zf.read, info), info.filename


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_without_isal_and_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: int
) -> None:
    p = _zip(tmp_path, method=method)
    _no_isal(monkeypatch)
    with zipfile.ZipFile(p) as zf:
        assert read_part(zf, SHEET) == XML


def test_wrong_crc_is_zipfiles_error(tmp_path: Path) -> None:
    p = _zip(tmp_path)
    crc = zlib.crc32(XML).to_bytes(4, "little")
    _patched(p, crc, bytes(b ^ 0xFF for b in crc))
    with zipfile.ZipFile(p) as zf, pytest.raises(zipfile.BadZipFile):
        read_part(zf, SHEET)


def test_size_the_directory_lies_about(tmp_path: Path) -> None:
    """A part that inflates to more than its stated size is never inflated past it here."""
    p = _zip(tmp_path)
    size = len(XML).to_bytes(4, "little")
    _patched(p, size, (len(XML) // 10).to_bytes(4, "little"))
    with zipfile.ZipFile(p) as zf:
        with pytest.raises(zipfile.BadZipFile):
            zf.read(SHEET)
        with pytest.raises(zipfile.BadZipFile):
            read_part(zf, SHEET)


def test_a_truncated_part(tmp_path: Path) -> None:
    p = _zip(tmp_path)
    raw = p.read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        info = zf.getinfo(SHEET)
    start = info.header_offset + 30 + len(SHEET)
    # the deflate stream cut short and padded back: the sizes still add up, the data not
    broken = raw[: start + 20] + bytes(info.compress_size - 20) + raw[start + info.compress_size :]
    p.write_bytes(broken)
    with zipfile.ZipFile(p) as zf:
        ours = _outcome(read_part, zf, SHEET)
        assert isinstance(ours, tuple) and ours == _outcome(zf.read, SHEET)
