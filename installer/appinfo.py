"""What every installer script needs to know: paths, version, names, files to bundle.

Used by the PyInstaller spec, freeze.py, build_deb.py and fill_nsis.py (stdlib only, so
it also runs on a Windows or macOS runner before anything else is installed).
"""

from __future__ import annotations

import os
import platform
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESOURCES = ROOT / "resources"
SAMPLE_BOMS = ROOT / "sample_boms"
DIST = ROOT / "dist"
BUILD = ROOT / "build" / "installer"

APP_DIR_NAME = "riskapp"
"""Name of the one-folder build under dist/ (and of the executable inside it)."""

SELFTEST_SAMPLE = "robot_arm.xlsx"
"""The sample BOM the self-test scores; kept in resources/samples/ so a plain
``pip install`` has it too."""


@dataclass(frozen=True)
class AppInfo:
    name: str
    display_name: str
    version: str
    summary: str
    description: str
    publisher: str
    maintainer: str
    homepage: str
    bundle_id: str
    session_extension: str
    session_mime: str

    @property
    def numeric_version(self) -> tuple[int, int, int, int]:
        """The version as four integers (Windows version resources need them)."""
        parts = [int(p) for p in re.findall(r"\d+", self.version)[:4]]
        return (*parts, 0, 0, 0, 0)[:4]  # type: ignore[return-value]


def package_version() -> str:
    """riskapp's version as this checkout defines it: ``[project] version`` in pyproject.toml
    (what ``riskapp.__version__`` reports once the package is installed)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def check_installed_version(version: str) -> None:
    """Refuse to freeze a stale installation: the frozen code comes from this checkout, but
    the libraries and entry points come from the environment riskapp is installed in."""
    from importlib.metadata import distributions

    found = {d.version for d in distributions(name="riskapp", path=_site_paths())}
    if found != {version}:
        raise SystemExit(
            f"riskapp {version} (pyproject.toml) is not what this Python has installed"
            f" ({', '.join(sorted(found)) or 'nothing'}); run: pip install -e '.[build]'"
        )


def _site_paths() -> list[str]:
    """sys.path without the source tree (whose stale riskapp.egg-info would answer first)."""
    return [p for p in sys.path if p and Path(p).resolve() != ROOT]


def dist_info(folder: Path, info: AppInfo) -> Path:
    """A minimal ``riskapp-<version>.dist-info`` for the frozen app, so that
    ``importlib.metadata.version("riskapp")`` (``riskapp --version``) works there."""
    target = folder / f"riskapp-{info.version}.dist-info"
    target.mkdir(parents=True, exist_ok=True)
    (target / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: riskapp\nVersion: {info.version}\nSummary: {info.summary}\n",
        encoding="utf-8",
    )
    return target


def load() -> AppInfo:
    """installer/metadata.toml, RISKAPP_<KEY> environment overrides and the version."""
    data = tomllib.loads((HERE / "metadata.toml").read_text(encoding="utf-8"))
    values = {k: os.environ.get(f"RISKAPP_{k.upper()}", str(v)).strip() for k, v in data.items()}
    return AppInfo(version=package_version(), **values)


def resource_datas() -> list[tuple[str, str]]:
    """(source file, destination folder) pairs for PyInstaller: every file of resources/
    (the package ``riskapp.resources``) plus the sample BOMs, at the paths
    ``importlib.resources.files("riskapp.resources")`` resolves to in the frozen app."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(RESOURCES.rglob("*")):
        rel = path.relative_to(RESOURCES)
        if (
            path.is_dir()
            or path.suffix in (".py", ".pyc")
            or "__pycache__" in rel.parts
            or path.name.startswith(".")
        ):
            continue
        pairs.append((str(path), str(Path("riskapp", "resources", *rel.parts[:-1]))))
    # the user guide for Help (riskapp.gui.help looks in riskapp.resources/docs first) and
    # the 1366x768 screenshots it links to
    docs = ROOT / "docs"
    pairs.append((str(docs / "user-guide.md"), str(Path("riskapp", "resources", "docs"))))
    for shot in sorted((docs / "screenshots").glob("*-1366x768.png")):
        pairs.append((str(shot), str(Path("riskapp", "resources", "docs", "screenshots"))))
    samples_dest = str(Path("riskapp", "resources", "samples"))
    bundled = {Path(src).name for src, dest in pairs if dest == samples_dest}
    for path in sample_bom_files():
        if path.name not in bundled:
            pairs.append((str(path), samples_dest))
    return pairs


