"""Test-wide settings: headless Qt, paths to the shared corpora."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt must be told before any QApplication exists.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("RISKAPP_NO_AUTOSAVE_PROMPT", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL_BOMS = SHARED / "real_boms"
ODDSHEETS = SHARED / "oddsheets" / "calamine"
SAMPLE_BOMS = ROOT / "sample_boms"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never touch the real user's settings, logs or autosaves from a test."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("RISKAPP_USER_DIR", str(base))
