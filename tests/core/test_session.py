"""Sessions: save and load what a user did to a BOM, refuse bad files clearly, notice a changed BOM."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from riskapp.core import session as sess
from riskapp.core.importer import ImportOptions
from riskapp.core.session import Session, SessionError, load_session, save_session, source_changed
from riskapp.core.tagging import Override


@pytest.fixture
def bom(tmp_path: Path) -> Path:
    path = tmp_path / "bom.csv"
    path.write_text("Description,Qty\nNdFeB magnet N52,4\n", encoding="utf-8")
    return path


def full_session(bom: Path) -> Session:
    return Session(
        source_path=str(bom),
        source_sha256=sess._sha256(bom),
        import_options=ImportOptions(("BOM",), 3, {"quantity": "C", "mpn": ""}),
        overrides=(
            Override("line", "BOM!12", "origin_magnet", "JP", "supplier declaration"),
            Override("manufacturer", "Arnold", "criticality", "0.9"),
        ),
        accepted_advice=((0, "gbd_grade"), (4, "non_cn_magnet_maker")),
        scenario="permits_denied_6m",
        scenario_changes={"tariffs": {"us_on_cn": 1.45}, "permit_denied_days": 90.0},
        build_volume=25_000.0,
        evaluation_date=date(2027, 1, 1),
        compare_with="baseline",
    )


def test_round_trip_keeps_every_edit(tmp_path: Path, bom: Path) -> None:
    original = full_session(bom)
    target = save_session(tmp_path / "work.riskapp", original)
    again = load_session(target)
    assert again.edits_equal(original)
    assert again.source_sha256 == original.source_sha256
    assert again.overrides[0].note == "supplier declaration"
    assert again.accepted_advice == ((0, "gbd_grade"), (4, "non_cn_magnet_maker"))
    assert again.scenario_changes == {"tariffs": {"us_on_cn": 1.45}, "permit_denied_days": 90.0}
    assert again.evaluation_date == date(2027, 1, 1)
    assert again.saved_at is not None
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["format"] == "riskapp-session"
    assert data["schema_version"] == sess.SCHEMA_VERSION
    assert data["source"]["relative_path"] == "bom.csv"


def test_default_accepted_advice_stays_none(tmp_path: Path, bom: Path) -> None:
    target = save_session(tmp_path / "s.riskapp", Session(source_path=str(bom)))
    assert load_session(target).accepted_advice is None
    save_session(target, Session(source_path=str(bom), accepted_advice=()))
    assert load_session(target).accepted_advice == ()


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path, bom: Path) -> None:
    target = tmp_path / "s.riskapp"
    save_session(target, full_session(bom))
    save_session(target, Session(source_path=str(bom)))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_moved_with_its_bom_finds_it(tmp_path: Path, bom: Path) -> None:
    save_session(tmp_path / "s.riskapp", Session(source_path=str(bom)))
    moved = tmp_path / "moved"
    moved.mkdir()
    (tmp_path / "s.riskapp").rename(moved / "s.riskapp")
    bom.rename(moved / "bom.csv")
    assert load_session(moved / "s.riskapp").source_path == str((moved / "bom.csv").resolve())


def test_source_changed(tmp_path: Path, bom: Path) -> None:
    session = full_session(bom)
    assert not source_changed(session)
    bom.write_text("Description,Qty\nNdFeB magnet N52,5\n", encoding="utf-8")
    assert source_changed(session)
    bom.unlink()
    assert source_changed(session)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x00\x01 not text", "not a riskapp session"),
        (b"[1, 2, 3]", "not a riskapp session"),
        (b'{"format": "something-else"}', "not a riskapp session"),
        (
            b'{"format": "riskapp-session", "schema_version": 99, "source": {"path": "x"}}',
            "newer riskapp",
        ),
        (b'{"format": "riskapp-session", "schema_version": 1, "source": {}}', "source path"),
        (
            b'{"format": "riskapp-session", "schema_version": 1, "source": {"path": "b.csv"},'
            b' "overrides": [{"scope": "planet", "key": "x", "field": "grade", "value": "N52"}]}',
            "unknown scope",
        ),
        (
            b'{"format": "riskapp-session", "schema_version": 1, "source": {"path": "b.csv"},'
            b' "overrides": [{"scope": "line", "key": "x", "field": "colour", "value": "red"}]}',
            "unknown field",
        ),
        (
            b'{"format": "riskapp-session", "schema_version": 1, "source": {"path": "b.csv"},'
            b' "import": {"header_row": 0}}',
            "header row",
        ),
        (
            b'{"format": "riskapp-session", "schema_version": 1, "source": {"path": "b.csv"},'
            b' "scenario": {"build_volume": -5}}',
            "build volume",
        ),
        (
            b'{"format": "riskapp-session", "schema_version": 1, "source": {"path": "b.csv"},'
            b' "accepted_advice": [[1]]}',
            "accepted advice",
        ),
    ],
)
def test_bad_files_get_a_clear_message(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.riskapp"
    path.write_bytes(content)
    with pytest.raises(SessionError) as caught:
        load_session(path)
    message = str(caught.value)
    assert "bad.riskapp" in message
    assert words in message
    assert "Traceback" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="cannot be read"):
        load_session(tmp_path / "nowhere.riskapp")


def test_older_schema_is_upgraded(
    tmp_path: Path, bom: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_session(tmp_path / "s.riskapp", Session(source_path=str(bom), scenario="x"))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["schema_version"] = 1
    monkeypatch.setattr(sess, "SCHEMA_VERSION", 2)

    def upgrade(old: dict[str, object]) -> dict[str, object]:
        return {**old, "schema_version": 2, "scenario": {"name": "upgraded"}}

    monkeypatch.setitem(sess.UPGRADES, 1, upgrade)
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_session(path).scenario == "upgraded"


def test_autosave_folder_follows_the_user_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKAPP_USER_DIR", str(tmp_path / "u"))
    assert sess.autosave_dir() == tmp_path / "u" / "autosave"
    assert sess.list_autosaves() == []
    save_session(sess.autosave_dir() / "a.riskapp", Session(source_path="x.csv"))
    assert sess.list_autosaves() == [sess.autosave_dir() / "a.riskapp"]


def test_options_write_edited_scenario_once(bom: Path) -> None:
    from riskapp.core.scenarios import load_scenario

    session = Session(
        source_path=str(bom),
        scenario="baseline",
        scenario_changes={"tariffs": {"us_on_cn": 1.45}, "price_factors": {"Dy": 3.0}},
        overrides=(Override("line", "2", "grade", "N42SH"),),
        accepted_advice=(),
    )
    options = sess.session_options(session)
    assert options.scenario.endswith(".toml")
    assert options.overrides == session.overrides
    assert options.accepted_advice == ()
    edited = load_scenario(options.scenario)
    assert edited.tariffs["us_on_cn"] == pytest.approx(1.45)
    assert edited.price_factors["Dy"] == pytest.approx(3.0)
    assert edited.name == "baseline_edited"
    assert sess.session_options(session).scenario == options.scenario
    assert len(list(sess.edited_scenarios_dir().glob("*.toml"))) == 1
    assert sess.session_options(Session(source_path=str(bom))).scenario == "baseline"


def test_saved_layout_mapping_round_trip() -> None:
    signature = sess.headers_signature(["Qty", "Description", "", "MPN"])
    assert signature == sess.headers_signature(["MPN", "Description", "Qty"])
    assert sess.find_layout_mapping(signature) is None
    options = ImportOptions(("Parts",), 4, {"quantity": "D"})
    sess.save_layout_mapping(signature, options)
    assert sess.find_layout_mapping(signature) == ImportOptions(("Parts",), 4, {"quantity": "D"})
    with pytest.raises(SessionError):
        sess.save_layout_mapping("../../etc", options)
    assert sess.find_layout_mapping("../../etc") is None
