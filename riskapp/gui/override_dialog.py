"""Set a value for lines: origin per stage, class, part type, grade, magnet mass,
criticality or single-sourcing — for the selected lines, or for every line of their
manufacturer, supplier or part number.

The dialog only builds :class:`riskapp.core.tagging.Override` records; the window turns
them into one undoable edit and the analysis re-tags the lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from riskapp.core.tagging import OVERRIDE_CLASSES
from riskapp.gui.lines import CLASS_LABELS, FIELD_LABELS, OVERRIDE_FIELDS

if TYPE_CHECKING:
    from riskapp.core.pipeline import Analysis
    from riskapp.core.tagging import Override

SCOPES: tuple[tuple[str, str], ...] = (
    ("line", "Only the selected line"),
    ("manufacturer", "Every line of manufacturer"),
    ("supplier", "Every line of supplier"),
    ("mpn", "Every line with part number"),
)
CLASS_CHOICES: tuple[str, ...] = OVERRIDE_CLASSES


class OverrideDialog(QDialog):
    """Choose field, value and scope for one or more lines (see the module docstring)."""

    def __init__(
        self,
        analysis: Analysis,
        line_indexes: list[int],
        field: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("overrideDialog")
        self.setWindowTitle("Set a value")
        self.analysis = analysis
        self.line_indexes = list(line_indexes)
        lines = analysis.scored.lines.loc[self.line_indexes]
        self._lines = lines
        n = len(self.line_indexes)
        first = lines.iloc[0]

        what = str(first.get("description") or "(no description)")
        self.what = QLabel(
            f"<b>{what}</b>" if n == 1 else f"<b>{n} selected lines</b> (first: {what})", self
        )
        self.what.setWordWrap(True)

        self.field = QComboBox(self)
        self.field.setObjectName("overrideField")
        for name in OVERRIDE_FIELDS:
            self.field.addItem(FIELD_LABELS[name], name)
        self.field.currentIndexChanged.connect(self._on_field)

        ref = analysis.reference
        self.country = QComboBox(self)
        self.country.setObjectName("overrideCountry")
        self.country.setEditable(True)
        countries = ref.countries.sort_values("code")
        priority = ["CN", "JP", "US", "DE", "VN", "MY", "AU", "EE", "GB", "FR", "KR", "TH"]
        codes = [c for c in priority if c in set(countries["code"])]
        codes += [c for c in countries["code"].astype(str) if c not in codes]
        names = dict(
            zip(countries["code"].astype(str), countries["name"].astype(str), strict=False)
        )
        for code in codes:
            self.country.addItem(f"{code} — {names.get(code, code)}", code)
        self.re_class = QComboBox(self)
        self.re_class.setObjectName("overrideClass")
        for name in CLASS_CHOICES:
            self.re_class.addItem(CLASS_LABELS.get(name) or "No magnet / no rare earth", name)
        self.archetype = QComboBox(self)
        self.archetype.setObjectName("overrideArchetype")
        for arch_id, arch_name in zip(
            ref.archetypes["archetype_id"].astype(str),
            ref.archetypes["name"].astype(str),
            strict=True,
        ):
            self.archetype.addItem(arch_name, arch_id)
        self.text = QLineEdit(self)
        self.text.setObjectName("overrideText")
        self.text.setPlaceholderText("e.g. N42SH")
        self.number = QDoubleSpinBox(self)
        self.number.setObjectName("overrideNumber")
        self.number.setDecimals(2)
        self.yes_no = QComboBox(self)
        self.yes_no.setObjectName("overrideYesNo")
        self.yes_no.addItem("Yes — single-sourced", "yes")
        self.yes_no.addItem("No", "no")
        self.editors = QStackedWidget(self)
        for editor in (
            self.country,
            self.re_class,
            self.archetype,
            self.text,
            self.number,
            self.yes_no,
        ):
            self.editors.addWidget(editor)

        self.current = QLabel(self)
        self.current.setObjectName("overrideCurrent")
        self.current.setWordWrap(True)

        self.scopes = QButtonGroup(self)
        scope_box = QWidget(self)
        scope_layout = QVBoxLayout(scope_box)
        scope_layout.setContentsMargins(0, 0, 0, 0)
        self.scope_buttons: dict[str, QRadioButton] = {}
        for k, (scope, label) in enumerate(SCOPES):
            if scope == "line":
                text = label if n == 1 else f"Only the {n} selected lines"
                key_value = ""
            else:
                values = (
                    {str(v).strip() for v in lines[scope].fillna("")} if scope in lines else set()
                )
                values.discard("")
                key_value = next(iter(values)) if len(values) == 1 else ""
                text = f"{label} '{key_value}'" if key_value else f"{label} (lines differ)"
            button = QRadioButton(text, scope_box)
            button.setObjectName(f"scope_{scope}")
            button.setEnabled(scope == "line" or bool(key_value))
            button.setProperty("key", key_value)
            self.scopes.addButton(button, k)
            self.scope_buttons[scope] = button
            scope_layout.addWidget(button)
        self.scope_buttons["line"].setChecked(True)

        self.note = QLineEdit(self)
        self.note.setObjectName("overrideNote")
        self.note.setPlaceholderText("Why (supplier declaration, drawing …) — goes into the report")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Value to set:", self.field)
        form.addRow("New value:", self.editors)
        form.addRow("", self.current)
        form.addRow("Apply to:", scope_box)
        form.addRow("Note:", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(self.what)
        layout.addLayout(form)
        layout.addWidget(buttons)
        k = self.field.findData(field) if field else 0
        self.field.setCurrentIndex(max(0, k))
        self._on_field()

    def field_name(self) -> str:
        """The field being set."""
        return str(self.field.currentData())

    def set_value(self, value: str) -> None:
        """Put *value* in the editor of the current field (tests and scripting)."""
        editor = self.editors.currentWidget()
        if isinstance(editor, QComboBox):
            k = editor.findData(value)
            if k < 0 and editor.isEditable():
                editor.setEditText(value)
            else:
                editor.setCurrentIndex(max(0, k))
        elif isinstance(editor, QDoubleSpinBox):
            editor.setValue(float(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(value)

    def set_scope(self, scope: str) -> None:
        """Choose the scope ('line', 'manufacturer', 'supplier', 'mpn')."""
        self.scope_buttons[scope].setChecked(True)

    def value(self) -> str:
        """The value chosen, as text (what an Override stores)."""
        editor = self.editors.currentWidget()
        if editor is self.country:
            data = self.country.currentData()
            text = self.country.currentText().strip()
            if data and text.startswith(str(data)):
                return str(data)
            return text.split("—")[0].strip().upper()
        if isinstance(editor, QComboBox):
            return str(editor.currentData())
        if isinstance(editor, QDoubleSpinBox):
            return f"{editor.value():g}"
        if isinstance(editor, QLineEdit):
            return editor.text().strip()
        return ""

    def overrides(self) -> list[Override]:
        """The overrides the dialog stands for (one per line for the line scope)."""
        from riskapp.core.tagging import Override, line_key

        field = self.field_name()
        value = self.value()
        note = self.note.text().strip()
        checked = self.scopes.checkedButton()
        scope = next((s for s, b in self.scope_buttons.items() if b is checked), "line")
        if scope == "line":
            keys = line_key(self._lines).astype(str).tolist()
            return [Override("line", key, field, value, note) for key in keys]
        key = str(checked.property("key") or "") if checked is not None else ""
        return [Override(scope, key, field, value, note)]

    def _on_field(self, *_args: Any) -> None:
        field = self.field_name()
        first = self._lines.iloc[0]
        if field.startswith("origin_"):
            editor: QWidget = self.country
            current = str(first.get(field) or "")
            basis = str(first.get(field.replace("origin_", "origin_basis_")) or "")
            if current:
                self.country.setCurrentIndex(max(0, self.country.findData(current)))
            now = f"{current or 'unknown'} — {basis}"
        elif field == "re_class":
            editor = self.re_class
            current = str(first.get("re_class") or "none")
            self.re_class.setCurrentIndex(max(0, self.re_class.findData(current)))
            now = CLASS_LABELS.get(current, current) or "no rare earth"
        elif field == "archetype":
            editor = self.archetype
            current = str(first.get("archetype") or "")
            self.archetype.setCurrentIndex(max(0, self.archetype.findData(current)))
            now = self.archetype.currentText() if current else "none recognised"
        elif field == "grade":
            editor = self.text
            current = str(first.get("grade") or "")
            self.text.setText(current)
            now = current or "none found"
        elif field in ("magnet_mass_g", "criticality"):
            editor = self.number
            if field == "criticality":
                self.number.setRange(0.0, 1.0)
                self.number.setSingleStep(0.1)
                self.number.setSuffix("")
            else:
                self.number.setRange(0.0, 1_000_000.0)
                self.number.setSingleStep(1.0)
                self.number.setSuffix(" g")
            raw = first.get(field)
            current_value = float(raw) if raw is not None and raw == raw else 0.0
            self.number.setValue(current_value)
            basis = str(first.get("magnet_mass_basis") or "") if field == "magnet_mass_g" else ""
            now = f"{current_value:g}" + (f" — {basis}" if basis else "")
        else:
            editor = self.yes_no
            flag = bool(first.get("single_source"))
            self.yes_no.setCurrentIndex(0 if flag else 1)
            now = "yes" if flag else "no"
        self.editors.setCurrentWidget(editor)
        self.current.setText(f"Now: {now}")
