"""The simulator's labels agree with what the body does and with the mat's signal."""

import numpy as np
import pytest

from device.sim import SessionSpec, build_session, simulate

SPEC = dict(sets=2, reps=(4, 6), rest_s=(15.0, 20.0), momentum_rate=0.3, pulses_rate=0.3, tilt_rate=0.3)


def reps_of(labels):
    return [r for s in labels["sets"] for r in s["reps"]]


@pytest.mark.parametrize("exercise", ["quadruped", "prone", "standing"])
def test_phase_boundaries_are_where_the_leg_is_at_rest(exercise):
    sc = build_session(SessionSpec(exercise=exercise, seed=12, **SPEC))
    h = 1e-3
    for r in reps_of(sc.labels):
        hip = f"hip_{r['leg']}"          # the leg's own motion (the trunk breathes and sways under it)
        grid = np.linspace(r["start"], r["end"], 400)
        peak = np.abs(np.gradient(sc.timeline.values(hip, grid), grid)).max()
        top = r["start"] + r["lift_s"]
        for b in (r["start"], top, top + r["hold_s"], r["end"]):
            a = sc.timeline.values(hip, np.array([b - h, b + h]))
            assert abs(a[1] - a[0]) / (2 * h) < 0.02 * peak, (r, b)
        assert abs(sc.timeline.values(hip, np.array([r["start"] - h]))[0]) < 1e-9
        mid = np.linspace(r["start"] + 0.1 * r["lift_s"], r["start"] + 0.5 * r["lift_s"], 5)
        assert np.all(np.diff(sc.timeline.values(hip, mid)) > 0)          # it rises in between
        z = sc.body.leg_com(sc.channels(np.array([r["start"], top])), r["leg"])[2]
        assert z[1] - z[0] > 0.02


def test_label_structure_matches_the_shared_samples(shared_data):
    import json

    sample = json.loads((shared_data / "sample-quadruped.labels.json").read_text())
    _, _, labels = simulate(SessionSpec(seed=2, sets=1, reps=(3, 3)))
    assert set(sample) <= set(labels)
    assert set(sample["person"]) & set(labels["person"]) >= {"mass", "ox", "oy"}
    assert set(sample["sets"][0]) <= set(labels["sets"][0])
    assert set(sample["sets"][0]["reps"][0]) <= set(labels["sets"][0]["reps"][0])
    assert set(sample["distractors"][0]) <= set(labels["distractors"][0])
    json.dumps(labels)     # plain JSON types only


@pytest.mark.parametrize("exercise", ["quadruped", "standing"])
def test_load_rises_at_on_and_falls_at_off(exercise):
    info, frames, labels = simulate(SessionSpec(exercise=exercise, seed=13, **SPEC))
    t, total = frames[:, 0], np.median(frames[:, 1:], axis=1) * 4     # median: robust to a glitch
    mass = labels["person"]["mass"]
    (a, b), (c, d) = labels["on"], labels["off"]
    assert abs(np.median(total[t < a])) < 0.5 and abs(np.median(total[t > d])) < 0.5
    mid_on = total[(t > a + 0.3) & (t < b - 0.3)]
    assert 0 < np.median(mid_on) < mass
    settled = frames[(t > b + 0.5) & (t < labels["sets"][0]["start"]), 1:].sum(axis=1)
    assert abs(np.median(settled) - mass) < 0.03 * mass
    ramp_off = total[(t > c + 0.3) & (t < d - 0.3)]
    assert 0 < np.median(ramp_off) < mass


def test_nothing_but_sway_moves_during_a_rest():
    spec = SessionSpec(exercise="quadruped", seed=14, **SPEC)
    sc = build_session(spec)
    info, frames, labels = simulate(spec)
    t, cells = frames[:, 0], frames[:, 1:]
    assert labels["rests"]
    for rest in labels["rests"]:
        quiet = (t > rest["start"]) & (t < rest["end"])
        for d in labels["distractors"]:
            quiet &= (t < d["start"] - 0.5) | (t > d["end"] + 0.5)
        ch = sc.channels(t[quiet])
        for name in ("hip_left", "hip_right", "arm_left", "arm_right"):
            assert np.all(ch[name] == 0)
        total = np.median(cells[quiet], axis=1) * 4
        cop_x = 0.3 * ((cells[quiet, 1] + cells[quiet, 3]) - (cells[quiet, 0] + cells[quiet, 2])) / cells[quiet].sum(axis=1)
        assert np.quantile(np.abs(total - np.median(total)), 0.99) < 0.05 * labels["person"]["mass"]
        assert np.quantile(cop_x, 0.99) - np.quantile(cop_x, 0.01) < 0.03


def test_sets_are_one_leg_each_and_reps_do_not_overlap():
    labels = build_session(SessionSpec(exercise="prone", seed=15, sets=4, reps=(3, 5), rest_s=(5.0, 6.0))).labels
    legs = [s["leg"] for s in labels["sets"]]
    assert legs[0] != legs[1] and legs[0] == legs[2]
    last = 0.0
    for s in labels["sets"]:
        assert 3 <= len(s["reps"]) <= 5
        for r in s["reps"]:
            assert r["leg"] == s["leg"] and r["start"] >= last
            assert abs(r["start"] + r["lift_s"] + r["hold_s"] + r["lower_s"] - r["end"]) < 1e-9
            last = r["end"]
    for d in labels["distractors"]:
        assert not any(r["start"] < d["end"] and d["start"] < r["end"] for r in reps_of(labels))