def sample_bom_files() -> list[Path]:
    """The example BOMs users can open from the installed app (not the label files)."""
    keep = [
        p
        for p in sorted(SAMPLE_BOMS.iterdir())
        if p.suffix in (".xlsx", ".csv") and not p.name.endswith(".labels.csv")
    ]
    readme = SAMPLE_BOMS / "README.md"
    return [*keep, readme] if readme.exists() else keep


def sync_selftest_sample() -> None:
    """Copy the self-test sample from sample_boms/ into resources/samples/ if it changed."""
    src = SAMPLE_BOMS / SELFTEST_SAMPLE
    dst = RESOURCES / "samples" / SELFTEST_SAMPLE
    if src.exists() and (not dst.exists() or dst.read_bytes() != src.read_bytes()):
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes())
        print(f"updated {dst.relative_to(ROOT)} from {src.relative_to(ROOT)}")


# Parts of the dependencies the app never loads, left out of the frozen build (matched
# against a bundle or source path with forward slashes). Qt: QML/Quick, PDF, WebEngine,
# the virtual keyboard, Wayland (Qt falls back to X11/XWayland), designer, SQL, the GTK 3
# theme (it drags in GTK, cairo and pango) and translations the app does not load.
# pyarrow: Flight, the cloud filesystems, ORC, CUDA, tests, headers and Cython sources.
QT_UNUSED = re.compile(
    r"(^|/)(lib)?Qt6?(Qml|Quick|Pdf|WebEngine|VirtualKeyboard|Designer|Help|Labs|Lottie"
    r"|Wayland|Wl|Test|UiTools|Sql|Multimedia|Positioning|Sensors|SerialPort|Bluetooth|Nfc"
    r"|3D|RemoteObjects|Scxml|StateMachine|TextToSpeech"
    r"|WebChannel|WebSockets|WebView|SpatialAudio|HttpServer|Location|ShaderTools"
    r"|VectorImage|EglFS|EglFsKms)[^/]*$"
    r"|PySide6/(Qt/)?(qml|translations)/"
    r"|PySide6/(Qt/)?plugins/(qmltooling|designer|sqldrivers|wayland-[^/]*|egldeviceintegrations"
    r"|vectorimageformats|networkinformation|tls|generic)/"
    r"|PySide6/(Qt/)?plugins/platforms/[^/]*(eglfs|minimalegl|linuxfb|vnc|vkkhrdisplay|wayland)"
    r"|PySide6/(Qt/)?plugins/imageformats/[^/]*qpdf"
    r"|PySide6/(Qt/)?plugins/platformthemes/[^/]*gtk3",
    re.IGNORECASE,
)
PYARROW_UNUSED = re.compile(
    r"pyarrow/(libarrow_flight|libarrow_python_flight|libarrow_s3|libarrow_gcsfs"
    r"|libarrow_azurefs|_flight|_s3fs|_gcsfs|_azurefs|_hdfs|_orc|_dataset_orc|_cuda"
    r"|libarrow_cuda|_pyarrow_cpp_tests|tests/|include/|src/|.*\.(pyx|pxd|pxi|h|cc|cmake)$)"
    r"|pyarrow/libarrow_python[^/]*\.so(\.\d+\.\d+\.\d+)?$",  # the linked one is .so.NNNN
    re.IGNORECASE,
)


# Linux system libraries the frozen app takes from the system instead of bundling the build
# machine's copies (the .deb depends on their packages): an older bundled libstdc++ breaks
# the system's GL drivers, an older fontconfig warns about the system's newer config files,
# and an older GLib fails to load the system's GIO modules.
LINUX_FROM_SYSTEM = re.compile(
    r"^lib(stdc\+\+|gcc_s|fontconfig|freetype|glib-2\.0|gobject-2\.0|gio-2\.0|gmodule-2\.0"
    r"|gthread-2\.0)\.so"
)


def unused_in_bundle(path: str) -> bool:
    """True for a file of Qt or pyarrow the frozen app never loads."""
    path = path.replace("\\", "/")
    return bool(QT_UNUSED.search(path) or PYARROW_UNUSED.search(path))


def frozen_dir() -> Path:
    """Where PyInstaller puts the one-folder build."""
    return DIST / APP_DIR_NAME


def frozen_executable(folder: Path | None = None, *, console: bool = True) -> Path:
    """The executable inside a one-folder build (on Windows the console twin for scripts)."""
    folder = folder or frozen_dir()
    if sys.platform == "win32":
        return folder / ("riskapp-cli.exe" if console else "riskapp.exe")
    return folder / APP_DIR_NAME


def deb_architecture() -> str:
    """Debian's name for this machine's architecture."""
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf", "i686": "i386"}.get(
        machine, machine
    )
