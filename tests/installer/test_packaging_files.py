"""Quick checks of the packaging files and the self-test (run by `make test`, no building).

The slow end-to-end test that builds and installs the .deb is test_deb_package.py.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import struct
import sys
from pathlib import Path

import pytest

import riskapp
from riskapp import selftest
from riskapp.__main__ import main as riskapp_main

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"
sys.path.insert(0, str(INSTALLER))
import appinfo  # noqa: E402
import build_deb  # noqa: E402
import fill_nsis  # noqa: E402
import make_icons  # noqa: E402

OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def test_workflow_copy_is_identical() -> None:
    source = INSTALLER / "ci" / "build-installers.yml"
    copy = ROOT / ".github" / "workflows" / "build-installers.yml"
    assert copy.read_bytes() == source.read_bytes(), (
        f"copy {source.relative_to(ROOT)} to {copy.relative_to(ROOT)}"
    )


def test_version_comes_from_the_package() -> None:
    assert appinfo.load().version == riskapp.__version__


def test_self_test_sample_is_the_sample_bom() -> None:
    bundled = ROOT / "resources" / "samples" / appinfo.SELFTEST_SAMPLE
    source = ROOT / "sample_boms" / appinfo.SELFTEST_SAMPLE
    assert bundled.read_bytes() == source.read_bytes(), (
        f"resources/samples is stale: copy {source.relative_to(ROOT)} there (make installer does)"
    )


def test_bundle_carries_every_resource_and_the_sample_boms() -> None:
    pairs = appinfo.resource_datas()
    dests = {Path(dest, Path(src).name).as_posix() for src, dest in pairs}
    for rel in ("reference/elements.csv", "import/header_synonyms.csv", "icons/riskapp.png"):
        assert f"riskapp/resources/{rel}" in dests
    assert "riskapp/resources/riskapp.desktop" in dests
    assert any(d.startswith("riskapp/resources/scenarios/") for d in dests)
    for name in ("robot_arm.xlsx", "ebike.xlsx", "kicad_pcb.csv", "README.md"):
        assert f"riskapp/resources/samples/{name}" in dests
    assert not any(d.endswith(".labels.csv") or d.endswith(".py") for d in dests)
    # Help shows the user guide in the installed app too (riskapp.gui.help.guide_path)
    assert "riskapp/resources/docs/user-guide.md" in dests
    assert "riskapp/resources/docs/screenshots/lines-1366x768.png" in dests


@pytest.mark.parametrize(
    ("path", "unused"),
    [
        ("PySide6/Qt/lib/libQt6Core.so.6", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", False),
        ("PySide6/Qt/lib/libQt6Svg.so.6", False),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", False),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", False),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", False),
        ("PySide6\\plugins\\platforms\\qwindows.dll", False),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", False),
        ("PySide6/Qt6Widgets.dll", False),
        ("PySide6/Qt/lib/libQt6Qml.so.6", True),
        ("PySide6/Qt/lib/libQt6Quick.so.6", True),
        ("PySide6\\Qt6Pdf.dll", True),
        ("PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick", True),
        ("PySide6/Qt/plugins/platforms/libqwayland-egl.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True),
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6\\translations\\qtbase_de.qm", True),
        ("PySide6\\plugins\\imageformats\\qpdf.dll", True),
        ("PySide6\\opengl32sw.dll", False),  # software GL for VMs and remote desktops
        ("pyarrow/libarrow_flight.so.2600", True),
        ("pyarrow/libarrow.so.2600", False),
    ],
)
def test_bundle_filter(path: str, unused: bool) -> None:
    assert appinfo.unused_in_bundle(path) is unused


def test_deb_depends_on_the_qt_libraries_the_makefile_installs() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    block = re.search(r"^QT_DEBS := (.*?)(?<!\\)\n", makefile, re.S | re.M)
    assert block is not None
    qt_debs = set(block.group(1).replace("\\", " ").split())
    assert qt_debs <= set(build_deb.DEPENDS)


def test_desktop_entry() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(ROOT / "resources" / "riskapp.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    info = appinfo.load()
    assert desktop["Type"] == "Application"
    assert desktop["Exec"] == "riskapp %F"
    assert desktop["Icon"] == "riskapp"
    mimes = desktop["MimeType"].rstrip(";").split(";")
    assert info.session_mime in mimes
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in mimes
    assert "text/csv" in mimes


def test_icons_are_there_in_every_format() -> None:
    icons = ROOT / "resources" / "icons"
    png = (icons / "riskapp.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (256, 256)
    ico = (icons / "riskapp.ico").read_bytes()
    assert struct.unpack("<HHH", ico[:6]) == (0, 1, len(make_icons.ICO_SIZES))
    assert (icons / "riskapp.icns").read_bytes()[:4] == b"icns"
    assert "<svg" in (icons / "riskapp.svg").read_text(encoding="utf-8")


def test_nsis_template_fills_every_placeholder(tmp_path: Path) -> None:
    info = appinfo.load()
    text = fill_nsis.fill(
        fill_nsis.TEMPLATE.read_text(encoding="utf-8"),
        fill_nsis.values_for(info, tmp_path / "payload", tmp_path / "setup.exe"),
    )
    assert f'!define APP_VERSION "{info.version}"' in text
    assert f'!define APP_PUBLISHER "{fill_nsis.nsis_string(info.publisher)}"' in text
    assert not re.search(r"@[A-Z][A-Z0-9_]*@", text)


def test_nsis_string_escapes_quotes_and_dollars() -> None:
    assert fill_nsis.nsis_string('ACME "Procurement" $1') == 'ACME $\\"Procurement$\\" $$1'


def test_nsis_script_compiles(tmp_path: Path) -> None:
    if shutil.which("makensis") is None:
        if os.environ.get("CI") == "true" and os.environ.get("RISKAPP_INSTALLER_TESTS") == "1":
            pytest.fail("makensis is missing; `make installer-test` installs Debian's nsis")
        pytest.skip("makensis (Debian: nsis) is not installed")
    payload = fill_nsis.stub_payload(tmp_path / "riskapp")
    setup = tmp_path / "riskapp-setup.exe"
    script = tmp_path / "riskapp.nsi"
    script.write_text(
        fill_nsis.fill(
            fill_nsis.TEMPLATE.read_text(encoding="utf-8"),
            fill_nsis.values_for(appinfo.load(), payload, setup),
        ),
        encoding="utf-8",
    )
    fill_nsis.makensis(script)  # warnings are errors (-WX)
    assert setup.read_bytes()[:2] == b"MZ"


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_self_test_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert riskapp_main(["--self-test"]) == 0
    out, err = capsys.readouterr()
    assert out.rstrip().endswith("self-test passed")
    for label in ("sample", "score", "report", "window", "seconds"):
        assert re.search(rf"^  {label} ", out, re.M), out
    assert "robot_arm.xlsx: " in out
    assert not err.strip(), err


def test_self_test_failure_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert riskapp_main(["--self-test", "--sample", str(tmp_path / "missing.xlsx")]) == 1
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert err.startswith("riskapp self-test failed (sample): ")


def test_self_test_reports_an_unreadable_bom(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 a truncated download")
    assert selftest.main(["--sample", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("riskapp self-test failed (score): bad.xlsx: ")
