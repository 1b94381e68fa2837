"""The simulator's physics: forces, load distribution, balance and faults behave as a real body on a real mat."""

import numpy as np
import pytest

from device.sim import SessionSpec, build_session, simulate
from device.sim.body import G, inside_margin
from device.sim.engine import mat_sensor, true_loads
from device.sim.plate import Plate

SHORT = dict(sets=2, reps=(4, 6), rest_s=(8.0, 10.0), distractors=False)


def render(spec):
    """Noise-free cell loads (kg) at the frame times, and the scenario behind them."""
    sc = build_session(spec)
    sensor = mat_sensor(spec)
    t = sensor.sample_times(sc.duration, np.random.default_rng(0))
    loads = true_loads(sc, Plate(spec.width_m, spec.length_m, sensor.stiffness), t, sensor.period_s)
    return sc, t, loads


def during(t, a, b):
    return (t >= a) & (t <= b)


def ai(loads):
    loads = np.where(loads.sum(axis=1, keepdims=True) > 1.0, loads, np.nan)    # empty mat: no asymmetry
    return 100 * ((loads[:, 0] + loads[:, 2]) - (loads[:, 1] + loads[:, 3])) / loads.sum(axis=1)


@pytest.mark.parametrize("exercise", ["quadruped", "prone", "standing"])
def test_total_is_weight_plus_mass_times_acceleration_of_the_com(exercise):
    """Newton on the whole body: sum of cells = M (g + a_com) / g, through a different path than the simulator's."""
    spec = SessionSpec(exercise=exercise, seed=3, momentum_rate=0.3, **SHORT)
    sc, t, loads = render(spec)
    period, h, k = mat_sensor(spec).period_s, 1e-3, 16
    # each reading is the mean over its conversion period: average M a_com over the same window
    inst = (t[:, None] - period * (np.arange(k) + 0.5) / k).ravel()
    tt = np.concatenate([inst - h, inst, inst + h])
    order = np.argsort(tt, kind="stable")
    z = np.empty_like(tt)
    z[order] = sc.body.com(sc.channels(tt[order]))[2]
    n = len(inst)
    acc = ((z[:n] - 2 * z[n:2 * n] + z[2 * n:]) / h**2).reshape(len(t), k).mean(axis=1)
    expected = sc.channels(t)["on"] * sc.body.person.mass * (1 + acc / G)
    err = np.abs(loads.sum(axis=1) - expected)
    assert np.median(err) < 0.01
    assert np.quantile(err, 0.995) < 0.01 * sc.body.person.mass
    assert loads.sum(axis=1).max() - sc.body.person.mass > 1.0      # dynamic bumps exist


def test_lifting_the_left_knee_in_quadruped_unloads_the_back_left_cell():
    sc, t, loads = render(SessionSpec(exercise="quadruped", seed=5, tilt_rate=0, momentum_rate=0, pulses_rate=0, **SHORT))
    reps = [r for s in sc.labels["sets"] for r in s["reps"] if r["leg"] == "left"]
    assert reps
    for r in reps:
        before = loads[during(t, r["start"] - 0.3, r["start"])].mean(axis=0)
        top = loads[during(t, r["start"] + r["lift_s"], r["start"] + r["lift_s"] + r["hold_s"])].mean(axis=0)
        assert top[2] < before[2] - 0.015 * sc.body.person.mass    # bl
        assert top[3] > before[3]                                  # br takes it


@pytest.mark.parametrize("exercise", ["quadruped", "prone", "standing"])
def test_cop_stays_inside_the_support_polygon(exercise):
    spec = SessionSpec(exercise=exercise, seed=11, tilt_rate=0.5, momentum_rate=0, **SHORT)
    sc, t, loads = render(spec)
    total = np.where(loads.sum(axis=1) > 1.0, loads.sum(axis=1), np.nan)
    cx = spec.width_m / 2 * ((loads[:, 1] + loads[:, 3]) - (loads[:, 0] + loads[:, 2])) / total
    cy = spec.length_m / 2 * ((loads[:, 0] + loads[:, 1]) - (loads[:, 2] + loads[:, 3])) / total
    on = sc.labels["on"][1]
    setup = during(t, on, sc.labels["sets"][0]["start"])
    assert inside_margin(sc.body.support_polygon(), cx[setup], cy[setup]).min() > 0.01
    for s in sc.labels["sets"]:
        poly = sc.body.support_polygon(lifted=s["leg"])
        for r in s["reps"]:
            hold = during(t, r["start"] + r["lift_s"], r["start"] + r["lift_s"] + r["hold_s"])
            assert inside_margin(poly, cx[hold], cy[hold]).min() > 0.0, r


