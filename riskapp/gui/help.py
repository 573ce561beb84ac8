"""Help › riskapp Help: the user guide (docs/user-guide.md) in a window of its own.

Read from the package resources (installed app) or the source tree; shown with Qt's
Markdown support, so it works offline and needs no browser.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

GUIDE = "user-guide.md"


def guide_path() -> Path | None:
    """Where the user guide is: riskapp.resources/docs, else docs/ of the source tree."""
    candidates = [
        Path(str(files("riskapp.resources"))) / "docs" / GUIDE,
        Path(__file__).resolve().parents[2] / "docs" / GUIDE,
    ]
    return next((p for p in candidates if p.is_file()), None)


class HelpWindow(QDialog):
    """The user guide (non-modal)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpWindow")
        self.setWindowTitle("riskapp Help")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("helpBrowser")
        self.browser.setOpenExternalLinks(False)
        path = guide_path()
        if path is not None:
            self.browser.setSearchPaths([str(path.parent)])
            self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        else:
            self.browser.setMarkdown(
                "# riskapp\n\nThe user guide was not installed with this copy of riskapp.\n\n"
                "Open a BOM with **File › Open** (Ctrl+O); select a line to see why it is "
                "scored as it is; set values with **Edit › Set Value** (F2); try scenarios in "
                "the **Scenario** panel; export with **File › Export Excel Report** (Ctrl+E)."
            )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(760, 640)
