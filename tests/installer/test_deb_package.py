"""The Linux package end to end, as a user's machine sees it.

Builds the .deb from this checkout (PyInstaller freeze + frozen self-test + dpkg-deb),
installs it with ``dpkg -i``, runs ``riskapp --self-test`` and ``riskapp score`` from
outside the source tree with ``env -i PATH=/usr/bin:/bin`` (no virtual environment, no
Python on the way), opens the window offscreen and saves a screenshot, measures the cold
start, then ``dpkg -r`` and checks nothing is left in /opt/riskapp or /usr/bin.

Marked ``installer`` (see conftest.py): needs root, dpkg and PyInstaller and skips with the
reason when one is missing — except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_boms" / "ebike.xlsx"
"""Scored through the CLI and shown in the screenshot (the self-test uses robot_arm)."""

LAUNCHER = Path("/usr/bin/riskapp")
INSTALL_DIR = Path("/opt/riskapp")
PACKAGE_FILES = (
    LAUNCHER,
    INSTALL_DIR,
    Path("/usr/share/applications/riskapp.desktop"),
    Path("/usr/share/mime/packages/riskapp.xml"),
    Path("/usr/share/icons/hicolor/256x256/apps/riskapp.png"),
    Path("/usr/share/icons/hicolor/48x48/apps/riskapp.png"),
    Path("/usr/share/icons/hicolor/scalable/apps/riskapp.svg"),
    Path("/usr/share/doc/riskapp"),
)
INSTALLED_LIMIT_MB = 250
SCREENSHOT_DELAY_S = 0.25  # riskapp.gui.app.SCREENSHOT_DELAY_MS: the pause before the grab
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"
SCREENSHOT_COPY = ROOT / "build" / "installer" / "installed-window.png"

pytestmark = [pytest.mark.installer, pytest.mark.timeout(1800)]


def _missing_prerequisite() -> str | None:
    if not sys.platform.startswith("linux"):
        return "Debian packages are built and installed on Linux"
    if shutil.which("dpkg") is None or shutil.which("dpkg-deb") is None:
        return "dpkg/dpkg-deb are not installed"
    if os.geteuid() != 0:
        return "installing a .deb with dpkg -i needs root"
    if importlib.util.find_spec("PyInstaller") is None:
        return "PyInstaller is not installed (pip install -e '.[build]')"
    return None


def _require_prerequisites() -> None:
    reason = _missing_prerequisite()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"the installer test must run in CI but cannot: {reason}")
    pytest.skip(reason)


def _package_state() -> str:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", "riskapp"], capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def _explain(done: subprocess.CompletedProcess[str]) -> str:
    cmd = " ".join(str(a) for a in done.args)
    return f"`{cmd}` exited {done.returncode}\n--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}"


def _stderr_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and OFFSCREEN_NOISE not in line]


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory, installer_report: dict[str, str]) -> Path:
    """The .deb built from this checkout (freeze, frozen self-test, package)."""
    _require_prerequisites()
    base = tmp_path_factory.mktemp("deb-build")
    t = time.perf_counter()
    done = _run(
        [
            sys.executable,
            str(ROOT / "installer" / "build_deb.py"),
            "--work",
            str(base / "work"),
            "--out",
            str(base / "out"),
        ],
        cwd=ROOT,
        timeout=1500,
    )
    seconds = time.perf_counter() - t
    assert done.returncode == 0, _explain(done)
    metrics = json.loads((base / "work" / "deb.json").read_text(encoding="utf-8"))
    path = Path(metrics["deb"])
    installer_report["build"] = (
        f"{seconds:.0f} s in all (PyInstaller {metrics['freeze_seconds']} s, frozen self-test"
        f" {metrics['self_test_seconds']} s, dpkg-deb {metrics['package_seconds']} s)"
    )
    installer_report[".deb size"] = f"{metrics['deb_mb']} MB ({path.name})"
    installer_report["installed size"] = (
        f"{metrics['installed_mb']} MB (one-folder build {metrics['size_mb']} MB;"
        f" target < {INSTALLED_LIMIT_MB} MB)"
    )
    installer_report["frozen self-test"] = metrics["self_test_output"]
    return path


@pytest.fixture(scope="module")
def installed(deb: Path) -> Iterator[Path]:
    """The package installed with dpkg -i; removed again at the end if a test did not."""
    if "ok installed" in _package_state():  # left over from an interrupted run
        subprocess.run(["dpkg", "-r", "riskapp"], capture_output=True, check=False)
    done = _run(["dpkg", "-i", str(deb)], timeout=600)
    assert done.returncode == 0, _explain(done)
    try:
        yield deb
    finally:
        if "ok installed" in _package_state():
            subprocess.run(["dpkg", "-r", "riskapp"], capture_output=True, check=False)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh user's home folder, outside the source tree, holding a copy of a sample BOM."""
    folder = tmp_path_factory.mktemp("user-home")
    assert ROOT not in folder.parents
    shutil.copyfile(SAMPLE, folder / SAMPLE.name)
    return folder


