"""Minimum-jerk move fits: the path itself, its bases, and recovering a move's timing from the mat's signals."""

from __future__ import annotations

import numpy as np
import pytest

from device.analysis.fit import FORCE, SHIFT, Channel, bases, coefficients, fit_move, minjerk, rise

G = 9.81
RATE = 20.0
T = np.arange(0.0, 4.0, 1.0 / RATE)          # a 4 s window at the detectors' rate
START, DUR = 1.13, 0.87                      # off every grid point the fit tries
THETA = 1.2                                  # top angle (rad)
# Generous ranges that hold the truth, but not at their centres (1.05 and 2.15).
RANGES = dict(starts=(0.6, 1.5), ends=(1.7, 2.6))
PENDULUM = -0.03 * 0.9 / G                   # CoP leads the CoM: -a h/g for a 3 cm shift, h = 0.9 m
SHIFT_COEF = np.array([0.02, 0.03, PENDULUM])
Z_A, Z_B = 0.01, 0.005                       # z = a (1 - cos) + b sin (m)


def timing_error(move, start=START, dur=DUR) -> float:
    """The worse of the start's and the end's error (s)."""
    return max(abs(move.start - start), abs(move.start + move.duration - (start + dur)))


def shift_signal(t=T, start=START, dur=DUR, coef=SHIFT_COEF) -> np.ndarray:
    m, _, mdd = minjerk((t - start) / dur)
    return coef[0] + coef[1] * m + coef[2] * mdd / dur ** 2


def height(t, down: bool, start=START, dur=DUR) -> np.ndarray:
    """The centre of mass's rise (m) as the leg turns by theta m(u) (or back, lowering)."""
    m = minjerk((t - start) / dur)[0]
    if down:
        m = 1.0 - m
    a = THETA * m
    return Z_A * (1.0 - np.cos(a)) + Z_B * np.sin(a)


def force_signal(t, down: bool, start=START, dur=DUR) -> np.ndarray:
    """Vertical force in body weights, F/W = 1 + z''/g, z'' by finite differences on a 1 kHz grid."""
    fine = np.arange(-0.5, 4.5, 0.001)
    z = height(fine, down, start, dur)
    zdd = np.gradient(np.gradient(z, fine), fine)
    return 1.0 + np.interp(t, fine, zdd) / G


def force_exact(t=T, start=START, dur=DUR, down=False) -> np.ndarray:
    """The same force through the module's own bases."""
    X = np.stack(bases(FORCE, (t - start) / dur, np.asarray(dur), THETA, down), axis=-1)
    return X @ np.array([1.0, Z_A / G, Z_B / G])


# ----- minjerk ---------------------------------------------------------------


