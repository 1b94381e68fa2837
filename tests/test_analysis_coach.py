"""Coach: at most one cue per rep, most important fault first, no nagging, switch legs at the target."""

from __future__ import annotations

import pytest

from device.analysis.coach import CUES, Coach
from device.analysis.pipeline import Analyzer

from test_analysis_common import run_live, session

CLEAN = {"tilt": False, "tilt_side": None, "momentum": False, "arch": False,
         "lift_s": 1.0, "hold_s": 1.0, "lower_s": 1.5}


def rep(**kw):
    return {**CLEAN, **kw}


def test_a_clean_rep_gets_no_cue():
    assert Coach().after_rep(10.0, rep()) is None


@pytest.mark.parametrize("faults,cue", [
    (dict(tilt=True, tilt_side="left", momentum=True, arch=True, hold_s=0.0), "hips_square"),
    (dict(momentum=True, arch=True, hold_s=0.0), "slow_down"),
    (dict(arch=True, hold_s=0.0), "back_flat"),
    (dict(hold_s=0.0), "hold_top"),
])
def test_one_cue_most_important_first(faults, cue):
    out = Coach().after_rep(10.0, rep(**faults))
    assert isinstance(out, dict)  # a single cue, never a list
    assert out["type"] == "cue" and out["cue"] == cue and out["text"] == CUES[cue]
    assert out["t"] == 10.0


def test_the_same_cue_is_not_repeated_within_quiet_s():
    c = Coach(quiet_s=4.0)
    tilt = rep(tilt=True, tilt_side="right")
    assert c.after_rep(10.0, tilt)["cue"] == "hips_square"
    assert c.after_rep(12.0, tilt) is None
    assert c.after_rep(13.9, tilt) is None
    # another cue may come in the meantime
    assert c.after_rep(13.95, rep(momentum=True))["cue"] == "slow_down"
    assert c.after_rep(14.05, tilt)["cue"] == "hips_square"


def test_a_suppressed_cue_does_not_restart_the_quiet_time():
    c = Coach(quiet_s=4.0)
    tilt = rep(tilt=True, tilt_side="right")
    c.after_rep(0.0, tilt)
    c.after_rep(3.0, tilt)          # suppressed
    assert c.after_rep(4.1, tilt) is not None


def test_switch_legs_is_said_once_per_quiet_time():
    c = Coach(quiet_s=4.0)
    assert c.say(5.0, "switch_legs")["text"] == CUES["switch_legs"]
    assert c.say(6.0, "switch_legs") is None


def cues_by_rep(events):
    """For each rep event, the cue events that follow it before the next rep."""
    out, cur = [], None
    for e in events:
        if e["type"] == "rep":
            cur = (e, [])
            out.append(cur)
        elif e["type"] == "cue" and cur is not None:
            cur[1].append(e)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_live_cues_one_fault_cue_per_rep_and_no_nagging(seed):
    info, frames, _ = session(exercise="quadruped", seed=seed, tilt_rate=0.5, momentum_rate=0.3)
    a, events = run_live(info, frames, exercise="quadruped")
    per_rep = cues_by_rep(events)
    assert per_rep
    for r, cues in per_rep:
        faults = [c for c in cues if c["cue"] != "switch_legs"]
        assert len(faults) <= 1
        for c in faults:
            assert c["t"] == r["t"]
            if r["tilt"]:
                assert c["cue"] == "hips_square"
            elif r["momentum"]:
                assert c["cue"] == "slow_down"
    cues = [e for e in events if e["type"] == "cue"]
    last: dict[str, float] = {}
    for c in cues:
        if c["cue"] in last:
            assert c["t"] - last[c["cue"]] >= a.coach.quiet_s
        last[c["cue"]] = c["t"]


@pytest.mark.parametrize("target", [3, 5])
def test_switch_legs_when_the_target_is_reached(target):
    info, frames, labels = session(exercise="quadruped", seed=4)
    assert len(labels["sets"][0]["reps"]) > target
    a = Analyzer(info, exercise="quadruped")
    assert a.command({"cmd": "set_target", "reps": target}) == []
    events = []
    for f in frames:
        events += a.feed(f)
    events += a.finish()
    switch = [e for e in events if e["type"] == "cue" and e["cue"] == "switch_legs"]
    assert len(switch) == 1
    reps = [e for e in events if e["type"] == "rep"]
    at = next(e for e in reps if e["count"] == target)
    assert switch[0]["t"] == at["t"]
    # said right after that rep's events, before the next rep
    i_rep, i_cue = events.index(at), events.index(switch[0])
    assert i_rep < i_cue and all(e["type"] != "rep" for e in events[i_rep + 1:i_cue])


def test_no_switch_legs_without_a_target_or_before_it():
    info, frames, labels = session(exercise="quadruped", seed=4)
    for target in (None, 50):
        a = Analyzer(info, exercise="quadruped")
        a.command({"cmd": "set_target", "reps": target})
        events = a.feed_many(frames) + a.finish()
        assert not [e for e in events if e["type"] == "cue" and e["cue"] == "switch_legs"]
