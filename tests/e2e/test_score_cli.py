"""End to end: `riskapp score` on the sample BOMs, the report re-read as a buyer would."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import SAMPLE_BOMS

SAMPLES = sorted(
    p for p in SAMPLE_BOMS.glob("*") if p.suffix in (".xlsx", ".csv") and ".labels" not in p.name
)


def run(*args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "riskapp", *args], capture_output=True, text=True, timeout=timeout
    )


def load(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl drops data-bar extensions
        return openpyxl.load_workbook(path)


@pytest.mark.parametrize("bom", SAMPLES, ids=lambda p: p.name)
def test_score_writes_a_report_that_matches_the_core(bom: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(bom.read_bytes()).hexdigest()
    out = tmp_path / "report.xlsx"
    js = tmp_path / "score.json"
    proc = run("score", str(bom), "-o", str(out), "--json", str(js), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert hashlib.sha256(bom.read_bytes()).hexdigest() == before  # source untouched
    doc = json.loads(js.read_text(encoding="utf-8"))
    for key in ("riskapp_version", "scenario", "evaluation_date", "bom", "lines"):
        assert key in doc
    assert doc["bom"]["grade"] in "ABCDEF"
    for line in doc["lines"]:
        for key in (
            "sheet",
            "row",
            "description_column",
            "description",
            "quantity",
            "extended_quantity",
            "rare_earth",
            "confidence",
            "re_class",
            "archetype",
            "elements_g_per_unit",
            "score",
            "band",
            "evidence",
        ):
            assert key in line, key
        assert isinstance(line["rare_earth"], bool)
        assert line["confidence"] in ("high", "medium", "low")
        assert 0 <= line["score"] <= 100
        if not line["rare_earth"]:
            assert line["score"] == 0
    wb = load(out)
    assert wb.sheetnames[:2] == ["Summary", "Lines"]
    for name in ("Exposure", "Advice", "Assumptions", "Data issues"):
        assert name in wb.sheetnames
    ws = wb["Lines"]
    headers = [c.value for c in ws[1]]
    assert {"Sheet", "Row", "Description", "Score", "Band", "Rare earth", "Evidence (tags)"} <= set(
        headers
    )
    assert ws.tables, "the Lines sheet is an Excel table"
    assert ws.freeze_panes == "G2"
    assert ws.max_row == len(doc["lines"]) + 1
    col = {h: i for i, h in enumerate(headers)}
    for i, line in enumerate(doc["lines"][:40], start=2):
        row = [c.value for c in ws[i]]
        assert row[col["Row"]] == line["row"]
        assert row[col["Description"]] == (line["description"] or None)
        assert row[col["Score"]] == pytest.approx(line["score"])
        assert row[col["Band"]] == line["band"]
    for sheet in wb.worksheets:  # no formula anywhere: user text is data
        for r in sheet.iter_rows():
            for c in r:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)


def test_formula_injection_is_written_as_text(tmp_path: Path) -> None:
    bom = tmp_path / "hostile.csv"
    evil = [
        '=HYPERLINK("http://evil.example","click")',
        "+1 spare bracket",
        "-2 mm shim",
        "@SUM(A1:A9) cable",
        "=1+1 neodymium magnet N52 10x5x2",
    ]
    rows = ["Description,Qty,Manufacturer"] + [
        f'"{d.replace(chr(34), chr(34) * 2)}",1,"=cmd|\' /C calc\'!A0"' for d in evil
    ]
    bom.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    csv_out = tmp_path / "lines.csv"
    proc = run("score", str(bom), "-o", str(out), "--csv", str(csv_out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    ws = load(out)["Lines"]
    headers = [c.value for c in ws[1]]
    d, m = headers.index("Description"), headers.index("Manufacturer")
    got = [(ws.cell(i, d + 1), ws.cell(i, m + 1)) for i in range(2, 2 + len(evil))]
    assert [c.value for c, _ in got] == evil
    for desc, mfr in got:
        assert desc.data_type == "s" and mfr.data_type == "s"
    text = csv_out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1 spare" in text and "'@SUM" in text and "'-2 mm" in text


def test_two_scenarios_print_deltas_and_add_a_comparison_sheet(tmp_path: Path) -> None:
    bom = SAMPLE_BOMS / "robot_arm.xlsx"
    out = tmp_path / "cmp.xlsx"
    proc = run(
        "score", str(bom), "--scenario", "baseline", "--scenario", "dy_tb_price_x3", "-o", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert "compared with 'baseline'" in proc.stdout
    assert "Scenario comparison" in load(out).sheetnames


def test_two_scenarios_in_json(tmp_path: Path) -> None:
    """The comparison in the JSON names its dates as text (it was an internal error)."""
    bom = SAMPLE_BOMS / "robot_arm.xlsx"
    out = tmp_path / "cmp.json"
    proc = run(
        "score", str(bom), "--scenario", "baseline", "--scenario", "permits_denied_6m",
        "--date", "2026-11-30", "--json", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    (comparison,) = doc["scenario_comparison"]
    assert comparison["scenario"] == "permits_denied_6m"
    assert comparison["bom"]["evaluation_date"] == {
        "a": "2026-11-30",
        "b": "2026-11-30",
        "delta": None,
    }
    assert comparison["bom"]["bom_score"]["delta"] > 0, "denied permits raise the score"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "line,RX-10!12,re_class,ndfeb_sinterd\n",
            "overrides.csv, row 2, column value: override for re_class: 'ndfeb_sinterd' is not",
        ),
        ("line,12,origin_magnet,Germny\n", "'Germny' is not a country"),
        ("line,12,magnet_mass_g,-3\n", "'-3' is not grams"),
    ],
)
def test_an_override_value_that_cannot_be_used_is_a_clear_error(
    tmp_path: Path, rows: str, message: str
) -> None:
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("scope,key,field,value\n" + rows, encoding="utf-8")
    proc = run("score", str(SAMPLE_BOMS / "robot_arm.xlsx"), "--overrides", str(overrides))
    assert proc.returncode == 1, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_overrides_without_their_header_or_matching_nothing(tmp_path: Path) -> None:
    bom = str(SAMPLE_BOMS / "robot_arm.xlsx")
    headless = tmp_path / "headless.csv"
    headless.write_text("line,12,grade,N52\n", encoding="utf-8")
    proc = run("score", bom, "--overrides", str(headless))
    assert proc.returncode == 1 and "headless.csv, row 1" in proc.stderr, proc.stderr
    assert "no scope, key, field, value column" in proc.stderr
    stray = tmp_path / "stray.csv"
    stray.write_text(
        "scope,key,field,value\nmanufacturer,Nobody Inc,grade,N52\nline,RX-10!12,grade,N52\n",
        encoding="utf-8",
    )
    proc = run("score", bom, "--overrides", str(stray), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "the override manufacturer 'Nobody Inc' (grade) matches no line" in proc.stderr
    assert "RX-10!12" not in proc.stderr


@pytest.mark.parametrize("text", ["[1, 2]", '"abc"', '{"overrides": 5}', "null"])
def test_an_overrides_json_of_the_wrong_shape_is_a_clear_error(tmp_path: Path, text: str) -> None:
    overrides = tmp_path / "overrides.json"
    overrides.write_text(text, encoding="utf-8")
    proc = run("score", str(SAMPLE_BOMS / "robot_arm.xlsx"), "--overrides", str(overrides))
    assert proc.returncode == 1, proc.stderr  # was an internal error (exit 4)
    assert "overrides.json: the overrides file must hold a list of objects" in proc.stderr


def test_portfolio_of_two_boms(tmp_path: Path) -> None:
    out = tmp_path / "p.xlsx"
    proc = run(
        "score",
        str(SAMPLE_BOMS / "robot_arm.xlsx"),
        str(SAMPLE_BOMS / "ebike.xlsx"),
        "-o",
        str(out),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    wb = load(out)
    assert wb.sheetnames[0] == "Portfolio"
    assert {"Lines 1", "Lines 2"} <= set(wb.sheetnames)


def test_cli_errors_and_exit_codes(tmp_path: Path) -> None:
    missing = run("score", str(tmp_path / "nope.xlsx"))
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    bad = run("score")
    assert bad.returncode == 1
    unknown = run("score", str(SAMPLE_BOMS / "robot_arm.xlsx"), "--scenario", "no_such_scenario")
    assert unknown.returncode == 1, unknown.stderr
    assert "Traceback" not in unknown.stderr
    assert run("scenarios").returncode == 0
    ref = run("reference", "--validate")
    assert ref.returncode == 0 and "valid" in ref.stdout


def test_safety_limits_can_be_set_on_the_command_line() -> None:
    bom = str(SAMPLE_BOMS / "robot_arm.xlsx")
    tight = run("inspect", bom, "--max-cells", "10")
    assert tight.returncode == 2, tight.stderr
    assert "above the limit of 10 cells (setting: max cells)" in tight.stderr
    assert run("score", bom, "--max-cells", "100000", "--quiet").returncode == 0
    bad = run("score", bom, "--max-memory-mb", "0")
    assert bad.returncode == 1 and "--max-memory-mb must be above 0" in bad.stderr
    assert "Traceback" not in tight.stderr + bad.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="libreoffice is not installed")
def test_report_converts_to_pdf(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    assert run("score", str(SAMPLE_BOMS / "ebike.xlsx"), "-o", str(out), "--quiet").returncode == 0
    proc = subprocess.run(
        ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0 and (tmp_path / "r.pdf").stat().st_size > 10_000
