"""Presence: empty -> mounting -> ready (body mass) -> empty, and a rep's dip does not end 'ready'."""

from __future__ import annotations

import numpy as np
import pytest

from device.analysis.pipeline import Analyzer
from device.analysis.presence import EMPTY, MOUNTING, READY, Presence

from test_analysis_common import session

RATE = 20.0


def totals_profile(mass=70.0, seed=0):
    """Empty 2 s, getting on over 2 s, still 6 s, getting off over 2 s, empty 3 s."""
    rng = np.random.default_rng(seed)
    parts = [np.zeros(40), np.linspace(0, mass, 40), np.full(120, mass), np.linspace(mass, 0, 40), np.zeros(60)]
    v = np.concatenate(parts) + 0.05 * mass / 70 * rng.standard_normal(300)
    v[:40] = np.abs(v[:40])
    return [(i / RATE, float(x)) for i, x in enumerate(v)]


def feed(p: Presence, seq):
    changes = []
    for t, v in seq:
        c = p.feed(t, v)
        if c is not None:
            changes.append((t, c, p.mass_kg))
    return changes


@pytest.mark.parametrize("mass", [45.0, 70.0, 120.0])
def test_on_ready_with_mass_then_off(mass):
    p = Presence()
    assert p.state == EMPTY and p.mass_kg is None
    changes = feed(p, totals_profile(mass))
    states = [c[1] for c in changes]
    assert states[0] == MOUNTING
    assert READY in states
    assert states[-1] == EMPTY
    assert states.index(MOUNTING) < states.index(READY)
    t_ready, _, m = changes[states.index(READY)]
    assert m == pytest.approx(mass, rel=0.03)
    # ready only once the load has stopped changing (on: 2-4 s), and not long after
    assert 4.0 <= t_ready <= 6.5
    # left the mat: nothing of the mass is kept
    assert p.mass_kg is None


def test_not_ready_while_the_load_is_still_changing():
    p = Presence()
    ramp = [(i / RATE, 15.0 + 0.5 * i) for i in range(200)]  # climbing 10 kg/s for 10 s
    assert READY not in [c[1] for c in feed(p, ramp)]


def test_light_things_on_the_mat_are_not_a_person():
    p = Presence()
    assert feed(p, [(i / RATE, 5.0) for i in range(200)]) == []
    assert p.state == EMPTY


@pytest.mark.parametrize("low,dur", [(0.5, 0.2), (0.3, 0.15), (0.75, 1.0)])
def test_a_brief_dip_of_the_total_does_not_leave_ready(low, dur):
    """A dropped leg or a hop unloads the mat for a moment; the person is still there."""
    mass = 70.0
    p = Presence()
    seq = [(i / RATE, mass) for i in range(60)]
    n = round(dur * RATE)
    seq += [((60 + i) / RATE, low * mass) for i in range(n)]
    seq += [((60 + n + i) / RATE, mass) for i in range(60)]
    changes = feed(p, seq[:60])
    assert p.state == READY
    changes = feed(p, seq[60:])
    assert changes == []
    assert p.state == READY and p.mass_kg == pytest.approx(mass)


def test_a_spike_up_does_not_change_the_mass():
    mass = 70.0
    p = Presence()
    feed(p, [(i / RATE, mass) for i in range(60)])
    feed(p, [((60 + i) / RATE, mass * (1.4 if i < 3 else 1.0)) for i in range(40)])
    assert p.state == READY and p.mass_kg == pytest.approx(mass)


@pytest.mark.parametrize("exercise,seed", [("quadruped", 1), ("prone", 2), ("standing", 4)])
def test_simulated_session_states_and_mass(exercise, seed):
    info, frames, labels = session(exercise=exercise, seed=seed)
    a = Analyzer(info, exercise=exercise)
    states = []
    for f in frames:
        states += [e for e in a.feed(f) if e["type"] == "state"]
    states += [e for e in a.finish() if e["type"] == "state"]
    seq = [e["state"] for e in states]
    assert seq[0] == MOUNTING
    assert seq[-1] == EMPTY
    ready = [e for e in states if e["state"] == READY]
    assert len(ready) == 1, seq  # one person, on once, off once
    assert ready[0]["mass_kg"] == pytest.approx(labels["person"]["mass"], rel=0.05)
    on0, on1 = labels["on"]
    off0, off1 = labels["off"]
    assert on0 - 0.5 <= states[0]["t"] <= on1
    assert on0 <= ready[0]["t"] <= on1 + 3.0
    # ready lasts through every set
    t_leave = next(e["t"] for e in states if e["t"] > ready[0]["t"] and e["state"] != READY)
    assert t_leave >= labels["sets"][-1]["end"]
    assert t_leave >= off0 - 0.5 and states[-1]["t"] <= off1 + 1.5
