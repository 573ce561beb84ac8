"""Property-based fuzzing of the importers: random and mutated bytes, mutated real BOMs.

Whatever the bytes, reading returns raw sheets and ``import_bom`` returns a result, or they
raise a RiskappError (a domain error with a sentence for the user) - nothing else may come
out. The readers are fuzzed hard (hundreds of examples: CSV in-process, spreadsheets
through the guarded child, since a mutated workbook can make the native parser abort);
the whole import, which costs most of a second per file on this machine, gets eight
examples per kind. The examples are derandomised so the suite is reproducible;
``HYPOTHESIS_PROFILE=explore`` runs 2,000 fresh examples per test.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskapp.core.errors import RiskappError
from riskapp.core.guard import open_workbook_guarded
from riskapp.core.importer import ImportOptions, import_bom
from riskapp.core.readers import SPREADSHEET_EXTS, Limits, RawWorkbook, open_workbook
from tests.conftest import SAMPLE_BOMS
from tests.robustness.conftest import fuzz_settings

# small limits keep a runaway example cheap; they are limits like any other
LIMITS = Limits(max_seconds=20, max_cells=200_000, max_memory_bytes=512 * 1024 * 1024)
CSV_SEEDS = [(SAMPLE_BOMS / n).read_bytes() for n in ("small_parts.csv", "kicad_pcb.csv")]
XLSX_SEED = (SAMPLE_BOMS / "ebike.xlsx").read_bytes()

pytestmark = pytest.mark.timeout(300)


def only_domain_errors(data: bytes, suffix: str, *, whole_import: bool = False) -> None:
    """Read (or, with whole_import, import) the bytes as a file named fuzz<suffix>."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            if whole_import:
                result = import_bom(path, ImportOptions(limits=LIMITS))
                assert result.report.n_lines == len(result.lines)
            elif suffix in SPREADSHEET_EXTS or data[:2] in (b"PK", b"\xd0\xcf"):
                assert isinstance(open_workbook_guarded(path, LIMITS), RawWorkbook)
            else:
                assert isinstance(open_workbook(path, LIMITS), RawWorkbook)
        except RiskappError as exc:
            assert str(exc).startswith(f"fuzz{suffix}"), str(exc)
            assert exc.message.strip()


# A mutation: (kind, position as a fraction of the length, payload)
mutation = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "truncate", "repeat", "splice"]),
    st.floats(0, 1, allow_nan=False),
    st.binary(min_size=1, max_size=64),
)

INTERESTING = [
    b'"',
    b"\r",
    b"\n",
    b";",
    b"\t",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"=cmd|' /C calc'!A0",
    b"1e308",
    b"-0",
    b"NaN",
    b"99999999999999999999999",
    b"\xe2\x80\xae",
    b"\xc3",
]


def mutate(data: bytes, steps: list[tuple[str, float, bytes]]) -> bytes:
    buf = bytearray(data)
    for kind, where, payload in steps:
        i = int(where * len(buf)) if buf else 0
        if kind == "flip" and buf:
            i = min(i, len(buf) - 1)
            buf[i] ^= payload[0] or 0xFF
        elif kind == "insert":
            buf[i:i] = payload
        elif kind == "delete":
            del buf[i : i + len(payload)]
        elif kind == "truncate":
            del buf[i:]
        elif kind == "repeat":
            buf[i:i] = bytes(buf[i : i + len(payload) * 8]) * 3
        elif kind == "splice":
            buf[i:i] = INTERESTING[payload[0] % len(INTERESTING)]
    return bytes(buf)


@fuzz_settings(150)
@given(st.binary(max_size=4096), st.sampled_from([".csv", ".tsv", ".txt"]))
def test_random_bytes_as_text(data: bytes, suffix: str) -> None:
    only_domain_errors(data, suffix)


@fuzz_settings(100)
@given(
    st.text(max_size=2000),
    st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig", "utf-16-be"]),
)
def test_random_text_in_any_encoding(text: str, encoding: str) -> None:
    only_domain_errors(text.encode(encoding, errors="replace"), ".csv")


