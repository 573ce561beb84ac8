"""Build the Debian/Ubuntu package: dist/riskapp_<version>_<arch>.deb.

    python installer/build_deb.py                  # freeze + self-test, then package
    python installer/build_deb.py --frozen dist/riskapp   # package an existing build

What the package installs:

    /opt/riskapp/                        the one-folder PyInstaller build (no Python needed)
    /usr/bin/riskapp                     launcher: `riskapp`, `riskapp score ...`, `--self-test`
    /usr/share/applications/riskapp.desktop          menu entry, "Open with" for BOMs
    /usr/share/icons/hicolor/{48x48,256x256,scalable}/apps/riskapp.{png,svg}
    /usr/share/mime/packages/riskapp.xml             *.riskapp session files
    /usr/share/doc/riskapp/copyright

The desktop, icon and MIME caches are refreshed by dpkg triggers of desktop-file-utils,
hicolor-icon-theme and shared-mime-info, so the package has no maintainer scripts and no
conffiles: `dpkg -r riskapp` removes every file and leaves no "config-files" state behind
(the frozen app never writes into /opt/riskapp). Per-user settings and logs
(~/.config/riskapp, ~/.local/state/riskapp) stay, as Debian policy wants.

Needs dpkg-deb (Debian/Ubuntu); no root, no fakeroot (uses --root-owner-group).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import appinfo

INSTALL_DIR = "/opt/riskapp"

DEPENDS = (
    # Qt's offscreen and X11 platforms (the PyPI wheels bundle Qt, not these)
    "libegl1",
    "libgl1",
    "libx11-6",
    "libdbus-1-3",
    "libfontconfig1",
    "libfreetype6",
    "libglib2.0-0",
    "libxkbcommon0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-render-util0",
    "libxcb-render0",
    "libxcb-shape0",
    "libxcb-util1",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
    # taken from the system rather than bundled (appinfo.LINUX_FROM_SYSTEM)
    "libstdc++6",
    "libgcc-s1",
    # without a font every character is drawn as a box
    "fonts-dejavu-core",
)
RECOMMENDS = ("shared-mime-info", "desktop-file-utils", "hicolor-icon-theme")

LAUNCHER = """#!/bin/sh
# riskapp launcher, installed by the riskapp package: runs the self-contained build in
# {install_dir}. `riskapp` opens the app, `riskapp score BOM.xlsx -o report.xlsx` runs the
# command line, `riskapp --self-test` checks the installation.
# Qt needs a UTF-8 locale; a bare environment (cron, `env -i`) has none, so use C.UTF-8.
case "${{LC_ALL:-${{LC_CTYPE:-${{LANG:-}}}}}}" in
  "" | C | POSIX)
    if [ -n "${{LC_ALL:-}}" ]; then export LC_ALL=C.UTF-8; else export LC_CTYPE=C.UTF-8; fi
    ;;
esac
exec {install_dir}/riskapp "$@"
"""

MIME_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- riskapp session files (saved working state: source file hash, column mapping,
     overrides, scenario). Spreadsheets keep their usual types; the .desktop entry lists
     them so riskapp appears under "Open with". -->
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{mime}">
    <comment>riskapp session</comment>
    <sub-class-of type="application/json"/>
    <icon name="riskapp"/>
    <glob pattern="*.{ext}"/>
  </mime-type>
</mime-info>
"""

COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: riskapp
Source: {homepage}