def test_minjerk_ends_at_rest_at_both_ends():
    m, md, mdd = minjerk(np.array([0.0, 1.0]))
    np.testing.assert_allclose(m, [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(md, [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(mdd, [0.0, 0.0], atol=1e-12)
    # Half way in time is half way in progress, at the peak speed 30/16.
    m, md, mdd = minjerk(np.array([0.5]))
    assert m[0] == pytest.approx(0.5)
    assert md[0] == pytest.approx(1.875)
    assert mdd[0] == pytest.approx(0.0, abs=1e-12)


def test_minjerk_is_monotone_inside_and_clamped_outside():
    u = np.linspace(0.0, 1.0, 1001)
    m, md, _ = minjerk(u)
    assert np.all(np.diff(m) > 0)
    assert np.all(md[1:-1] > 0)
    outside = np.array([-3.0, -0.2, -1e-6, 1.0 + 1e-6, 1.3, 7.0])
    m, md, mdd = minjerk(outside)
    np.testing.assert_array_equal(m, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(md, 0.0)
    np.testing.assert_array_equal(mdd, 0.0)


def test_minjerk_derivatives_match_finite_differences_and_integrals():
    h = 1e-5
    for u in (0.13, 0.37, 0.5, 0.81):
        m, md, mdd = (x[0] for x in minjerk(np.array([u])))
        mp, mdp, _ = (x[0] for x in minjerk(np.array([u + h])))
        mm, mdm, _ = (x[0] for x in minjerk(np.array([u - h])))
        assert md == pytest.approx((mp - mm) / (2 * h), rel=1e-6)
        assert mdd == pytest.approx((mdp - mdm) / (2 * h), rel=1e-6, abs=1e-6)
    # And the other way: integrating m'' gives m', integrating m' gives m.
    u = np.linspace(0.0, 1.0, 20001)
    m, md, mdd = minjerk(u)
    du = u[1] - u[0]
    md_int = np.concatenate([[0.0], np.cumsum(0.5 * (mdd[1:] + mdd[:-1]) * du)])
    m_int = np.concatenate([[0.0], np.cumsum(0.5 * (md[1:] + md[:-1]) * du)])
    np.testing.assert_allclose(md_int, md, atol=1e-6)
    np.testing.assert_allclose(m_int, m, atol=1e-6)


# ----- bases -----------------------------------------------------------------


@pytest.mark.parametrize("down", [False, True], ids=["lift", "lower"])
def test_force_bases_are_second_time_derivatives_of_the_rise_shapes(down):
    """FORCE bases: d2/dt2 of 1 - cos(theta m) and sin(theta m), the progress reversed for a lower."""
    fine = np.arange(0.0, 4.0, 0.0005)
    m = minjerk((fine - START) / DUR)[0]
    if down:
        m = 1.0 - m
    ones, b1, b2 = bases(FORCE, (fine - START) / DUR, np.asarray(DUR), THETA, down)
    np.testing.assert_array_equal(ones, 1.0)
    for shape, basis in ((1.0 - np.cos(THETA * m), b1), (np.sin(THETA * m), b2)):
        dd = np.gradient(np.gradient(shape, fine), fine)
        inner = slice(10, -10)
        # (finite differences are O(h) off where the jerk jumps, at the move's ends)
        np.testing.assert_allclose(basis[inner], dd[inner], atol=5e-3 * np.abs(dd).max())
        assert np.abs(basis).max() > 1.0    # not trivially zero


def test_shift_bases_are_level_progress_and_pendulum_lead():
    u = (T - START) / DUR
    ones, b1, b2 = bases(SHIFT, u, np.asarray(DUR), THETA, False)
    m, _, mdd = minjerk(u)
    np.testing.assert_array_equal(ones, 1.0)
    np.testing.assert_allclose(b1, m)
    np.testing.assert_allclose(b2, mdd / DUR ** 2)


def test_coefficients_recover_the_true_ones_at_the_true_timing():
    shift = Channel(shift_signal(), 0.001, SHIFT)
    np.testing.assert_allclose(coefficients(T, shift, START, DUR, THETA, False), SHIFT_COEF, atol=1e-8)
    force = Channel(force_exact(), 0.001, FORCE)
    np.testing.assert_allclose(coefficients(T, force, START, DUR, THETA, False), [1.0, Z_A / G, Z_B / G], atol=1e-8)


# ----- fit_move ----------------------------------------------------------------


def test_fit_recovers_a_shift_move():
    rng = np.random.default_rng(1)
    y = shift_signal() + rng.normal(0.0, 0.001, len(T))
    move = fit_move(T, [Channel(y, 0.001, SHIFT)], theta=THETA, **RANGES)
    assert timing_error(move) < 0.03
    assert move.coefs[0][1] == pytest.approx(0.03, abs=0.002)   # the 3 cm shift


def test_fit_recovers_a_shift_move_even_with_a_strong_pendulum_lead():
    """The brief's example: CoP = 0.02 + 0.03 m - 0.05 m''/D^2 (a lead far beyond the shift)."""
    rng = np.random.default_rng(2)
    y = shift_signal(coef=np.array([0.02, 0.03, -0.05])) + rng.normal(0.0, 0.001, len(T))
    move = fit_move(T, [Channel(y, 0.001, SHIFT)], theta=THETA, **RANGES)
    assert timing_error(move) < 0.03


@pytest.mark.parametrize("down", [False, True], ids=["lift", "lower"])
def test_fit_recovers_a_force_only_move_and_its_rise(down):
    rng = np.random.default_rng(3)
    noise = 3e-4                                  # body weights; the move peaks near 0.01
    f = force_signal(T, down)
    move = fit_move(T, [Channel(f + rng.normal(0.0, noise, len(T)), noise, FORCE)], theta=THETA, down=down, **RANGES)
    assert move.down is down and move.theta == THETA
    assert timing_error(move) < 0.03
    # rise(): the height of the top above the bottom, for a lift and (as the fall) for a lower.
    true = abs(float(height(np.array([4.0]), down)[0] - height(np.array([0.0]), down)[0]))
    assert true == pytest.approx(Z_A * (1 - np.cos(THETA)) + Z_B * np.sin(THETA))
    assert rise(move.coefs[0], THETA) == pytest.approx(true, rel=0.1)


def test_rise_of_the_true_force_coefficients_is_the_true_rise():
    coef = np.array([1.0, Z_A / G, Z_B / G])
    assert rise(coef, THETA) == pytest.approx(Z_A * (1 - np.cos(THETA)) + Z_B * np.sin(THETA), rel=1e-12)
    assert rise(coef, THETA, g=1.62) == pytest.approx(1.62 / G * rise(coef, THETA), rel=1e-12)


def test_direction_of_a_force_move_lives_in_its_coefficients_not_its_timing():
    """Lift and lower bases span the same space (cos and sin of theta - x mix into cos and sin of x).

    So a lift fitted as a lower is timed the same and fits as well; only the
    coefficients tell the direction: rise() of the wrong reading is the true rise negated.
    """
    rng = np.random.default_rng(4)
    noise = 3e-4
    true = Z_A * (1 - np.cos(THETA)) + Z_B * np.sin(THETA)
    for down in (False, True):
        ch = Channel(force_signal(T, down) + rng.normal(0.0, noise, len(T)), noise, FORCE)
        right = fit_move(T, [ch], theta=THETA, down=down, **RANGES)
        wrong = fit_move(T, [ch], theta=THETA, down=not down, **RANGES)
        assert wrong.cost == pytest.approx(right.cost, abs=1e-6)
        assert wrong.start == pytest.approx(right.start, abs=1e-9)
        assert wrong.duration == pytest.approx(right.duration, abs=1e-9)
        assert rise(right.coefs[0], THETA) == pytest.approx(true, rel=0.1)
        assert rise(wrong.coefs[0], THETA) == pytest.approx(-rise(right.coefs[0], THETA), rel=1e-6)


def test_force_and_shift_together_time_the_move_better_than_either_alone():
    force, shift = force_exact(), shift_signal()
    nf, ns = 8e-4, 6e-3                            # each channel alone is a poor timer here
    errs = {"force": [], "shift": [], "both": []}
    for seed in range(16):
        rng = np.random.default_rng(100 + seed)
        f = Channel(force + rng.normal(0.0, nf, len(T)), nf, FORCE)
        s = Channel(shift + rng.normal(0.0, ns, len(T)), ns, SHIFT)
        e = {k: timing_error(fit_move(T, chans, theta=THETA, **RANGES))
             for k, chans in (("force", [f]), ("shift", [s]), ("both", [f, s]))}
        assert e["both"] <= max(e["force"], e["shift"]) + 1e-9   # never worse than the worse one
        for k, v in e.items():
            errs[k].append(v)
    rms = {k: float(np.sqrt(np.mean(np.square(v)))) for k, v in errs.items()}
    # measured: force 0.045 s, shift 0.032 s, both 0.015 s
    assert rms["both"] < 0.025
    assert rms["both"] < 0.75 * min(rms["force"], rms["shift"])


@pytest.mark.parametrize("kind,down", [(SHIFT, False), (FORCE, False), (FORCE, True)])
def test_model_reproduces_the_fitted_signal(kind, down):
    y = shift_signal() if kind == SHIFT else force_exact(down=down)
    move = fit_move(T, [Channel(y, 1e-4, kind)], theta=THETA, down=down, **RANGES)
    fitted = move.model(T, kind, move.coefs[0])
    span = np.ptp(y)
    assert np.abs(fitted - y).max() < 0.03 * span
    # and on a finer time grid than the one fitted, it still follows the truth
    fine = np.arange(0.5, 3.0, 0.01)
    truth = shift_signal(fine) if kind == SHIFT else force_exact(fine, down=down)
    assert np.abs(move.model(fine, kind, move.coefs[0]) - truth).max() < 0.05 * span


def test_a_pure_noise_channel_does_not_wreck_the_other_channels_fit():
    rng = np.random.default_rng(5)
    s = Channel(shift_signal() + rng.normal(0.0, 0.001, len(T)), 0.001, SHIFT)
    alone = fit_move(T, [s], theta=THETA, **RANGES)
    for seed in range(5):
        junk = Channel(1.0 + np.random.default_rng(200 + seed).normal(0.0, 0.002, len(T)), 0.002, FORCE)
        both = fit_move(T, [s, junk], theta=THETA, **RANGES)
        assert timing_error(both) < 0.03
        assert abs(both.start - alone.start) < 0.02
    # A perfectly flat channel changes nothing at all.
    flat = Channel(np.full(len(T), 1.0), 0.002, FORCE)
    both = fit_move(T, [s, flat], theta=THETA, **RANGES)
    assert both.start == pytest.approx(alone.start, abs=1e-9)
    assert both.duration == pytest.approx(alone.duration, abs=1e-9)


def test_a_channel_cannot_claim_a_fit_better_than_its_noise():
    """A decoy: an exact but tiny move at the wrong time, far below its channel's noise.

    Counted by its raw log RSS it would win (a perfect fit is -inf); floored at the
    channel's declared noise it has no say, and the real move's timing wins.
    """
    rng = np.random.default_rng(6)
    s = Channel(shift_signal() + rng.normal(0.0, 0.001, len(T)), 0.001, SHIFT)
    decoy_start, decoy_dur = 0.7, 1.6
    decoy = 0.1 * (force_exact(start=decoy_start, dur=decoy_dur) - 1.0)   # peaks near 0.001
    assert np.abs(decoy).max() < 0.002
    fit = fit_move(T, [s, Channel(decoy, 0.05, FORCE)], theta=THETA, **RANGES)
    assert timing_error(fit) < 0.03
    # Control: the same decoy declared (nearly) noiseless takes the fit over, so the floor is what protects it.
    taken = fit_move(T, [s, Channel(decoy, 1e-9, FORCE)], theta=THETA, **RANGES)
    assert timing_error(taken, decoy_start, decoy_dur) < 0.03