@pytest.mark.parametrize("exercise", ["quadruped", "prone", "standing"])
def test_a_tilted_rep_shifts_the_asymmetry_beyond_a_clean_one_toward_its_side(exercise):
    spec = SessionSpec(exercise=exercise, seed=21, tilt_rate=0.5, momentum_rate=0, pulses_rate=0,
                       sets=2, reps=(10, 10), rest_s=(8.0, 9.0), distractors=False)
    sc, t, loads = render(spec)
    a = ai(loads)
    checked = 0
    for s in sc.labels["sets"]:
        shifts = {}
        for r in s["reps"]:
            top = r["start"] + r["lift_s"]
            d = a[during(t, top, top + r["hold_s"])].mean() - a[during(t, r["start"] - 0.2, r["start"])].mean()
            shifts.setdefault(r["tilt_side"], []).append(d)
        clean = np.mean(shifts.pop(None))
        for side, ds in shifts.items():
            for d in ds:
                beyond = (d - clean) * (1 if side == "left" else -1)   # ai > 0: load on the left
                assert beyond > 3.0, (side, d, clean)
                checked += 1
    assert checked


def test_standing_moves_the_com_over_the_stance_foot_and_prone_hardly_sideways():
    for exercise, lo, hi in (("standing", 0.06, 0.12), ("prone", 0.0, 0.01)):
        labels = build_session(SessionSpec(exercise=exercise, seed=2, **SHORT)).labels
        for leg, (dx, dy) in labels["person"]["clean_shift"].items():
            assert lo <= abs(dx) <= hi
            if exercise == "standing":
                assert np.sign(dx) == (1 if leg == "left" else -1)    # away from the working leg


def test_reproducible_from_the_seed():
    spec = SessionSpec(exercise="prone", seed=9, rate_hz=10, **SHORT)
    a, b = simulate(spec), simulate(spec)
    assert np.array_equal(a[1], b[1]) and a[2] == b[2]
    c = simulate(SessionSpec(exercise="prone", seed=10, rate_hz=10, **SHORT))
    assert not np.array_equal(a[1][:100, 1:], c[1][:100, 1:]) or a[2] != c[2]


def test_counts_round_trip_to_kg():
    kg = simulate(SessionSpec(seed=4, units="kg", **SHORT))
    info, counts, labels = simulate(SessionSpec(seed=4, units="counts", **SHORT))
    assert info.units == "counts" and set(info.calibration) == {"fl", "fr", "bl", "br"}
    assert np.all(counts[:, 1:] == np.round(counts[:, 1:])) and np.abs(counts[:, 1:]).max() < 2**23
    for cal_i, c in enumerate(("fl", "fr", "bl", "br")):
        cal = info.calibration[c]
        assert 20_000 <= cal.scale <= 45_000 and abs(cal.tare) <= 200_000
        assert np.allclose((counts[:, cal_i + 1] - cal.tare) / cal.scale, kg[1][:, cal_i + 1], atol=1e-9)
    assert labels == kg[2]


def test_glitches_are_isolated_single_readings():
    info, frames, labels = simulate(SessionSpec(seed=6, noise="high", **SHORT))
    assert labels["glitches"] == len(labels["glitch_list"]) > 0
    cells = frames[:, 1:]
    marked = {(g["index"], "fl fr bl br".split().index(g["cell"])) for g in labels["glitch_list"]}
    for i, c in marked:
        neighbours = cells[[i - 2, i - 1, i + 1, i + 2], c]
        assert abs(cells[i, c] - np.median(neighbours)) > 2.0                  # far from its neighbours
        assert np.ptp(neighbours) < 2.0 or any(abs(i + d - j) == 0 for d in (-2, -1, 1, 2) for j, _ in marked)
    # where the user keeps still, nothing else jumps like that
    t = frames[:, 0]
    moving = [(s["start"], s["end"]) for s in labels["sets"]] + [tuple(labels["on"]), tuple(labels["off"])]
    still = np.ones(len(t) - 1, bool)
    for a, b in moving:
        still &= (t[1:] < a) | (t[:-1] > b)
    jumps = (np.abs(np.diff(cells, axis=0)) > 2.0).any(axis=1) & still
    assert set(np.nonzero(jumps)[0]) <= {i for i, _ in marked} | {i - 1 for i, _ in marked}


def test_noise_and_drift_are_hx711_like():
    info, frames, labels = simulate(SessionSpec(seed=8, **SHORT))
    empty = frames[frames[:, 0] < labels["on"][0] - 0.2, 1:]
    assert 0.003 < empty.std(axis=0).mean() < 0.03        # grams to tens of grams per cell
    dt = np.diff(frames[:, 0])
    assert dt.min() > 0 and 0.0118 < np.median(dt) < 0.0132 and dt.std() > 1e-4
