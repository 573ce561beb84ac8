"""The typed settings registry: defaults, types through an INI round trip, versions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from riskapp.gui import settings as cfg
from riskapp.gui.settings import Settings


def test_isolated_in_user_dir(qapp) -> None:  # type: ignore[no-untyped-def]
    s = Settings()
    path = cfg.settings_path()
    assert path is not None
    assert path.parent == Path(os.environ["RISKAPP_USER_DIR"])
    s.set(cfg.CURRENCY, "EUR")
    s.sync()
    assert s.qsettings.format() == QSettings.Format.IniFormat
    assert "EUR" in path.read_text(encoding="utf-8")


def test_defaults(qapp) -> None:  # type: ignore[no-untyped-def]
    s = Settings()
    assert s.get(cfg.DEFAULT_BUILD_VOLUME) == 1000
    assert s.get(cfg.CURRENCY) == "USD"
    assert s.get(cfg.REFERENCE_FOLDER) == ""
    assert s.get(cfg.RECENT_FILES) == []
    assert s.get(cfg.WINDOW_GEOMETRY) == b""


def test_types_survive_a_round_trip_through_disk(qapp) -> None:  # type: ignore[no-untyped-def]
    s = Settings()
    s.set(cfg.DEFAULT_BUILD_VOLUME, 25_000)
    s.set(cfg.CURRENCY, "EUR")
    s.set(cfg.RECENT_FILES, ["/tmp/only one.xlsx"])
    s.set(cfg.WINDOW_GEOMETRY, b"\x00\x01binary")
    s.sync()
    again = Settings()
    assert again.get(cfg.DEFAULT_BUILD_VOLUME) == 25_000
    assert isinstance(again.get(cfg.DEFAULT_BUILD_VOLUME), int)
    assert again.get(cfg.CURRENCY) == "EUR"
    assert again.get(cfg.RECENT_FILES) == ["/tmp/only one.xlsx"]  # a one-item list stays a list
    assert again.get(cfg.WINDOW_GEOMETRY) == b"\x00\x01binary"


def test_wrong_type_is_refused_and_bad_stored_value_gives_default(qapp, caplog) -> None:  # type: ignore[no-untyped-def]
    s = Settings()
    with pytest.raises(TypeError):
        s.set(cfg.DEFAULT_BUILD_VOLUME, "many")  # type: ignore[arg-type]
    s.qsettings.setValue(cfg.DEFAULT_BUILD_VOLUME.key, "lots")
    assert s.get(cfg.DEFAULT_BUILD_VOLUME) == 1000
    assert "unreadable" in caplog.text


def test_every_setting_declared_once(qapp) -> None:  # type: ignore[no-untyped-def]
    assert cfg.REGISTRY[cfg.CURRENCY.key] is cfg.CURRENCY
    with pytest.raises(ValueError):
        cfg.declare(cfg.CURRENCY.key, "str", "X", "again")


def test_recent_files_newest_first_no_duplicates_at_most_ten(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = Settings()
    paths = [tmp_path / f"bom{i}.xlsx" for i in range(12)]
    for p in paths:
        s.add_recent_file(p)
    s.add_recent_file(paths[5])
    recent = s.recent_files()
    assert len(recent) == cfg.MAX_RECENT_FILES
    assert recent[0] == str(paths[5])
    assert recent[1] == str(paths[11])
    assert len(set(recent)) == len(recent)
    s.clear_recent_files()
    assert s.recent_files() == []


def test_version_written_and_upgrade_steps_run(qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    s = Settings()
    assert s.stored_version() == cfg.SETTINGS_VERSION
    s.qsettings.setValue("old/currency_code", "GBP")
    s.sync()

    def rename_currency(q: QSettings) -> None:
        q.setValue(cfg.CURRENCY.key, q.value("old/currency_code"))
        q.remove("old/currency_code")

    monkeypatch.setattr(cfg, "SETTINGS_VERSION", cfg.SETTINGS_VERSION + 1)
    monkeypatch.setitem(cfg.UPGRADES, cfg.SETTINGS_VERSION - 1, rename_currency)
    upgraded = Settings()
    assert upgraded.get(cfg.CURRENCY) == "GBP"
    assert not upgraded.qsettings.contains("old/currency_code")
    assert upgraded.stored_version() == cfg.SETTINGS_VERSION


def test_newer_settings_are_left_alone(qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    s = Settings()
    s.qsettings.setValue(cfg.VERSION_KEY, cfg.SETTINGS_VERSION + 5)
    s.sync()
    assert Settings().stored_version() == cfg.SETTINGS_VERSION + 5


def test_safety_limits_from_the_settings_dialog_apply_to_the_next_open(
    main_window, open_bom, bom_xlsx: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """A limit set in Settings stops the next file above it, with the setting named; back
    at 0 ('default') the built-in limit applies again."""
    from riskapp.core.readers import Limits
    from riskapp.gui.settings_dialog import SettingsDialog

    settings = main_window.settings
    assert cfg.limits_from(settings) == Limits()
    dialog = SettingsDialog(settings, main_window)
    qtbot.addWidget(dialog)
    box = dialog.limit_boxes[cfg.LIMIT_CELLS.key]
    assert box.value() == 0 and "5,000,000" in box.specialValueText()
    box.setValue(10)
    dialog.limit_boxes[cfg.LIMIT_MEMORY_MB.key].setValue(4096)
    dialog.accept()
    limits = cfg.limits_from(settings)
    assert limits.max_cells == 10 and limits.max_memory_bytes == 4096 * 1024 * 1024
    assert limits.max_file_bytes == Limits().max_file_bytes
    message = open_bom.expect_failure(bom_xlsx)
    assert "(setting: max cells)" in message
    settings.set(cfg.LIMIT_CELLS, 0)
    open_bom(bom_xlsx)
    assert main_window.analysis is not None
