"""Replaces PyInstaller's hook for PySide6.QtGui: the same collection, minus the plugins
riskapp never loads (see appinfo.QT_UNUSED). Dropping them here, before PyInstaller scans
binaries for their own dependencies, also keeps out what they link (GTK, cairo, pango,
Wayland, EGL device integration)."""

import sys
from pathlib import Path

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import appinfo

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [b for b in binaries if not appinfo.unused_in_bundle(b[0])]
datas = [d for d in datas if not appinfo.unused_in_bundle(d[0])]
