"""The log: a rotating file in the user's log folder that names files and counts, never
what is in a BOM."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pytest

from riskapp.core import logsetup
from riskapp.core.errors import InputFileError
from riskapp.core.logsetup import Safe, logging_to_file, redact_text

SECRETS = ["FALCON-7731", "Zyxcorp Confidential", "Project Nightjar", "N99XSECRET"]


def secret_bom(folder: Path) -> Path:
    path = folder / "falcon bom.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Description", "Qty", "Manufacturer", "MPN", "Notes"])
        w.writerow([f"NdFeB magnet {SECRETS[3]} 10x5 mm", "4", SECRETS[1], SECRETS[0], SECRETS[2]])
        w.writerow(["Stepper motor NEMA 17", "2", "StepperOnline", "17HS4401", SECRETS[2]])
    return path


def read_log() -> str:
    folder = logsetup.log_dir()
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("riskapp.log*")))


def test_the_log_lives_in_the_user_log_folder(tmp_path: Path) -> None:
    with logging_to_file() as path:
        logging.getLogger("riskapp.test").info("hello %d", 1)
    assert path == logsetup.log_dir() / "riskapp.log"
    assert path.parent.name == "logs"  # $RISKAPP_USER_DIR/logs (tests/conftest.py sets it)
    assert "hello 1" in path.read_text()
    assert (path.stat().st_mode & 0o077) == 0  # only for this user


def test_without_user_dir_it_uses_the_platform_log_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(logsetup.USER_DIR_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    import platformdirs

    assert logsetup.log_dir() == Path(platformdirs.user_log_dir("riskapp", "riskapp"))
    assert tmp_path in logsetup.log_dir().parents


def test_the_log_rotates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logsetup, "MAX_BYTES", 4_000)
    with logging_to_file():
        log = logging.getLogger("riskapp.test")
        for i in range(400):
            log.info("line %d of a long run with %d items", i, i * 7)
    files = sorted(logsetup.log_dir().glob("riskapp.log*"))
    assert [p.name for p in files] == [
        "riskapp.log",
        "riskapp.log.1",
        "riskapp.log.2",
        "riskapp.log.3",
    ]
    assert all(p.stat().st_size <= 4_200 for p in files)


def test_an_unwritable_log_folder_does_not_stop_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not a folder"
    blocker.write_text("x")
    monkeypatch.setenv(logsetup.USER_DIR_ENV, str(blocker))
    with logging_to_file() as path:
        logging.getLogger("riskapp.test").error("still fine")
    assert path is None
    assert capfd.readouterr().err == ""  # and nothing spills onto the terminal


def test_nothing_reaches_the_terminal_unless_asked(capfd: pytest.CaptureFixture[str]) -> None:
    with logging_to_file():
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("riskapp.test").exception("unexpected error")
    assert capfd.readouterr().err == ""
    assert "Traceback" in read_log()  # the details are in the file, for support


@pytest.mark.slow
def test_no_bom_contents_reach_the_log(tmp_path: Path) -> None:
    from riskapp.cli import run_cli
    from riskapp.core.pipeline import analyse
    from riskapp.core.report import write_report

    bom = secret_bom(tmp_path)
    log = logging.getLogger("riskapp.somewhere")
    with logging_to_file(level=logging.DEBUG):
        analysis = analyse(bom)
        write_report([analysis], tmp_path / "report.xlsx")
        assert run_cli(["inspect", str(bom), "--json", str(tmp_path / "out.json")]) == 0
        # careless logging calls, as a future change might make them
        log.info("mapped header %s to %s", SECRETS[1], "manufacturer")
        log.warning("odd value %r in row %d", SECRETS[0], 3)
        log.info("row values: %s", [SECRETS[2], 4])
        log.info("lines %(n)d, first %(first)s", {"n": 2, "first": SECRETS[3]})
        log.error("error for 'NdFeB %s'", SECRETS[3])
        try:
            float(f"{SECRETS[0]}")
        except ValueError:
            log.exception("could not parse a quantity")
        try:
            raise InputFileError(
                f"the value '{SECRETS[1]}' is not a number.", file=bom, sheet=SECRETS[2], row=2
            )
        except InputFileError as exc:
            log.warning("import problem: %s", exc, exc_info=True)
    text = read_log()
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into the log"
    # what support needs is there: the file name, counts, the code path
    assert "falcon bom.csv" in text
    assert "read falcon bom.csv: csv, 1 sheet(s)" in text
    assert "odd value <text, 11 chars> in row 3" in text and "lines 2" in text
    assert "Traceback" in text and "ValueError" in text and "InputFileError" in text


def test_redaction_rules() -> None:
    assert redact_text("could not convert string to float: 'N52 magnet'") == (
        "could not convert string to float: <text, 10 chars>"
    )
    assert redact_text('KeyError: "Beschreibung"') == "KeyError: <text, 12 chars>"
    assert (
        redact_text("opened 'bom v2 final.xlsx' (3 sheets)")
        == "opened 'bom v2 final.xlsx' (3 sheets)"
    )
    assert redact_text("the buyer's file can't be read") == "the buyer's file can't be read"
    assert logsetup.safe_arg(Safe("xlsx")) == "xlsx"
    assert logsetup.safe_arg("NdFeB N52") == "<text, 9 chars>"
    assert logsetup.safe_arg(Path("/home/a/bom.xlsx")) == "/home/a/bom.xlsx"
    assert logsetup.safe_arg(3.5) == 3.5
    assert logsetup.safe_arg(["x"]) == "<list>"
