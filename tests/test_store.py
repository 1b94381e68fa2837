"""The session store: exact frames, profiles, sessions, migrations, refusal of bad files."""

from __future__ import annotations

import math
import sqlite3

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from device.frames import CellCalibration, Frame, SourceInfo
from device.recording import read_recording
from device.store import MIGRATIONS, VERSION, SessionStore, StoreError, StoreWriter
from device.store.codec import decode_block, encode_block
from device.store.schema import _statements

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(st.lists(st.tuples(finite, finite, finite, finite, finite), min_size=1, max_size=200))
@hsettings(max_examples=60, deadline=None)
def test_codec_is_exact_for_any_floats(rows):
    frames = [Frame(*r) for r in rows]
    assert decode_block(encode_block(frames)) == frames


@given(st.integers(0, 10**6), st.lists(st.tuples(*[st.integers(-2**23, 2**23 - 1)] * 4), min_size=1, max_size=160))
@hsettings(max_examples=40, deadline=None)
def test_codec_is_exact_for_counts_on_an_80hz_clock(start, rows):
    frames = [Frame((start + i) / 80, *map(float, r)) for i, r in enumerate(rows)]
    assert decode_block(encode_block(frames)) == frames


def test_codec_packs_counts_small():
    import numpy as np
    rng = np.random.default_rng(0)
    frames = [Frame(i / 80, *map(float, (300000 + rng.normal(0, 50, 4)).astype(int))) for i in range(80)]
    assert len(encode_block(frames)) < 80 * 5 * 8 / 4  # at least 4x smaller than float64


def _frames(n=240, t0=10.0):
    return [Frame(t0 + i / 80, 10.0 + i % 7, 11.25, 12.5 - (i % 3) * 0.01, 13.0) for i in range(n)]


REP = {"type": "rep", "t": 12.0, "start": 10.5, "end": 12.0, "leg": "left", "lift_s": 0.5, "hold_s": 0.4,
       "lower_s": 0.6, "tilt": True, "tilt_side": "right", "ai_peak": -6.25, "momentum": False,
       "arch": False, "pulses": 0, "set": 1, "count": 1}


def _session(store: SessionStore, info=None) -> int:
    info = info or SourceInfo(units="kg", rate_hz=80, exercise="quadruped")
    sid = store.begin_session(profile_id=None, exercise="quadruped", source="sim", info=info,
                              started_mono=1.0, t0=10.0)
    store.add_set(sid, {"type": "set", "t": 10.5, "event": "start", "set": 1, "leg": "left"})
    store.add_rep(sid, REP)
    store.add_rep(sid, REP | {"start": 12.5, "end": 14.0, "tilt": False, "tilt_side": None, "count": 2,
                              "cadence": 1.5})
    store.add_set(sid, {"type": "set", "t": 22.0, "event": "end", "set": 1, "leg": "left", "reps": 2})
    store.add_event(sid, {"type": "cue", "t": 12.0, "cue": "hips_square", "text": "Keep your hips square"})
    frames = _frames()
    for i in range(0, len(frames), 80):
        store.add_frames(sid, frames[i:i + 80])
    store.end_session(sid, end_t=frames[-1].t, glitches=2)
    return sid


def test_a_revision_changes_only_that_reps_form_verdicts(tmp_path):
    with SessionStore(tmp_path / "s.db") as store:
        sid = _session(store)
        before = store.get_session(sid)["sets"][0]["reps"]
        store.revise_rep(sid, {"type": "rep_revised", "t": 30.0, "set": 1, "count": 2, "start": 12.5,
                               "tilt": True, "tilt_side": "left", "ai_peak": 8.5, "arch": False})
        store.revise_rep(sid, {"type": "rep_revised", "t": 30.0, "set": 1, "count": 9, "start": 40.0,
                               "tilt": True, "tilt_side": "left", "ai_peak": 8.5, "arch": False})  # no such rep
        after = store.get_session(sid)["sets"][0]["reps"]
        assert after[0] == before[0] and len(after) == 2
        assert after[1] == before[1] | {"tilt": True, "tilt_side": "left", "ai_peak": 8.5}
        assert store.session_result(sid)["sets"][0]["reps"][1]["tilt_side"] == "left"


