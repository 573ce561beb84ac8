"""Menus, shortcuts, settings, help: the parts of the window around the BOM."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from riskapp.gui import settings as cfg
from riskapp.gui.main_window import MainWindow


def test_every_menu_action_has_its_own_shortcut(main_window: MainWindow) -> None:
    actions = main_window.menu_actions()
    assert len(actions) >= 30
    missing = [a.text() for a in actions if a.shortcut().isEmpty()]
    assert missing == []
    keys = [a.shortcut().toString() for a in actions]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert main_window.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    main_window.shortcuts_action.trigger()
    box = main_window.shortcuts_box
    assert "Export Excel Report" in box.text() and "Ctrl+E" in box.text()
    box.done(0)


def test_actions_follow_the_state(main_window: MainWindow) -> None:
    for action in (
        main_window.export_action,
        main_window.save_session_action,
        main_window.import_options_action,
        main_window.edit_line_action,
        main_window.reload_action,
    ):
        assert not action.isEnabled(), action.text()
    assert not main_window.undo_action.isEnabled()
    assert main_window.open_action.isEnabled()


def test_settings_dialog_stores_typed_values(main_window: MainWindow) -> None:
    main_window.settings_action.trigger()
    dialog = main_window.settings_dialog
    dialog.volume.setValue(25_000)
    dialog.currency.setCurrentText("eur")
    dialog.today.setChecked(False)
    dialog.scenario.setCurrentIndex(max(0, dialog.scenario.findData("permits_denied_6m")))
    dialog.theme.setCurrentIndex(dialog.theme.findData("system"))
    dialog.accept()
    fresh = cfg.Settings()
    assert fresh.get(cfg.DEFAULT_BUILD_VOLUME) == 25_000
    assert fresh.get(cfg.CURRENCY) == "EUR"
    assert len(fresh.get(cfg.DEFAULT_EVALUATION_DATE)) == 10
    assert fresh.get(cfg.DEFAULT_SCENARIO) == "permits_denied_6m"


def test_settings_refuse_a_broken_reference_folder(main_window: MainWindow, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "elements.csv").write_text("not,the,right\ncolumns,at,all\n", encoding="utf-8")
    main_window.settings_action.trigger()
    dialog = main_window.settings_dialog
    dialog.reference.setText(str(tmp_path))
    dialog.accept()
    assert dialog.isVisible(), "the dialog stays open"
    assert "cannot be used" in dialog.reference_note.text()
    assert cfg.Settings().get(cfg.REFERENCE_FOLDER) == ""
    dialog.reject()


def test_help_shows_the_user_guide(main_window: MainWindow) -> None:
    main_window.help_action.trigger()
    window = main_window.help_window
    assert window.isVisible()
    text = window.browser.toPlainText()
    assert "riskapp" in text and "Open" in text
    window.close()