Files: opt/riskapp/*
Copyright: {publisher}
License: Proprietary
 riskapp itself is proprietary. The folder also holds third-party components under their
 own licences: Python (PSF-2.0), Qt and PySide6 (LGPL-3.0, as unmodified shared
 libraries), numpy and pandas (BSD-3-Clause), openpyxl and python-calamine (MIT),
 XlsxWriter (BSD-2-Clause), platformdirs (MIT).
"""


class DebError(Exception):
    """Packaging failed; the message says why."""


def stage(frozen: Path, root: Path, info: appinfo.AppInfo) -> None:
    """Lay out the package's files under *root* (the future /)."""
    if root.exists():
        shutil.rmtree(root)
    opt = root / INSTALL_DIR.lstrip("/")
    shutil.copytree(frozen, opt, symlinks=True)
    icons = appinfo.RESOURCES / "icons"
    share = root / "usr" / "share"
    desktop = (appinfo.RESOURCES / "riskapp.desktop").read_text(encoding="utf-8")
    if info.session_mime not in desktop:
        raise DebError(f"resources/riskapp.desktop does not list {info.session_mime}")
    files = {
        root / "usr/bin/riskapp": LAUNCHER.format(install_dir=INSTALL_DIR),
        share / "applications/riskapp.desktop": desktop,
        share / "mime/packages/riskapp.xml": MIME_XML.format(
            mime=info.session_mime, ext=info.session_extension
        ),
        share / "doc/riskapp/copyright": COPYRIGHT.format(
            homepage=info.homepage, publisher=info.publisher
        ),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "usr/bin/riskapp").chmod(0o755)
    for size, name in (("48x48", "riskapp-48.png"), ("256x256", "riskapp.png")):
        target = share / "icons/hicolor" / size / "apps/riskapp.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(icons / name, target)
    scalable = share / "icons/hicolor/scalable/apps/riskapp.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(icons / "riskapp.svg", scalable)
    _normalise_modes(root)


def _normalise_modes(root: Path) -> None:
    """0755 folders and executables, 0644 other files (whatever the umask was)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            executable = path.stat().st_mode & 0o111
            path.chmod(0o755 if executable else 0o644)


def installed_size_kib(root: Path) -> int:
    """Installed-Size as dpkg computes it: KiB of the files, rounded up per file."""
    total = 0
    for path in root.rglob("*"):
        if "DEBIAN" in path.relative_to(root).parts:
            continue
        total += (path.lstat().st_size + 1023) // 1024 if not path.is_dir() else 1
    return total


def depends() -> list[str]:
    """DEPENDS plus the C library the build machine has (PyInstaller bundles binaries
    linked against it, so older systems cannot run them)."""
    libc = os.confstr("CS_GNU_LIBC_VERSION") or ""  # "glibc 2.36"
    version = libc.split()[-1] if libc.startswith("glibc ") else ""
    return [f"libc6 (>= {version})", *DEPENDS] if version else list(DEPENDS)


def control_files(root: Path, info: appinfo.AppInfo, arch: str) -> None:
    """DEBIAN/control and md5sums (no maintainer scripts, see the module docstring)."""
    debian = root / "DEBIAN"
    debian.mkdir(parents=True, exist_ok=True)
    description = "\n".join(
        " " + (line.strip() or ".") for line in info.description.strip().splitlines()
    )
    control = (
        f"Package: {info.name}\n"
        f"Version: {info.version}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {info.maintainer}\n"
        f"Installed-Size: {installed_size_kib(root)}\n"
        f"Depends: {', '.join(depends())}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Homepage: {info.homepage}\n"
        f"Description: {info.summary}\n"
        f"{description}\n"
    )
    (debian / "control").write_text(control, encoding="utf-8")
    sums = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] == "DEBIAN" or path.is_symlink() or not path.is_file():
            continue
        sums.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {rel.as_posix()}\n")
    (debian / "md5sums").write_text("".join(sums), encoding="utf-8")
    for path in debian.iterdir():
        path.chmod(0o644)


def build(root: Path, out: Path, compression: str) -> Path:
    """dpkg-deb --build; the .deb written into *out*."""
    if shutil.which("dpkg-deb") is None:
        raise DebError("dpkg-deb is not installed (this builder runs on Debian/Ubuntu)")
    out.mkdir(parents=True, exist_ok=True)
    cmd = ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(root), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise DebError(f"dpkg-deb failed: {done.stderr.strip() or done.stdout.strip()}")
    # "dpkg-deb: building package 'riskapp' in '/x/riskapp_0.1.0_amd64.deb'."
    built = done.stdout.strip().rsplit("'", 2)[-2]
    return Path(built)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frozen", type=Path, help="package this one-folder build (no freeze)")
    parser.add_argument("--out", type=Path, default=appinfo.DIST, help="where the .deb goes")
    parser.add_argument("--work", type=Path, default=appinfo.BUILD, help="build folder")
    parser.add_argument(
        "--compression",
        default="zstd",
        choices=("zstd", "xz", "gzip", "none"),
        help="dpkg-deb compression: zstd (default) packs in seconds; xz is 25 %% smaller but"
        " takes minutes",
    )
    args = parser.parse_args(argv)
    info = appinfo.load()
    metrics: dict[str, object] = {}
    started = time.perf_counter()
    if args.frozen is None:
        import freeze

        code = freeze.main(
            ["--dist", str(args.work / "dist"), "--work", str(args.work / "pyinstaller")]
        )
        if code != 0:
            return code
        frozen = args.work / "dist" / appinfo.APP_DIR_NAME
        metrics |= json.loads((args.work / "pyinstaller" / "freeze.json").read_text("utf-8"))
    else:
        frozen = args.frozen
    if not (frozen / appinfo.APP_DIR_NAME).is_file():
        print(f"build_deb: {frozen} is not a one-folder riskapp build", file=sys.stderr)
        return 1
    arch = appinfo.deb_architecture()
    root = args.work / "deb" / f"{info.name}_{info.version}_{arch}"
    t = time.perf_counter()
    try:
        stage(frozen, root, info)
        control_files(root, info, arch)
        deb = build(root, args.out, args.compression)
    except (DebError, OSError) as exc:
        print(f"build_deb: {exc}", file=sys.stderr)
        return 1
    metrics |= {
        "deb": str(deb),
        "deb_mb": round(deb.stat().st_size / 1e6, 1),
        "installed_mb": round(installed_size_kib(root) * 1024 / 1e6, 1),
        "package_seconds": round(time.perf_counter() - t, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    (args.work / "deb.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    shutil.rmtree(root, ignore_errors=True)  # 200 MB of staging; the .deb is what counts
    print(
        f"build_deb: {deb} ({metrics['deb_mb']} MB, {metrics['installed_mb']} MB installed),"
        f" packaged in {metrics['package_seconds']} s, {metrics['total_seconds']} s in all"
    )
    print(f"install with: sudo apt-get install {os.path.abspath(deb)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