def test_session_round_trip(tmp_path):
    with SessionStore(tmp_path / "s.db") as store:
        sid = _session(store)
        s = store.get_session(sid)
        assert not s["open"] and not s["interrupted"] and s["reps_total"] == 2
        [set1] = s["sets"]
        assert set1["start"] == 10.5 and set1["end"] == 14.0 and set1["leg"] == "left"
        rep = set1["reps"][0]
        assert {k: rep[k] for k in REP if k not in ("type", "t")} == {k: v for k, v in REP.items() if k not in ("type", "t")}
        assert set1["reps"][1]["cadence"] == 1.5 and set1["reps"][1]["tilt_side"] is None
        assert s["events"][-1]["cue"] == "hips_square"
        result = store.session_result(sid)
        assert result["format"] == "smartmat-analysis v1" and result["reps_total"] == 2
        assert result["frames"] == 240 and math.isclose(result["duration_s"], 239 / 80) and result["glitches"] == 2
        assert result["sets"][0]["reps"][0]["ai_peak"] == -6.25
        assert list(store.iter_frames(sid)) == _frames()


def test_export_is_a_recording_with_the_same_frames(tmp_path):
    cal = {c: CellCalibration(1000.0 * i, 420.5) for i, c in enumerate(("fl", "fr", "bl", "br"))}
    info = SourceInfo(units="counts", rate_hz=80, exercise="prone", calibration=cal)
    with SessionStore(tmp_path / "s.db") as store:
        sid = store.begin_session(profile_id=None, exercise="prone", source="hardware", info=info, started_mono=0)
        frames = [Frame(i / 80, 1000.0 + i, -5.0, 2**23 - 1, -(2**23)) for i in range(100)]
        store.add_frames(sid, frames[:80])
        store.add_frames(sid, frames[80:])
        (tmp_path / "r.csv").write_text(store.export_recording(sid))
    rec = read_recording(tmp_path / "r.csv")
    assert rec.frames == frames and rec.info.units == "counts" and rec.info.calibration == cal
    assert rec.info.exercise == "prone"


def test_profiles(tmp_path):
    with SessionStore(tmp_path / "s.db") as store:
        ann = store.create_profile("Ann", 61.5)
        bob = store.create_profile("Bob", 64.0)
        with pytest.raises(ValueError):
            store.create_profile("Ann")
        with pytest.raises(ValueError):
            store.create_profile("Eve", mass_kg=5000)
        store.update_profile(ann["id"], reference={"ai": 1.5})
        assert store.get_profile("Ann")["reference"] == {"ai": 1.5}
        assert [p["name"] for p in store.profiles_matching_mass(57.0)] == ["Ann"]
        assert {p["name"] for p in store.profiles_matching_mass(63.0)} == {"Ann", "Bob"}
        sid = store.begin_session(profile_id=bob["id"], exercise=None, source="sim", info=SourceInfo(),
                                  started_mono=0)
        assert [s["id"] for s in store.list_sessions(profile_id=bob["id"])] == [sid]
        assert store.delete_profile(bob["id"])
        assert store.get_session(sid)["profile_id"] is None
        with pytest.raises(KeyError):
            store.update_profile(999, name="x")


def test_sessions_newest_first_and_crash_recovery(tmp_path):
    with SessionStore(tmp_path / "s.db") as store:
        a = _session(store)
        b = store.begin_session(profile_id=None, exercise=None, source="sim", info=SourceInfo(), started_mono=5, t0=0)
        store.add_set(b, {"type": "set", "t": 1.0, "event": "start", "set": 1, "leg": "right"})
        store.add_rep(b, REP | {"start": 1.0, "end": 3.0})
        store.add_frames(b, [Frame(i / 80, 1, 2, 3, 4) for i in range(400)])
        assert [s["id"] for s in store.list_sessions()] == [b, a]
        assert store.close_interrupted() == [b]
        s = store.get_session(b)
        assert s["interrupted"] and not s["open"] and s["end_t"] == 399 / 80
        assert s["sets"][0]["end"] == 3.0
        assert store.close_interrupted() == []


def test_reader_is_not_blocked_by_an_open_write(tmp_path):
    path = tmp_path / "s.db"
    with SessionStore(path) as writer:
        sid = _session(writer)
        writer.db.execute("BEGIN IMMEDIATE")
        writer.db.execute("DELETE FROM reps")
        reader = SessionStore(path, readonly=True, timeout=0.5)
        assert reader.get_session(sid)["reps_total"] == 2
        with pytest.raises((sqlite3.OperationalError, StoreError)):
            reader.create_profile("x")
        writer.db.execute("ROLLBACK")
        reader.close()