@fuzz_settings(150)
@given(st.sampled_from(CSV_SEEDS), st.lists(mutation, min_size=1, max_size=8))
def test_mutated_real_csv_boms(seed: bytes, steps: list[tuple[str, float, bytes]]) -> None:
    only_domain_errors(mutate(seed, steps), ".csv")


@fuzz_settings(80)
@given(
    st.sampled_from(
        [b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x00\x00", b""]
    ),
    st.binary(max_size=2048),
    st.sampled_from([".xlsx", ".xls", ".xlsb", ".ods", ".xlsm"]),
)
def test_random_bytes_behind_spreadsheet_magic(magic: bytes, tail: bytes, suffix: str) -> None:
    only_domain_errors(magic + tail, suffix)


@fuzz_settings(60)
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_workbook_bytes(steps: list[tuple[str, float, bytes]]) -> None:
    only_domain_errors(mutate(XLSX_SEED, steps), ".xlsx")


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


XLSX_MEMBERS = _members(XLSX_SEED)
XML_MEMBERS = sorted(n for n in XLSX_MEMBERS if n.endswith(".xml"))
XML_JUNK = [
    b'<c r="XFD1048576"><v>1</v></c>',
    b'<c r="A0"><v>1</v></c>',
    b'<c r="ZZZZZZ99999999999"><v>1</v></c>',
    b'<c t="s"><v>999999</v></c>',
    b'<c t="s"><v>-1</v></c>',
    b'<c t="d"><v>not a date</v></c>',
    b'<c t="n"><v>1e999</v></c>',
    b'<row r="4294967296">',
    b"</sheetData>",
    b'<mergeCell ref="A1:XFD1048576"/>',
    b'<dimension ref="A1:B2"/>',
    b'<si><t xml:space="preserve">',
    b"&amp;&lt;&#0;&#xD800;",
    b"<![CDATA[",
]


@fuzz_settings(80)
@given(
    st.sampled_from(XML_MEMBERS),
    st.lists(
        st.one_of(
            mutation,
            st.tuples(st.just("splice_xml"), st.floats(0, 1), st.sampled_from(XML_JUNK)),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_workbook_xml_inside_a_valid_zip(
    member: str, steps: list[tuple[str, float, bytes]]
) -> None:
    """Mutate one XML part and zip it again, so the damage reaches the XML parser."""
    only_domain_errors(rezip_mutated(member, steps), ".xlsx")


def rezip_mutated(member: str, steps: list[tuple[str, float, bytes]]) -> bytes:
    data = XLSX_MEMBERS[member]
    plain = [s for s in steps if s[0] != "splice_xml"]
    data = mutate(data, plain)
    for _, where, junk in (s for s in steps if s[0] == "splice_xml"):
        i = int(where * len(data))
        data = data[:i] + junk + data[i:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in XLSX_MEMBERS.items():
            zf.writestr(name, data if name == member else content)
    return out.getvalue()


# ------------------------------------------------------------------ the whole import

xml_steps = st.lists(
    st.one_of(
        mutation, st.tuples(st.just("splice_xml"), st.floats(0, 1), st.sampled_from(XML_JUNK))
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.slow
@fuzz_settings(8)
@given(st.sampled_from(CSV_SEEDS), st.lists(mutation, min_size=1, max_size=8))
def test_whole_import_of_mutated_csv_boms(
    seed: bytes, steps: list[tuple[str, float, bytes]]
) -> None:
    only_domain_errors(mutate(seed, steps), ".csv", whole_import=True)


@pytest.mark.slow
@fuzz_settings(8)
@given(st.binary(max_size=2048), st.sampled_from([".csv", ".xlsx"]))
def test_whole_import_of_random_bytes(data: bytes, suffix: str) -> None:
    only_domain_errors(data, suffix, whole_import=True)


@pytest.mark.slow
@fuzz_settings(8)
@given(st.sampled_from(XML_MEMBERS), xml_steps)
def test_whole_import_of_mutated_workbook_xml(
    member: str, steps: list[tuple[str, float, bytes]]
) -> None:
    only_domain_errors(rezip_mutated(member, steps), ".xlsx", whole_import=True)
