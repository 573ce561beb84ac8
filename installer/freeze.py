"""Freeze riskapp with PyInstaller (one folder) and smoke-test the result.

    python installer/freeze.py                 # -> dist/riskapp/ (+ dist/riskapp.app on macOS)
    python installer/freeze.py --smoke-only    # only run the checks on an existing build

The checks run the frozen executable the way a user's machine would (no virtual
environment, no PYTHON* variables, the venv off PATH, a fresh HOME):

- ``riskapp --version`` prints the package version (metadata was bundled);
- ``riskapp --self-test`` exits 0, ends with "self-test passed" and writes nothing
  unexpected to stderr (see ALLOWED_STDERR).

Any failure exits non-zero, so a broken build is never packaged. Run with the Python of the
environment riskapp is installed in (``pip install -e ".[build]"``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import appinfo

SPEC = appinfo.HERE / "riskapp.spec"

ALLOWED_STDERR: tuple[re.Pattern[str], ...] = ()
"""stderr lines a healthy frozen self-test may print (none today; add a pattern with a
comment saying why, never a blanket one)."""


class BuildError(Exception):
    """The build or a smoke check failed; the message says which and why."""


def freeze(dist: Path, work: Path, *, clean: bool = False) -> float:
    """Run PyInstaller on the spec; the seconds it took. Its log goes to work/pyinstaller.log."""
    work.mkdir(parents=True, exist_ok=True)
    log = work / "pyinstaller.log"
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level=WARN",
        f"--distpath={dist}",
        f"--workpath={work}",
        *(["--clean"] if clean else []),
        str(SPEC),
    ]
    print(f"freeze: {' '.join(cmd[2:])}", flush=True)
    t = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=appinfo.ROOT)
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
        raise BuildError("PyInstaller failed:\n" + "\n".join(tail) + f"\n(full log: {log})")
    return seconds


def user_env(home: Path) -> dict[str, str]:
    """The environment of a user without Python: no venv, no PYTHON* variables, fresh HOME."""
    venv = os.environ.get("VIRTUAL_ENV")
    prefixes = [p for p in (venv, sys.prefix) if p and sys.prefix != sys.base_prefix]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "CONDA", "QT_", "RISKAPP_")) and k != "VIRTUAL_ENV"
    }
    if os.name == "posix":
        env["PATH"] = "/usr/bin:/bin"
        env = {k: v for k, v in env.items() if k in ("PATH", "TMPDIR", "DISPLAY", "TZ")}
        env["LANG"] = "en_US.UTF-8" if sys.platform == "darwin" else "C.UTF-8"
    else:
        parts = env.get("PATH", "").split(os.pathsep)
        env["PATH"] = os.pathsep.join(
            p for p in parts if not any(p.startswith(prefix) for prefix in prefixes)
        )
        env["USERPROFILE"] = str(home)
    env["HOME"] = str(home)
    return env


def unexpected_stderr(text: str) -> list[str]:
    """The lines of *text* no ALLOWED_STDERR pattern explains."""
    return [
        line
        for line in text.splitlines()
        if line.strip() and not any(p.search(line) for p in ALLOWED_STDERR)
    ]


def smoke_test(executable: Path, version: str) -> str:
    """Run --version and --self-test on a frozen executable; the self-test's stdout."""
    if not executable.exists():
        raise BuildError(f"{executable} does not exist; freeze first")
    with tempfile.TemporaryDirectory(prefix="riskapp-smoke-") as tmp:
        env = user_env(Path(tmp))
        done = subprocess.run(
            [str(executable), "--version"], env=env, cwd=tmp, capture_output=True, text=True
        )
        if done.returncode != 0 or version not in done.stdout:
            raise BuildError(
                f"`{executable.name} --version` gave exit {done.returncode},"
                f" stdout {done.stdout.strip()!r}, stderr {done.stderr.strip()!r};"
                f" expected {version}"
            )
        done = subprocess.run(
            [str(executable), "--self-test"],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=600,
        )
    problems = []
    if done.returncode != 0:
        problems.append(f"exit code {done.returncode}")
    if "self-test passed" not in done.stdout:
        problems.append("no 'self-test passed' line")
    extra = unexpected_stderr(done.stderr)
    if extra:
        problems.append("unexpected stderr:\n    " + "\n    ".join(extra))
    if problems:
        raise BuildError(
            f"the frozen self-test failed: {'; '.join(problems)}\n--- stdout ---\n{done.stdout}"
        )
    return done.stdout


def folder_size(folder: Path) -> int:
    """Bytes in the files under *folder* (symlinks not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=appinfo.DIST, help="output folder")
    parser.add_argument("--work", type=Path, default=appinfo.BUILD / "pyinstaller")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--smoke-only", action="store_true", help="only check an existing build")
    args = parser.parse_args(argv)

    info = appinfo.load()
    folder = args.dist / appinfo.APP_DIR_NAME
    metrics: dict[str, object] = {"version": info.version}
    try:
        if not args.smoke_only:
            if folder.exists():
                shutil.rmtree(folder)
            metrics["freeze_seconds"] = round(freeze(args.dist, args.work, clean=args.clean), 1)
        t = time.perf_counter()
        output = smoke_test(appinfo.frozen_executable(folder), info.version)
        metrics["self_test_seconds"] = round(time.perf_counter() - t, 1)
        app_bundle = args.dist / "riskapp.app"
        if sys.platform == "darwin" and app_bundle.exists():  # what users actually get
            smoke_test(app_bundle / "Contents" / "MacOS" / appinfo.APP_DIR_NAME, info.version)
    except BuildError as exc:
        print(f"freeze: {exc}", file=sys.stderr)
        return 1
    metrics["size_mb"] = round(folder_size(folder) / 1e6, 1)
    metrics["self_test_output"] = output
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "freeze.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    print(output, end="")
    took = f" in {metrics['freeze_seconds']} s" if "freeze_seconds" in metrics else ""
    print(f"freeze: {folder} ({metrics['size_mb']} MB) built{took}, self-test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