def test_writer_thread_commits_in_order(tmp_path):
    w = StoreWriter(tmp_path / "s.db")
    sid = 7
    w.begin_session(session_id=sid, profile_id=None, exercise=None, source="sim", info=SourceInfo(), started_mono=0)
    for i in range(5):
        w.add_rep(sid, REP | {"count": i + 1})
    w.add_rep(sid, {"bad": "rep"})  # a failing write is logged, not fatal
    assert w.flush()
    assert w.errors == 1
    with SessionStore(tmp_path / "s.db", readonly=True) as r:
        assert r.get_session(sid)["reps_total"] == 5
    w.close()


# ---- migrations and refusals --------------------------------------------


def _make_version(path, version: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    for v in range(version):
        for s in _statements(MIGRATIONS[v]):
            db.execute(s)
    db.execute(f"PRAGMA user_version = {version}")
    if version >= 1:
        db.execute("INSERT INTO profiles(name, mass_kg, created) VALUES ('Ann', 60, 'x')")
        db.execute("INSERT INTO sessions(profile_id, source, info, started_wall, started_mono)"
                   " VALUES (1, 'sim', '{\"units\": \"kg\", \"width_m\": 0.6, \"length_m\": 1.8}', 'x', 0)")
        db.execute("INSERT INTO frame_blocks(session_id, seq, t0, t1, n, data) VALUES (1, 0, 0, 0.0125, 2, ?)",
                   (encode_block([Frame(0, 1, 2, 3, 4), Frame(0.0125, 5, 6, 7, 8)]),))
    db.close()


@pytest.mark.parametrize("version", range(VERSION + 1))
def test_migrates_forward_from_every_version(tmp_path, version):
    path = tmp_path / "s.db"
    _make_version(path, version)
    with SessionStore(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == VERSION
        if version >= 1:
            assert store.get_profile("Ann")["mass_kg"] == 60
            assert store.get_session(1)["profile_name"] == "Ann"
            assert list(store.iter_frames(1)) == [Frame(0, 1, 2, 3, 4), Frame(0.0125, 5, 6, 7, 8)]
        _session(store)  # every current feature works on the migrated file
        indexes = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"sessions_by_profile", "reps_by_session"} <= indexes


def test_adopts_the_calibration_table_written_first_by_the_hardware_side(tmp_path):
    path = tmp_path / "smartmat.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE calibration(id INTEGER PRIMARY KEY, created TEXT, data TEXT)")
    db.execute("INSERT INTO calibration(created, data) VALUES ('now', '{\"fl\": {\"tare\": 1, \"scale\": 2}}')")
    db.commit()
    db.close()
    with SessionStore.in_dir(tmp_path) as store:
        assert store.latest_calibration() == (1, {"fl": {"tare": 1, "scale": 2}})


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_corrupt_file_is_refused_and_left_alone(tmp_path, content):
    path = tmp_path / "smartmat.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=str(path)):
        SessionStore(path)
    assert path.read_bytes() == content


def test_newer_version_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "smartmat.db"
    _make_version(path, VERSION)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {VERSION + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StoreError, match=rf"{path}.*newer"):
            SessionStore(path, readonly=readonly)
    assert path.read_bytes() == before


def test_foreign_database_is_refused(tmp_path):
    path = tmp_path / "smartmat.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos(x)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="refusing"):
        SessionStore(path)


def test_reader_of_missing_or_old_store_says_so(tmp_path):
    with pytest.raises(StoreError, match="no store"):
        SessionStore(tmp_path / "none.db", readonly=True)
    _make_version(tmp_path / "old.db", 1)
    with pytest.raises(StoreError, match="migrate"):
        SessionStore(tmp_path / "old.db", readonly=True)


def test_reader_sees_a_store_being_created_as_not_ready(tmp_path):
    """The web process may open the file while the device service is still creating it."""
    import sqlite3

    from device.store import StoreNotReady

    path = tmp_path / "smartmat.db"
    with pytest.raises(StoreNotReady):
        SessionStore(path, readonly=True)
    sqlite3.connect(path).close()  # created, no schema yet: what a reader can catch mid-migration
    with pytest.raises(StoreNotReady):
        SessionStore(path, readonly=True)
    SessionStore(path).close()
    SessionStore(path, readonly=True).close()
