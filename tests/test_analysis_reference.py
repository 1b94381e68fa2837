"""The personal reference: densest cluster, serialisation, mirroring, the prone prior."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings, strategies as st

from device.analysis.reference import Reference, densest


def test_densest_picks_the_biggest_cluster():
    value, n = densest([0.01, 0.04, 0.041, 0.043, 0.045, 0.09, 0.095], 0.01)
    assert n == 4
    assert 0.04 <= value <= 0.045
    # order does not matter
    assert densest([0.095, 0.043, 0.01, 0.045, 0.04, 0.09, 0.041], 0.01) == (value, n)


def test_densest_outliers_do_not_pull_the_centre():
    clean = [0.040, 0.041, 0.042, 0.043, 0.044]
    value, n = densest(clean + [0.09, -0.02], 0.01)
    assert n == 5 and value == 0.042


def test_densest_of_one_value():
    assert densest([0.3], 0.01) == (0.3, 1)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(-1, 1), min_size=1, max_size=40), st.floats(0.001, 0.5))
@example(values=[2.10263735709653e-28, -0.5], width=0.5)  # -0.5 + 0.5 < 2e-28, yet 2e-28 - -0.5 == 0.5
def test_densest_returns_a_member_of_a_largest_window(values, width):
    value, n = densest(values, width)
    assert value in values
    assert 1 <= n <= len(values)
    def within(v, a):  # as densest measures it: v - a, not a + width, which rounds differently
        return a <= v and v - a <= width

    # no window of that width holds more values
    assert all(sum(1 for v in values if within(v, a)) <= n for a in values)
    # and there is one holding n values that contains the answer
    assert any(sum(1 for v in values if within(v, a)) == n and within(value, a) for a in values)


def filled() -> Reference:
    ref = Reference("quadruped")
    for dx, dy in ((0.041, -0.02), (0.043, -0.021), (0.040, -0.019), (0.08, -0.01)):
        ref.add("left", dx, dy)
    ref.add("right", -0.039, -0.018)
    return ref


def test_to_dict_from_dict_round_trip():
    ref = filled()
    d = ref.to_dict()
    again = Reference.from_dict(json.loads(json.dumps(d)))
    assert again.to_dict() == d
    assert again.exercise == "quadruped"
    for leg in ("left", "right", None):
        assert again.expected(leg, 0.024) == ref.expected(leg, 0.024)
        assert again.known(leg) == ref.known(leg)


def test_from_dict_ignores_unknown_legs_and_takes_numbers():
    ref = Reference.from_dict({"exercise": "prone", "legs": {"left": {"dx": ["0.01"], "dy": [0.02]}, "middle": {"dx": [1]}}})
    assert ref.legs["left"].dx == [0.01] and ref.legs["left"].dy == [0.02]
    assert "middle" not in ref.legs


def test_add_keeps_only_the_most_recent():
    ref = Reference("quadruped", keep=5)
    for i in range(12):
        ref.add("left", i / 100, 0.0)
    assert ref.legs["left"].dx == [0.07, 0.08, 0.09, 0.10, 0.11]


def test_expected_mirrors_the_other_leg():
    ref = Reference("quadruped")
    assert ref.expected("right", 0.024) == (None, None)
    for dx, dy in ((0.041, -0.02), (0.043, -0.021), (0.040, -0.019)):
        ref.add("left", dx, dy)
    ex, ey = ref.expected("right", 0.024)
    assert ex == pytest.approx(-0.041)     # mirrored sideways
    assert ey == pytest.approx(-0.02)      # same toward the feet
    assert ref.known("right") == 3
    # the leg's own reps and the other's mirrored count together (a set that begins
    # with tilted reps must not make the tilt its reference) ...
    for dx in (-0.03, -0.031, -0.029):
        ref.add("right", dx, -0.01)
    ex, ey = ref.expected("right", 0.024)
    assert -0.043 <= ex <= -0.029
    # ... and once a leg has many reps of its own, they carry its reference
    for _ in range(8):
        ref.add("right", -0.03, -0.01)
    ex, ey = ref.expected("right", 0.024)
    assert ex == pytest.approx(-0.03) and ey == pytest.approx(-0.01)


def test_prone_prior_is_zero_sideways():
    ref = Reference("prone")
    ex, _ = ref.expected("left", 0.024)
    assert ex == 0.0
    ex, _ = ref.expected(None, 0.024)
    assert ex == 0.0
    # one rep that went sideways does not become the expectation
    ref.add("left", 0.02, 0.01)
    ex, ey = ref.expected("left", 0.01)
    assert ex == 0.0
    assert ey == pytest.approx(0.01)


def test_quadruped_has_no_prior():
    assert Reference("quadruped").expected("left", 0.024) == (None, None)
