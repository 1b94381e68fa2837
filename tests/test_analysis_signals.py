"""Signals: SPEC section 1 formulas, block averaging, and the centre-of-mass estimate."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from device.analysis.signals import Averager, ComEstimator, Sample, cop
from device.frames import Frame

W, L = 0.60, 1.80


def test_cop_matches_spec_formulas():
    fl, fr, bl, br = 10.0, 20.0, 5.0, 25.0
    total, cx, cy, ai = cop(fl, fr, bl, br, W, L)
    assert total == pytest.approx(60.0)
    assert cx == pytest.approx((W / 2) * ((fr + br) - (fl + bl)) / 60.0)
    assert cy == pytest.approx((L / 2) * ((fl + fr) - (bl + br)) / 60.0)
    assert ai == pytest.approx(100 * ((fl + bl) - (fr + br)) / 60.0)


def test_more_load_on_the_left_is_positive_ai_and_negative_x():
    total, cx, cy, ai = cop(30.0, 10.0, 30.0, 10.0, W, L)
    assert ai == pytest.approx(50.0)
    assert cx == pytest.approx(-0.15)   # toward the user's left
    assert cy == pytest.approx(0.0)


def test_all_on_one_corner_puts_the_cop_on_that_cell():
    for cells, (x, y) in (((1, 0, 0, 0), (-W / 2, L / 2)), ((0, 1, 0, 0), (W / 2, L / 2)),
                          ((0, 0, 1, 0), (-W / 2, -L / 2)), ((0, 0, 0, 1), (W / 2, -L / 2))):
        total, cx, cy, ai = cop(*(70.0 * c for c in cells), W, L)
        assert (cx, cy) == (pytest.approx(x), pytest.approx(y))
        assert ai == pytest.approx(100.0 if x < 0 else -100.0)


def test_even_load_is_centred():
    assert cop(17.5, 17.5, 17.5, 17.5, W, L) == (70.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("loads", [(0, 0, 0, 0), (0.0, -0.0, 0.0, 0.0), (-1.0, 1.0, -1.0, 1.0)])
def test_no_load_gives_finite_zeros(loads):
    total, cx, cy, ai = cop(*loads, W, L)
    assert all(math.isfinite(v) for v in (total, cx, cy, ai))
    assert (cx, cy, ai) == (0.0, 0.0, 0.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 200.0), min_size=4, max_size=4).filter(lambda v: sum(v) > 1.0),
       st.floats(0.2, 3.0), st.floats(0.3, 3.0))
def test_ai_is_cop_x_in_percent_of_half_width(loads, width, length):
    total, cx, cy, ai = cop(*loads, width, length)
    assert ai == pytest.approx(-100.0 * cx / (width / 2), abs=1e-9)
    assert abs(cx) <= width / 2 + 1e-12 and abs(cy) <= length / 2 + 1e-12


@pytest.mark.parametrize("rate", [80.0, 40.0, 20.0, 10.0])
def test_averager_gives_block_means_of_time_and_loads(rate):
    av = Averager(rate, W, L)
    n = av.n
    assert n >= 1
    # the averaged stream keeps at least 10 samples/s and never invents samples
    assert 10.0 <= rate / n <= max(rate, 40.0)
    frames = [Frame(i / rate, i, 2.0 * i, 10.0, 20.0 + (i % 3)) for i in range(6 * n)]
    out = [s for s in (av.feed(f) for f in frames) if s is not None]
    assert len(out) == 6
    for k, s in enumerate(out):
        block = frames[k * n:(k + 1) * n]
        mean = [sum(f[c] for f in block) / n for c in range(5)]
        assert s.t == pytest.approx(mean[0])  # the block's mean time: no lag
        total, cx, cy, ai = cop(*mean[1:], W, L)
        assert (s.total, s.cop_x, s.cop_y, s.ai) == (pytest.approx(total), pytest.approx(cx),
                                                     pytest.approx(cy), pytest.approx(ai))


def com_run(xs, rate=20.0, height=0.45):
    est = ComEstimator(rate, height)
    out = []
    for i, x in enumerate(xs):
        s = est.feed(Sample(i / rate, 70.0, x, -x, 0.0))
        if s is not None:
            out.append(s)
    return out


def test_com_of_a_still_cop_is_that_cop():
    out = com_run([0.03] * 200)
    assert out and all(s.com_x == pytest.approx(0.03) for s in out)


@pytest.mark.parametrize("height", [0.12, 0.45, 0.95])
def test_com_of_a_cop_step_is_a_symmetric_smooth_step_centred_on_it(height):
    rate, a = 20.0, 0.05
    k = 200
    xs = [0.0] * k + [a] * k           # the step lies between samples k-1 and k
    t_step = (k - 0.5) / rate
    out = com_run(xs, rate, height)
    ts = [s.t for s in out]
    ys = [s.com_x for s in out]
    # each output is stamped with an input sample's time
    assert all(abs(t * rate - round(t * rate)) < 1e-9 for t in ts)
    # smooth: rises monotonically, never jumps by a large share of the step in one sample
    assert all(b >= a0 - 1e-12 for a0, b in zip(ys, ys[1:]))
    assert max(b - a0 for a0, b in zip(ys, ys[1:])) < 0.5 * a
    # goes all the way
    assert ys[0] == pytest.approx(0.0, abs=1e-9) and ys[-1] == pytest.approx(a)
    # symmetric about the step, so the half-way point is the step's own time (no bias)
    by_t = {round(t * rate): y for t, y in zip(ts, ys)}
    for j in range(0, 40):
        lo, hi = k - 1 - j, k + j
        if lo in by_t and hi in by_t:
            assert by_t[lo] + by_t[hi] == pytest.approx(a, abs=1e-9)
    i = next(i for i, y in enumerate(ys) if y >= a / 2)
    t_half = ts[i - 1] + (a / 2 - ys[i - 1]) * (ts[i] - ts[i - 1]) / (ys[i] - ys[i - 1])
    assert t_half == pytest.approx(t_step, abs=1e-6)
    # and it is a smoothing, not a pass-through: the sample next to the step is well short of it
    assert by_t[k] < 0.9 * a


@pytest.mark.parametrize("freq", [2.0, 3.0, 5.0])
def test_com_attenuates_a_short_zero_mean_wiggle(freq):
    """The CoP must swing beyond the CoM to move it: a quick wiggle of the CoP is mostly not the CoM."""
    rate, amp = 20.0, 0.03
    n = round(rate / freq)  # one cycle
    xs = [0.0] * 100 + [amp * math.sin(2 * math.pi * i / n) for i in range(n)] + [0.0] * 100
    out = com_run(xs, rate)
    peak = max(abs(s.com_x) for s in out)
    assert peak < 0.5 * amp
    # and the CoM ends where it started
    assert out[-1].com_x == pytest.approx(0.0, abs=1e-9)
