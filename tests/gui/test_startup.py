"""The window comes up without pandas (~0.7 s of imports): it loads in the background."""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication(["riskapp"])
from riskapp.gui import settings as cfg
from riskapp.gui.main_window import MainWindow
from riskapp.gui.settings_dialog import apply_theme
apply_theme(cfg.Settings())
window = MainWindow()
window.show()
app.processEvents()
print("pandas" in sys.modules, "riskapp.core.pipeline" in sys.modules)
"""


def test_the_window_shows_before_pandas_is_loaded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RISKAPP_USER_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-2:] == ["False", "False"], done.stdout
