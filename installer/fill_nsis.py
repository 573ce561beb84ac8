"""Fill the NSIS template (installer/windows/riskapp.nsi.in) and optionally compile it.

    python installer/fill_nsis.py --compile   # Windows: dist/riskapp -> dist/riskapp-<v>-setup.exe
    python installer/fill_nsis.py --check     # anywhere with makensis: compile against a stub

Every ``@KEY@`` in the template is replaced from installer/metadata.toml (publisher,
names, ...), the package version and the paths; a key left unfilled is an error. --check
builds a stub payload (two empty .exe files and an _internal folder) so the script can be
compile-checked on Linux (Debian's ``nsis`` package), with warnings treated as errors.
PyInstaller cannot cross-compile, so the real payload is frozen on Windows (see
installer/ci/build-installers.yml).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import appinfo

TEMPLATE = appinfo.HERE / "windows" / "riskapp.nsi.in"
PAYLOAD_TOP_LEVEL = {"riskapp.exe", "riskapp-cli.exe", "_internal"}
"""What the uninstaller removes; a payload with anything else at the top is refused."""


def nsis_string(value: str) -> str:
    """*value* made safe inside an NSIS double-quoted string."""
    return value.replace("$", "$$").replace('"', '$\\"').replace("\n", " ")


def native(path: Path) -> str:
    """A path as makensis on this platform wants it in the script."""
    text = str(path.resolve())
    return text.replace("/", "\\") if sys.platform == "win32" else text


def fill(template: str, values: dict[str, str]) -> str:
    """Replace each @KEY@; raise ValueError if one is left."""
    text = template
    for key, value in values.items():
        text = text.replace(f"@{key}@", nsis_string(value))
    left = sorted(set(re.findall(r"@([A-Z][A-Z0-9_]*)@", text)))
    if left:
        raise ValueError(f"{TEMPLATE.name}: no value for {', '.join(left)}")
    return text


def values_for(info: appinfo.AppInfo, payload: Path, outfile: Path) -> dict[str, str]:
    return {
        "DISPLAY_NAME": info.display_name,
        "VERSION": info.version,
        "VERSION_4": ".".join(str(n) for n in info.numeric_version),
        "PUBLISHER": info.publisher,
        "HOMEPAGE": info.homepage,
        "SESSION_EXT": info.session_extension,
        "SESSION_MIME": info.session_mime,
        "ICON": native(appinfo.RESOURCES / "icons" / "riskapp.ico"),
        "PAYLOAD_DIR": native(payload),
        "OUTFILE": native(outfile),
    }


def stub_payload(folder: Path) -> Path:
    """A fake one-folder build: enough for makensis to check the script."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "_internal").mkdir(parents=True)
    for name in ("riskapp.exe", "riskapp-cli.exe"):
        (folder / name).write_bytes(b"MZ stub for a compile check\n")
    (folder / "_internal" / "README.txt").write_text("stub payload\n", encoding="utf-8")
    return folder


def check_payload(payload: Path) -> None:
    if not (payload / "riskapp.exe").is_file():
        raise ValueError(f"{payload} holds no riskapp.exe; run installer/freeze.py on Windows")
    extra = {p.name for p in payload.iterdir()} - PAYLOAD_TOP_LEVEL
    if extra:
        raise ValueError(
            f"{payload} has {', '.join(sorted(extra))} at the top, which the uninstaller"
            " would leave behind; add them to the template's Uninstall section"
        )


def makensis(script: Path) -> None:
    exe = shutil.which("makensis")
    if exe is None:
        raise ValueError("makensis not found (apt-get install nsis, or choco install nsis)")
    done = subprocess.run([exe, "-V2", "-WX", "-NOCD", str(script)], capture_output=True, text=True)
    if done.returncode != 0:
        raise ValueError(f"makensis failed:\n{done.stdout}{done.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payload", type=Path, default=appinfo.frozen_dir())
    parser.add_argument("--out", type=Path, help="the setup .exe (default in dist/)")
    parser.add_argument("--script", type=Path, default=appinfo.BUILD / "riskapp.nsi")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--compile", action="store_true", help="run makensis on the real payload")
    mode.add_argument("--check", action="store_true", help="compile against a stub payload")
    args = parser.parse_args(argv)

    info = appinfo.load()
    try:
        if args.check:
            payload = stub_payload(appinfo.BUILD / "nsis-stub" / "riskapp")
            out = args.out or appinfo.BUILD / "nsis-stub" / f"riskapp-{info.version}-setup.exe"
        else:
            payload = args.payload
            out = args.out or appinfo.DIST / f"riskapp-{info.version}-setup.exe"
            if args.compile:
                check_payload(payload)
        script = fill(TEMPLATE.read_text(encoding="utf-8"), values_for(info, payload, out))
        args.script.parent.mkdir(parents=True, exist_ok=True)
        args.script.write_text(script, encoding="utf-8")
        print(f"fill_nsis: wrote {args.script}")
        if args.check or args.compile:
            out.parent.mkdir(parents=True, exist_ok=True)
            makensis(args.script)
            print(f"fill_nsis: makensis built {out} ({out.stat().st_size / 1e6:.1f} MB)")
    except (ValueError, OSError) as exc:
        print(f"fill_nsis: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
