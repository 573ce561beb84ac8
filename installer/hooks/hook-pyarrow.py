"""Replaces pyinstaller-hooks-contrib's hook for pyarrow: pandas needs pyarrow's core,
compute and the (fast) string kernels; Flight, S3/GCS/Azure filesystems, ORC, CUDA, the
tests and the Cython sources and headers are left out (appinfo.PYARROW_UNUSED)."""

import sys
from pathlib import Path

from PyInstaller.utils.hooks import collect_dynamic_libs, collect_submodules

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import appinfo

hiddenimports = collect_submodules(
    "pyarrow", filter=lambda name: not appinfo.unused_in_bundle(name.replace(".", "/"))
)
binaries = [b for b in collect_dynamic_libs("pyarrow") if not appinfo.unused_in_bundle(b[0])]
datas = []
