"""File › Settings: the defaults for a new BOM, the reference-data folder and the theme.

Reads and writes the typed registry in :mod:`riskapp.gui.settings`; nothing else.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from riskapp.gui import settings as cfg

_LIMIT_LABELS = {
    "max_file_bytes": "Largest file (MB):",
    "max_uncompressed_bytes": "Largest unpacked workbook (MB):",
    "max_cells": "Most cells in one sheet:",
    "max_seconds": "Longest read of one file (s):",
    "max_memory_bytes": "Most memory for reading (MB):",
}

THEMES: tuple[tuple[str, str], ...] = (
    ("system", "Follow the system"),
    ("light", "Light"),
    ("dark", "Dark"),
)
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "CNY", "JPY", "CHF", "SEK", "CAD")


def apply_theme(settings: cfg.Settings) -> None:
    """Use the colour scheme chosen in the settings (Qt 6.8+; older Qt follows the system)."""
    hints = QGuiApplication.styleHints()
    if not hasattr(hints, "setColorScheme"):
        return
    choice = settings.get(cfg.THEME)
    scheme = {
        "light": Qt.ColorScheme.Light,
        "dark": Qt.ColorScheme.Dark,
    }.get(choice, Qt.ColorScheme.Unknown)
    hints.setColorScheme(scheme)


class SettingsDialog(QDialog):
    """Edit the user's settings (OK stores them; Cancel forgets the changes)."""

    def __init__(self, settings: cfg.Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.settings = settings

        self.volume = QSpinBox(self)
        self.volume.setObjectName("settingVolume")
        self.volume.setRange(1, 1_000_000_000)
        self.volume.setGroupSeparatorShown(True)
        self.volume.setSuffix(" units per year")
        self.volume.setValue(settings.get(cfg.DEFAULT_BUILD_VOLUME))

        self.currency = QComboBox(self)
        self.currency.setObjectName("settingCurrency")
        self.currency.setEditable(True)
        self.currency.addItems(list(CURRENCIES))
        self.currency.setCurrentText(settings.get(cfg.CURRENCY))

        stored = settings.get(cfg.DEFAULT_EVALUATION_DATE)
        self.today = QCheckBox("The scenario's (usually today)", self)
        self.today.setObjectName("settingToday")
        self.date = QDateEdit(self)
        self.date.setObjectName("settingDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        try:
            chosen = date.fromisoformat(stored) if stored else date.today()
        except ValueError:
            chosen = date.today()
        self.date.setDate(QDate(chosen.year, chosen.month, chosen.day))
        self.today.setChecked(not stored)
        self.date.setEnabled(bool(stored))
        self.today.toggled.connect(lambda on: self.date.setEnabled(not on))
        date_row = QHBoxLayout()
        date_row.addWidget(self.today)
        date_row.addWidget(self.date, 1)

        self.scenario = QComboBox(self)
        self.scenario.setObjectName("settingScenario")
        try:
            from riskapp.core.scenarios import list_presets

            for info in list_presets():
                self.scenario.addItem(info.title, info.name)
        except Exception:  # a broken scenario folder must not block the settings
            self.scenario.addItem("Baseline", "baseline")
        k = self.scenario.findData(settings.get(cfg.DEFAULT_SCENARIO))
        self.scenario.setCurrentIndex(max(0, k))

        self.reference = QLineEdit(settings.get(cfg.REFERENCE_FOLDER), self)
        self.reference.setObjectName("settingReference")
        self.reference.setPlaceholderText("Built-in reference data")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._choose_reference)
        reference_row = QHBoxLayout()
        reference_row.addWidget(self.reference, 1)
        reference_row.addWidget(browse)
        self.reference_note = QLabel(self)
        self.reference_note.setWordWrap(True)
        self.reference_note.setObjectName("settingReferenceNote")

        self.theme = QComboBox(self)
        self.theme.setObjectName("settingTheme")
        for value, label in THEMES:
            self.theme.addItem(label, value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.get(cfg.THEME))))

        self.ask_import = QCheckBox(
            "Open the import dialog when a file's layout is not obvious", self
        )
        self.ask_import.setObjectName("settingAskImport")
        self.ask_import.setChecked(settings.get(cfg.ASK_IMPORT_WHEN_UNCLEAR))

        # safety limits for files from outside (docs/robustness.md): 0 shows the default
        from riskapp.core.readers import Limits

        default = Limits()
        self.limit_boxes: dict[str, QSpinBox] = {}
        limits_form = QFormLayout()
        for setting, name in cfg.LIMIT_SETTINGS:
            box = QSpinBox(self)
            box.setObjectName(f"settingLimit_{name}")
            box.setRange(0, 2_000_000_000)
            box.setGroupSeparatorShown(True)
            built_in = int(default.user_value(name))
            box.setSpecialValueText(f"default ({built_in:,})")
            box.setValue(settings.get(setting))
            self.limit_boxes[setting.key] = box
            limits_form.addRow(_LIMIT_LABELS[name], box)
        limits_group = QGroupBox("Safety limits for files from outside", self)
        limits_group.setObjectName("settingLimits")
        limits_group.setLayout(limits_form)
        limits_group.setToolTip(
            "A file above a limit is not read and the message names the setting. Raise a "
            "limit only for a large file you trust (e.g. a product-family export)."
        )

        form = QFormLayout()
        form.addRow("Build volume for a new BOM:", self.volume)
        form.addRow("Currency when a BOM states none:", self.currency)
        form.addRow("Evaluation date:", date_row)
        form.addRow("Scenario for a new BOM:", self.scenario)
        form.addRow("Reference-data folder:", reference_row)
        form.addRow("", self.reference_note)
        form.addRow("Theme:", self.theme)
        form.addRow("", self.ask_import)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(limits_group)
        layout.addWidget(
            QLabel(
                "New values apply to the next BOM you open; an open BOM keeps its own "
                "(change them in the Scenario panel).",
                self,
            )
        )
        layout.addWidget(buttons)

    def _choose_reference(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Reference-data folder", self.reference.text()
        )
        if folder:
            self.reference.setText(folder)

    def accept(self) -> None:
        folder = self.reference.text().strip()
        if folder:
            from riskapp.core.reference import validate_reference

            problems = validate_reference(folder)
            if problems:
                self.reference_note.setText(
                    f"<span style='color:#B00020'>This folder cannot be used: {problems[0]}</span>"
                )
                return
        s = self.settings
        s.set(cfg.DEFAULT_BUILD_VOLUME, int(self.volume.value()))
        s.set(cfg.CURRENCY, self.currency.currentText().strip().upper() or "USD")
        s.set(
            cfg.DEFAULT_EVALUATION_DATE,
            "" if self.today.isChecked() else self.date.date().toString("yyyy-MM-dd"),
        )
        s.set(cfg.DEFAULT_SCENARIO, str(self.scenario.currentData() or "baseline"))
        s.set(cfg.REFERENCE_FOLDER, folder)
        s.set(cfg.THEME, str(self.theme.currentData()))
        s.set(cfg.ASK_IMPORT_WHEN_UNCLEAR, self.ask_import.isChecked())
        for setting, _name in cfg.LIMIT_SETTINGS:
            s.set(setting, int(self.limit_boxes[setting.key].value()))
        problem = s.sync()
        if problem:
            QMessageBox.warning(self, "Settings not saved", problem)
        apply_theme(s)
        super().accept()