def riskapp(
    home: Path, *args: str, timeout: float = 600, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the installed riskapp as a user without Python would: `env -i`, cwd = home."""
    assignments = [
        f"{k}={v}" for k, v in {"PATH": "/usr/bin:/bin", "HOME": str(home), **env}.items()
    ]
    return _run(["env", "-i", *assignments, str(LAUNCHER), *args], cwd=home, timeout=timeout)


def test_package_is_small_enough_and_complete(deb: Path) -> None:
    done = _run(["dpkg-deb", "--field", str(deb), "Installed-Size", "Depends"])
    assert done.returncode == 0, _explain(done)
    fields = dict(line.split(": ", 1) for line in done.stdout.strip().splitlines())
    assert int(fields["Installed-Size"]) * 1024 / 1e6 < INSTALLED_LIMIT_MB
    assert "fonts-dejavu-core" in fields["Depends"]
    listing = _run(["dpkg-deb", "--contents", str(deb)]).stdout
    for path in PACKAGE_FILES:
        assert f".{path}" in listing, f"{path} is not in the package"


def test_install_puts_files_in_place(installed: Path) -> None:
    assert "ok installed" in _package_state()
    assert os.access(INSTALL_DIR / "riskapp", os.X_OK)
    assert os.access(LAUNCHER, os.X_OK)
    for path in PACKAGE_FILES:
        assert path.exists(), f"{path} was not installed"
    guide = list(INSTALL_DIR.rglob("resources/docs/user-guide.md"))
    assert guide, "the user guide (Help) is not in the package"
    if shutil.which("desktop-file-validate"):
        done = _run(["desktop-file-validate", "/usr/share/applications/riskapp.desktop"])
        assert done.returncode == 0 and not done.stdout.strip(), _explain(done)
    globs = Path("/usr/share/mime/globs2")
    if shutil.which("update-mime-database") and globs.exists():  # shared-mime-info's trigger
        assert "*.riskapp" in globs.read_text(encoding="utf-8")


def test_self_test_of_the_installed_app(
    installed: Path, home: Path, installer_report: dict[str, str]
) -> None:
    done = riskapp(home, "--self-test")
    assert done.returncode == 0, _explain(done)
    assert "self-test passed" in done.stdout
    assert "frozen build" in done.stdout, "the installed app is not the frozen build"
    assert not _stderr_lines(done.stderr), _explain(done)
    installer_report["installed self-test"] = done.stdout


def test_score_from_outside_the_source_tree(installed: Path, home: Path) -> None:
    report = home / "reports" / "ebike_report.xlsx"
    report.parent.mkdir()
    done = riskapp(home, "score", SAMPLE.name, "-o", str(report))
    assert done.returncode == 0, _explain(done)
    assert "Traceback" not in done.stderr, _explain(done)
    assert zipfile.is_zipfile(report), f"{report} is not a workbook"
    with zipfile.ZipFile(report) as book:
        assert any(n.startswith("xl/worksheets/sheet") for n in book.namelist())


def test_window_opens_fast_and_draws(
    installed: Path, home: Path, installer_report: dict[str, str]
) -> None:
    cold = _drop_page_cache()
    t = time.perf_counter()
    done = riskapp(home, "--screenshot", str(home / "empty.png"), QT_QPA_PLATFORM="offscreen")
    first = time.perf_counter() - t
    assert done.returncode == 0, _explain(done)
    t = time.perf_counter()
    done = riskapp(home, "--screenshot", str(home / "empty.png"), QT_QPA_PLATFORM="offscreen")
    warm = time.perf_counter() - t
    assert done.returncode == 0, _explain(done)
    installer_report["start to window"] = (
        f"{first - SCREENSHOT_DELAY_S:.2f} s {'cold (page cache dropped)' if cold else 'first run'},"
        f" {warm - SCREENSHOT_DELAY_S:.2f} s warm (wall time of `riskapp --screenshot`, including"
        f" exit, minus its {SCREENSHOT_DELAY_S} s paint delay)"
    )

    shot = home / "window.png"
    done = riskapp(home, SAMPLE.name, "--screenshot", str(shot), QT_QPA_PLATFORM="offscreen")
    assert done.returncode == 0, _explain(done)
    assert not _stderr_lines(done.stderr), _explain(done)
    width, height, colours = _image_stats(shot)
    assert width >= 640 and height >= 400, f"screenshot is only {width}x{height}"
    assert colours >= 8, "the screenshot is (nearly) blank"
    SCREENSHOT_COPY.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT_COPY)
    installer_report["screenshot"] = f"{SCREENSHOT_COPY} ({width}x{height})"


def test_removal_leaves_nothing_behind(installed: Path) -> None:
    done = _run(["dpkg", "-r", "riskapp"], timeout=600)
    assert done.returncode == 0, _explain(done)
    left = [str(p) for p in PACKAGE_FILES if p.exists() or p.is_symlink()]
    assert not left, f"left after dpkg -r: {left}"
    assert "installed" not in _package_state().replace("not-installed", "")


def _drop_page_cache() -> bool:
    """Empty the kernel's page cache so the next start reads from disk (root only)."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n", encoding="ascii")
    except OSError:
        return False
    return True


def _image_stats(path: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct colours on a grid of sample points."""
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not an image"
    w, h = image.width(), image.height()
    colours = {
        image.pixel(x, y)
        for x in range(0, w, max(1, w // 40))
        for y in range(0, h, max(1, h // 40))
    }
    return w, h, len(colours)
