"""Analyzer commands: exercise, leg, target, tare, start/stop set; bad values are clear errors."""

from __future__ import annotations

import pytest

from device.analysis.pipeline import Analyzer
from device.frames import Frame, SourceInfo

from test_analysis_common import rep_events, session

RATE = 80.0


def still(a: Analyzer, kg_per_cell: float, seconds: float, t0: float = 0.0) -> list[dict]:
    events = []
    for i in range(round(seconds * RATE)):
        v = kg_per_cell + 0.01 * ((i * 7919) % 5 - 2)
        events += a.feed(Frame(t0 + i / RATE, v, v, v, v))
    return events


def states(events):
    return [e for e in events if e["type"] == "state"]


@pytest.mark.parametrize("ex", ["prone", "quadruped", "standing", None])
def test_set_exercise_changes_it_and_reports_state(ex):
    a = Analyzer(SourceInfo(rate_hz=RATE), exercise="quadruped")
    ev = a.command({"cmd": "set_exercise", "exercise": ex})
    assert a.exercise == ex
    assert len(ev) == 1 and ev[0]["type"] == "state" and ev[0]["exercise"] == ex


@pytest.mark.parametrize("cmd,words", [
    ({"cmd": "set_exercise", "exercise": "plank"}, "exercise"),
    ({"cmd": "set_exercise", "exercise": ""}, "exercise"),
    ({"cmd": "set_leg", "leg": "up"}, "leg"),
    ({"cmd": "set_leg", "leg": 1}, "leg"),
    ({"cmd": "set_target", "reps": 0}, "reps"),
    ({"cmd": "set_target", "reps": -3}, "reps"),
    ({"cmd": "set_target", "reps": 1001}, "reps"),  # the bus protocol allows 1-1000
    ({"cmd": "set_target", "reps": 2.5}, "reps"),
    ({"cmd": "set_target", "reps": "10"}, "reps"),
    ({"cmd": "set_target", "reps": True}, "reps"),
])
def test_bad_values_raise_a_clear_value_error(cmd, words):
    a = Analyzer(SourceInfo(rate_hz=RATE), exercise="quadruped")
    before = (a.exercise, a.chosen_leg, a.sets.target)
    with pytest.raises(ValueError, match=words) as exc:
        a.command(cmd)
    assert "\n" not in str(exc.value) and len(str(exc.value)) < 120
    assert (a.exercise, a.chosen_leg, a.sets.target) == before  # nothing half-applied


def test_the_exercise_error_lists_the_choices():
    a = Analyzer(SourceInfo(rate_hz=RATE))
    with pytest.raises(ValueError) as exc:
        a.command({"cmd": "set_exercise", "exercise": "plank"})
    assert all(x in str(exc.value) for x in ("prone", "quadruped", "standing"))


@pytest.mark.parametrize("cmd", [{"cmd": "explode"}, {"cmd": None}, {}, {"cmd": "SET_LEG", "leg": "left"}])
def test_unknown_command_raises(cmd):
    a = Analyzer(SourceInfo(rate_hz=RATE))
    with pytest.raises(ValueError, match="unknown command"):
        a.command(cmd)


def test_set_leg_and_target_are_taken():
    a = Analyzer(SourceInfo(rate_hz=RATE))
    assert a.command({"cmd": "set_leg", "leg": "right"}) == []
    assert a.chosen_leg == "right"
    assert a.command({"cmd": "set_leg", "leg": None}) == []
    assert a.chosen_leg is None
    for n in (1, 12, 200):
        a.command({"cmd": "set_target", "reps": n})
        assert a.sets.target == n
    a.command({"cmd": "set_target", "reps": None})
    assert a.sets.target is None


def test_tare_before_any_reading_is_refused():
    with pytest.raises(ValueError, match="no reading"):
        Analyzer(SourceInfo(rate_hz=RATE)).command({"cmd": "tare"})


def test_tare_with_someone_on_the_mat_is_refused():
    a = Analyzer(SourceInfo(rate_hz=RATE))
    ev = still(a, 17.5, 4.0)
    assert [e["state"] for e in states(ev)][-1] == "ready"
    with pytest.raises(ValueError, match="not empty"):
        a.command({"cmd": "tare"})
    assert a.offsets == [0.0, 0.0, 0.0, 0.0]


def test_tare_on_an_empty_mat_zeroes_the_cells():
    """An empty mat reading 2 kg per cell (8 kg, below the presence threshold), tared: a 70 kg
    person who then gets on weighs 70 kg, not 78."""
    a = Analyzer(SourceInfo(rate_hz=RATE))
    still(a, 2.0, 1.0)
    assert a.command({"cmd": "tare"}) == []
    ev = still(a, 2.0 + 17.5, 4.0, t0=1.0)
    ready = [e for e in states(ev) if e["state"] == "ready"]
    assert ready and ready[0]["mass_kg"] == pytest.approx(70.0, abs=0.5)


def feed_until_reps(a: Analyzer, frames, n: int):
    events = []
    it = iter(frames)
    for f in it:
        events += a.feed(f)
        if len(rep_events(events)) >= n:
            break
    return events, list(it)


@pytest.mark.parametrize("name", ["start_set", "stop_set"])
def test_start_and_stop_set_close_the_open_set(name):
    info, frames, labels = session(exercise="quadruped", seed=4)
    a = Analyzer(info, exercise="quadruped")
    events, rest = feed_until_reps(a, frames, 3)
    assert a.sets.count == 3
    ev = a.command({"cmd": name})
    assert [(e["type"], e["event"], e["set"], e["reps"]) for e in ev] == [("set", "end", 1, 3)]
    assert a.sets.open is None
    assert a.command({"cmd": name}) == []  # nothing open now
    later = a.feed_many(rest) + a.finish()
    reps = rep_events(later)
    assert reps, "the reps after the break are still counted"
    assert reps[0]["set"] == 2 and reps[0]["count"] == 1
    res = a.result()
    assert len(res["sets"]) >= 2 and len(res["sets"][0]["reps"]) == 3
    assert res["reps_total"] == 3 + len(reps)


def test_set_leg_names_the_prone_leg_mid_session():
    info, frames, labels = session(exercise="prone", seed=1)
    a = Analyzer(info, exercise="prone")
    events, rest = feed_until_reps(a, frames, 2)
    assert all(e["leg"] is None for e in rep_events(events))
    a.command({"cmd": "set_leg", "leg": "left"})
    later = rep_events(a.feed_many(rest) + a.finish())
    assert later and all(e["leg"] == "left" for e in later)
