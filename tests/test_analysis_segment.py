"""Cutting the centre of mass's path into movements: rest, out to a top, back."""

from __future__ import annotations

import math

import numpy as np
import pytest

from device.analysis.fit import minjerk
from device.analysis.segment import FIRST_REST_S, SETTLE_S, Movement, Segmenter
from device.analysis.signals import Point

RATE = 20.0
DT = 1.0 / RATE
AMP = 0.03        # a rep moves the CoM 3 cm
UP, HOLD, DOWN, REST = 0.8, 0.6, 1.0, 0.8


# ----- synthetic paths ---------------------------------------------------------


def path(legs, wobble: float = 0.001) -> list[Point]:
    """The CoM along x: each leg (duration, target) a minimum-jerk move from the last target
    (a hold when the target is unchanged), from 0; a small wobble on both axes so nothing is flat."""
    knots, t0, x = [], 0.0, 0.0
    for dur, target in legs:
        if dur <= 0:
            continue
        knots.append((t0, dur, x, target))
        t0, x = t0 + dur, target
    t = np.arange(int(round(t0 * RATE))) * DT
    xs = np.zeros_like(t)
    for start, dur, a, b in knots:
        sel = t >= start - 1e-9
        xs[sel] = a + (b - a) * minjerk((t[sel] - start) / dur)[0]
    xs = xs + wobble * np.sin(2 * np.pi * 0.7 * t)
    ys = wobble * np.cos(2 * np.pi * 0.45 * t)
    return [Point(float(ti), 70.0, float(xi), float(yi), float(xi), float(yi), 0.0) for ti, xi, yi in zip(t, xs, ys)]


def reps(n: int, base: float = 0.0, amp: float = AMP, up=UP, hold=HOLD, down=DOWN, rest=REST, back_to=None):
    """n reps from ``base`` out by ``amp`` and back (to ``back_to``, default ``base``)."""
    back = base if back_to is None else back_to
    legs = []
    for _ in range(n):
        legs += [(up, base + amp), (hold, base + amp), (down, back), (rest, back)]
    return legs


def holds(n: int, t0: float, up=UP, hold=HOLD, down=DOWN, rest=REST) -> list[tuple[float, float]]:
    """Where each rep of :func:`reps` holds its top, its first starting to rise at ``t0``."""
    period = up + hold + down + rest
    return [(t0 + i * period + up, t0 + i * period + up + hold) for i in range(n)]


def run(points, seg: Segmenter | None = None, **kw) -> tuple[Segmenter, list[tuple[float, Movement]]]:
    """Feed everything; each movement with the time of the point whose feed() returned it (inf: flush())."""
    seg = seg or Segmenter(RATE, **kw)
    out = []
    for p in points:
        out += [(p.t, m) for m in seg.feed(p)]
    out += [(math.inf, m) for m in seg.flush()]
    return seg, out


def two_reps_at(seg: Segmenter, t0: float, x: float) -> list[tuple[float, Movement]]:
    """Two clean reps from ``x`` starting at ``t0``, fed on to ``seg``: what came out."""
    more = [p._replace(t=p.t + t0, com_x=p.com_x + x, cop_x=p.cop_x + x)
            for p in path([(1.0, 0.0)] + reps(2) + [(1.5, 0.0)])]
    return run(more, seg)[1]


def times(m: Movement) -> tuple[float, float, float]:
    return m.points[m.start].t, m.points[m.top].t, m.points[m.end].t


def assert_well_formed(movements: list[Movement]) -> None:
    for m in movements:
        assert 0 <= m.start < m.top < m.end < len(m.points)
        ts = [p.t for p in m.points]
        assert ts == sorted(ts) and all(b - a == pytest.approx(DT) for a, b in zip(ts, ts[1:]))
    spans = [times(m) for m in movements]
    for (s0, _, e0), (s1, _, _) in zip(spans, spans[1:]):
        assert e0 <= s1 + 1e-9                       # in order, not overlapping


def assert_tops_in_holds(movements, windows, slack=0.5, level=None):
    assert len(movements) == len(windows)
    for m, (h0, h1) in zip(movements, windows):
        _, top, _ = times(m)
        assert h0 - slack <= top <= h1 + slack, (top, h0, h1)
        if level is not None:
            assert m.points[m.top].com_x == pytest.approx(level, abs=0.004)


# ----- reps ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5])
def test_clean_reps_give_one_movement_each_in_order(n):
    seg, out = run(path([(2.0, 0.0)] + reps(n) + [(1.5, 0.0)]))
    movements = [m for _, m in out]
    assert len(movements) == n
    assert_well_formed(movements)
    windows = holds(n, 2.0)
    assert_tops_in_holds(movements, windows, level=AMP)
    period = UP + HOLD + DOWN + REST
    for i, m in enumerate(movements):
        start, _, end = times(m)
        rise = 2.0 + i * period
        assert rise - 0.3 <= start <= rise + UP / 2          # left rest as the lift began
        assert rise + UP + HOLD + DOWN / 2 <= end <= rise + period + 0.1   # back at rest
        assert m.rest_x == pytest.approx(0.0, abs=0.002)
    assert [m.chain for m in movements] == sorted(set(m.chain for m in movements))   # each left from rest
    assert seg.state == "rest" and seg.phase == "rest"


def test_fast_reps_with_a_short_rest_are_still_separated():
    n = 4
    seg, out = run(path([(2.0, 0.0)] + reps(n, rest=0.2) + [(1.5, 0.0)]))
    movements = [m for _, m in out]
    assert_well_formed(movements)
    assert_tops_in_holds(movements, holds(n, 2.0, rest=0.2), level=AMP)


def test_reps_that_never_come_quite_back_are_cut_at_the_valley_before_the_next_rise():
    """Back only to 8 mm from rest, then up again: no rest in between, so the valley is the cut."""
    n = 4
    legs = [(2.0, 0.0)] + reps(n - 1, back_to=0.008, rest=0.2)
    legs += [(UP, AMP), (HOLD, AMP), (DOWN, 0.0), (1.5, 0.0)]
    seg, out = run(path(legs))
    movements = [m for _, m in out]
    assert_well_formed(movements)
    assert_tops_in_holds(movements, holds(n, 2.0, rest=0.2), level=AMP)
    period = UP + HOLD + DOWN + 0.2
    for i, (a, b) in enumerate(zip(movements, movements[1:])):
        valley = times(a)[2]
        assert valley == times(b)[0]                            # one ends where the next begins
        low_from = 2.0 + (i + 1) * period - 0.2 - 0.3           # the 0.2 s between reps, give or take
        assert low_from <= valley <= 2.0 + (i + 1) * period + 0.3
        assert b.rest_x == pytest.approx(0.008, abs=0.003)      # measured from the valley it rose from
        assert b.origin_x == pytest.approx(0.0, abs=0.002)      # the body's rest before the set
    assert len({m.chain for m in movements}) == 1               # one chain: never at rest between


def test_a_small_rep_right_after_a_large_one_is_a_rep_of_its_own():
    """Kneeling: an 8 cm (tilted) rep back to 7 mm from rest, then at once a 2 cm one.  The rise
    is under 30 % of the large rep, but from a valley most of the way back one threshold is a rep."""
    legs = [(2.0, 0.0), (UP, 0.08), (HOLD, 0.08), (DOWN, 0.007), (0.1, 0.007),
            (UP, 0.02), (HOLD, 0.02), (DOWN, 0.0), (1.5, 0.0)]
    seg, out = run(path(legs), shelves=False)
    movements = [m for _, m in out]
    assert_well_formed(movements)
    assert len(movements) == 2
    assert movements[1].points[movements[1].top].com_x == pytest.approx(0.02, abs=0.004)


@pytest.mark.parametrize("amp,dip", [(0.03, 0.008), (0.05, 0.02)], ids=["0.8cm-of-3cm", "2cm-of-5cm"])
def test_a_dip_at_the_top_smaller_than_half_the_rep_does_not_split_it(amp, dip):
    legs = [(2.0, 0.0), (UP, amp), (0.3, amp), (0.3, amp - dip), (0.3, amp), (0.3, amp), (DOWN, 0.0), (1.5, 0.0)]
    _, out = run(path(legs))
    movements = [m for _, m in out]
    assert len(movements) == 1
    assert_well_formed(movements)
    start, top, end = times(movements[0])
    assert 2.0 + UP - 0.3 <= top <= 2.0 + UP + 1.2 + 0.3
    assert movements[0].points[movements[0].top].com_x == pytest.approx(amp, abs=0.004)
    assert end >= 2.0 + UP + 1.2 + DOWN / 2                  # ends with the lower, not at the dip


def test_one_far_sample_during_a_hold_does_not_end_the_movement():
    pts = path([(2.0, 0.0), (UP, AMP), (1.0, AMP), (DOWN, 0.0), (1.5, 0.0)])
    spike = int(round(3.2 * RATE))                           # in the hold (2.8 s - 3.8 s)
    pts[spike] = pts[spike]._replace(com_x=0.10, cop_x=0.10)
    seg = Segmenter(RATE)
    states = {}
    out = []
    for p in pts:
        out += seg.feed(p)
        states[round(p.t, 2)] = (seg.state, seg.phase)
    out += seg.flush()
    # Out all through the rest of the hold: the spike did not make the hold look like a return.
    for t in np.arange(3.25, 3.8, DT):
        assert states[round(t, 2)][0] == "out" and states[round(t, 2)][1] != "lower", t
    assert len(out) == 1
    m = out[0]
    assert m.points[m.top].com_x < 0.05                      # the top is where it stayed, not the spike
    assert 2.8 - 0.3 <= times(m)[1] <= 3.8 + 0.3
    assert times(m)[2] >= 3.8 + DOWN / 2


def test_a_move_that_never_comes_back_is_a_change_of_place():
    max_out = 5.0
    pts = path([(2.0, 0.0), (0.8, 0.05), (12.0, 0.05)])
    seg = Segmenter(RATE, max_out_s=max_out)
    out, opened = [], None
    for p in pts:
        out += seg.feed(p)
        if opened is None and seg.state != "rest":
            opened = p.t
        if opened is not None and p.t < opened + max_out - 0.1:
            assert seg.state == "out"                        # still waiting for it to come back
    out += seg.flush()
    assert opened is not None and opened < 2.8
    assert out == []                                         # no movement
    assert seg.state == "rest"
    assert seg.rest[0] == pytest.approx(0.05, abs=0.003)
    assert seg.rest[1] == pytest.approx(0.0, abs=0.003)
    # And reps from the new place are measured from it.
    out = two_reps_at(seg, pts[-1].t + DT, 0.05)
    assert len(out) == 2
    for _, m in out:
        assert m.rest_x == pytest.approx(0.05, abs=0.003)
        assert m.points[m.top].com_x == pytest.approx(0.05 + AMP, abs=0.004)


@pytest.mark.parametrize("half", [0.008, 0.0105])
def test_standing_still_somewhere_new_for_a_while_makes_rest_there(half):
    """Standing, a step aside 5 cm, then swaying there (as much as a small rep from the stance
    foot, 1.6 cm, or 2.1 cm as after a step in dev seed 1944): movements open and close against
    the old rest, so none lasts long enough to be a change of place.  Within SETTLE_M for
    SETTLE_S, rest is the new place all the same, and the reps after it are measured from there."""
    sway = []
    for _ in range(8):
        sway += [(1.5, 0.05 + half), (1.5, 0.05 - half)]
    pts = path([(2.0, 0.0), (0.8, 0.05), (0.75, 0.05 - half)] + sway + [(2.0, 0.05)])
    seg = Segmenter(RATE, shelves=True)
    settled_at = None
    for p in pts:
        seg.feed(p)
        if settled_at is None and seg.rest is not None and seg.state == "rest" and seg.rest[0] > 0.03:
            settled_at = p.t
    assert settled_at is not None and 2.8 + SETTLE_S - 0.5 <= settled_at <= 2.8 + SETTLE_S + 1.0, settled_at
    assert seg.rest[0] == pytest.approx(0.05, abs=0.006)
    out = two_reps_at(seg, pts[-1].t + DT, 0.05)
    assert len(out) == 2
    for _, m in out:
        assert m.rest_x == pytest.approx(0.05, abs=0.006)


def test_a_set_begun_soon_after_a_step_aside_is_measured_from_where_the_body_stood():
    """Standing: a step aside (4 cm), 4 s standing there, then a set from a stance foot 6 cm
    further, its first rep straight from the shift (no pause on the foot to tell where it
    rose from, so coming back to the foot is not half way back).  The step never comes
    back, so the change-of-place timeout fires mid-set; the point closest to the old rest
    in the last seconds is then on the stance foot.  Rest goes where the body stood after
    the step, and the set's later reps rise from there."""
    home, shelf = 0.04, 0.10
    legs = ([(2.0, 0.0), (1.0, home), (4.0, home), (1.2, shelf)]
            + reps(6, base=shelf, amp=AMP) + [(1.2, home), (3.0, home)])
    seg, out = run(path(legs), shelves=True)
    later = [m for t, m in out if times(m)[0] > 2.0 + 12.0 + 1.0]
    assert len(later) >= 2
    for m in later:
        assert m.origin_x == pytest.approx(home, abs=0.004)
    assert seg.rest[0] == pytest.approx(home, abs=0.004)


def beside(xs: list[Point], ys: list[Point]) -> list[Point]:
    """One path along x and another along y, as one in the plane."""
    return [p._replace(com_y=q.com_x, cop_y=q.com_x) for p, q in zip(xs, ys)]


@pytest.mark.parametrize("across", [False, True], ids=["farther-out", "across"])
def test_lying_or_kneeling_a_set_begun_soon_after_a_shift_is_measured_from_the_new_place(across):
    """On all fours, a shift 4 cm to one side, 3 s still there, then three reps of 3 cm from
    there (farther out, or across the shift), 0.8 s between them.  The shift never comes back,
    and the set begins before the change-of-place timeout: against the old rest each rep
    would be a wobble of one long movement.  The body came back to where it stood after the
    shift: rest is there, and each rep is a movement of its own from it."""
    home, n = 0.04, 3
    lead = [(2.0, 0.0), (1.0, home), (3.0, home)]
    if across:
        pts = beside(path(lead + [(n * (UP + HOLD + DOWN + REST) + 1.5, home)]),
                     path([(6.0, 0.0)] + reps(n) + [(1.5, 0.0)]))
        top = (home, AMP)
    else:
        pts = path(lead + reps(n, base=home) + [(1.5, home)])
        top = (home + AMP, 0.0)
    seg, out = run(pts, shelves=False)
    movements = [m for _, m in out]
    assert_well_formed(movements)
    assert_tops_in_holds(movements, holds(n, 6.0))
    for m in movements:
        assert (m.rest_x, m.rest_y) == (pytest.approx(home, abs=0.004), pytest.approx(0.0, abs=0.004))
        assert (m.points[m.top].com_x, m.points[m.top].com_y) == (pytest.approx(top[0], abs=0.004),
                                                                  pytest.approx(top[1], abs=0.004))
    assert times(movements[0])[0] >= 6.0 - 0.3          # the first rep, not the shift before it
    assert seg.rest[0] == pytest.approx(home, abs=0.004)


def test_kneeling_a_rep_held_long_then_the_next_at_once_is_no_new_place():
    """A rep held still for 3 s at its top, lowered most of the way (to 8 mm from rest, not
    near enough to rest there), then the next at once, up to the same top: the body came back
    to where it stood, but by way of the old rest.  Rest stays; two reps from it."""
    legs = [(2.0, 0.0)] + reps(1, hold=3.0, back_to=0.008, rest=0.2) + [(UP, AMP), (HOLD, AMP), (DOWN, 0.0), (1.5, 0.0)]
    seg, out = run(path(legs), shelves=False)
    movements = [m for _, m in out]
    assert len(movements) == 2
    for m in movements:
        assert m.origin_x == pytest.approx(0.0, abs=0.002)
        assert m.points[m.top].com_x == pytest.approx(AMP, abs=0.004)
    assert seg.rest[0] == pytest.approx(0.0, abs=0.003)


def test_kneeling_a_knock_after_a_long_hold_is_no_rep_from_a_new_place():
    """A rep held still for 3 s, and as the lower begins one sample 3 cm off sideways (a knee
    put down hard): the body is at once back where it stood, but never stayed out there."""
    pts = path([(2.0, 0.0), (UP, AMP), (3.0, AMP), (DOWN, 0.0), (1.5, 0.0)])
    knock = int(round((2.0 + UP + 3.0) * RATE)) + 1
    pts[knock] = pts[knock]._replace(com_y=0.03, cop_y=0.03)
    seg, out = run(pts, shelves=False)
    assert len(out) == 1
    assert out[0][1].rest_x == pytest.approx(0.0, abs=0.002)
    assert seg.rest[0] == pytest.approx(0.0, abs=0.003)


@pytest.mark.parametrize("up", [UP, 1.6], ids=["kept", "slow-lift"])
def test_rest_at_measures_the_movement_under_way_from_there(up):
    """A shift of 4 cm, then reps that go back 3 cm toward the old rest: against it, the reps
    look like the body returning and the pauses between them like tops.  Told mid-rep (as the
    pipeline does, from the force) that the body rests where it paused, the rep under way is
    measured from there, and so are the ones after it.  (After a slow lift, the pause is no
    longer in what the segmenter keeps for the movements under way, which rose from the
    second rep's top.)"""
    home, n = 0.04, 4
    pts = path([(2.0, 0.0), (1.0, home), (3.0, home)] + reps(n, base=home, amp=-AMP, up=up) + [(1.5, home)])
    period = up + HOLD + DOWN + REST
    pause = 6.0 + period - REST / 2             # between the first two reps, at the new place
    told = 6.0 + period + up + HOLD + DOWN / 2  # the second rep's lower (from the old rest: a rise again)
    seg = Segmenter(RATE, shelves=False)
    out = []
    for p in pts:
        out += [m for m in seg.feed(p)]
        if p.t == pytest.approx(told):
            assert seg.rest[0] == pytest.approx(0.0, abs=0.004)         # still the old rest
            out.clear()
            assert seg.rest_at((home, 0.0), round(pause * RATE)) is True
            assert seg.state != "rest"
            assert 6.0 + period - 0.1 <= seg.busy_since <= 6.0 + period + up / 3   # as it left the pause
    out += seg.flush()
    assert_well_formed(out)
    assert_tops_in_holds(out, holds(n, 6.0, up=up)[1:], level=home - AMP)
    for m in out:
        assert (m.rest_x, m.origin_x) == (pytest.approx(home, abs=0.002), pytest.approx(home, abs=0.002))
    assert seg.rest[0] == pytest.approx(home, abs=0.004)


def test_rest_at_ends_a_movement_already_back_and_refuses_what_it_no_longer_keeps():
    pts = path([(2.0, 0.0), (1.0, 0.04), (6.0, 0.04), (UP, 0.01), (HOLD, 0.01), (DOWN, 0.04), (0.3, 0.04)])
    seg = Segmenter(RATE, shelves=False)
    for p in pts:
        seg.feed(p)
    assert seg.state != "rest"                                  # the rep's lower, measured from the old rest
    assert seg.rest_at((0.04, 0.0), 1) is False                 # far older than it keeps
    assert seg.rest[0] == pytest.approx(0.0, abs=0.004)
    assert seg.rest_at((0.04, 0.0), round(8.5 * RATE)) is True   # at the new place, before the rep
    assert seg.state == "rest"
    (m,) = seg.flush()
    assert m.points[m.top].com_x == pytest.approx(0.01, abs=0.004)
    assert m.rest_x == pytest.approx(0.04, abs=0.002)


def test_give_up_makes_rest_where_the_body_is_now():
    pts = path([(2.0, 0.0), (0.8, 0.05), (3.0, 0.05)])
    seg, out = run(pts)
    assert seg.state == "out" and out == []
    seg.give_up()
    assert seg.state == "rest" and seg.phase == "rest" and seg.busy_since is None
    assert seg.rest[0] == pytest.approx(0.05, abs=0.003)
    assert seg.flush() == []


# ----- when movements come out --------------------------------------------------


@pytest.mark.parametrize("post_s", [0.8, 1.5])
def test_a_movement_is_handed_out_post_s_after_it_ends(post_s):
    pts = path([(2.0, 0.0)] + reps(1) + [(3.0, 0.0)])
    seg = Segmenter(RATE, post_s=post_s)
    got, waited = [], 0
    for p in pts:
        done = seg.feed(p)
        got += [(p.t, m) for m in done]
        if not got and seg.state == "rest" and seg.busy_since is not None:
            assert 1.8 <= seg.busy_since < 2.4               # finished, waiting: busy since it began
            waited += 1
    assert waited >= round(post_s * RATE) - 1
    assert len(got) == 1
    t_out, m = got[0]
    end = times(m)[2]
    assert end + post_s - 1e-9 <= t_out <= end + post_s + DT + 1e-9
    assert m.points[-1].t == pytest.approx(t_out)            # with what followed, up to then
    assert seg.busy_since is None
    assert seg.flush() == []


def test_the_next_movement_beginning_hands_out_the_last_one_early():
    n = 3
    legs = [(2.0, 0.0)] + reps(n - 1, back_to=0.008, rest=0.0) + [(UP, AMP), (HOLD, AMP), (DOWN, 0.0), (1.5, 0.0)]
    seg = Segmenter(RATE, post_s=1.5)
    got = []
    for p in path(legs):
        for m in seg.feed(p):
            got.append((p.t, m, seg.state))
    got += [(math.inf, m, None) for m in seg.flush()]
    assert len(got) == n
    for t_out, m, state in got[:-1]:
        assert t_out < times(m)[2] + 1.5                     # before its post_s was up
        assert state == "out"                                # because the next one had begun
        assert m.points[-1].t > times(m)[2]                  # with a little of the next one's start


def test_flush_returns_the_movement_still_waiting_at_the_end():
    pts = path([(2.0, 0.0)] + reps(1, rest=0.0) + [(0.3, 0.0)])
    seg = Segmenter(RATE)
    fed = []
    for p in pts:
        fed += seg.feed(p)
    assert fed == []
    assert seg.busy_since is not None
    out = seg.flush()
    assert len(out) == 1
    assert_tops_in_holds(out, holds(1, 2.0), level=AMP)
    assert out[0].points[-1].t == pts[-1].t                   # with what rest there is after it
    assert seg.flush() == []
    assert seg.busy_since is None


# ----- reset, sway ---------------------------------------------------------------


def test_reset_forgets_rest_and_the_open_movement_and_waits_for_stillness():
    pts = path([(2.0, 0.0), (UP, AMP), (0.3, AMP)])
    seg, out = Segmenter(RATE), []
    for p in pts:
        out += seg.feed(p)
    assert seg.state == "out" and seg.rest is not None and out == []
    seg.reset()
    assert seg.state == "rest" and seg.phase == "rest"
    assert seg.rest is None and seg.busy_since is None
    assert seg.flush() == []                                 # the open movement is gone
    t0 = pts[-1].t + DT
    # Someone gets on elsewhere: while moving, no rest is taken...
    moving = [Point(t0 + k * DT, 70.0, x, 0.0, x, 0.0, 0.0)
              for k, x in enumerate(0.2 + 0.03 * np.sin(2 * np.pi * 0.5 * np.arange(60) * DT))]
    for p in moving:
        assert seg.feed(p) == []
    assert seg.rest is None
    # ...and once still, only after still_s of it.
    t1 = moving[-1].t + DT
    still = [p._replace(t=t1 + p.t, com_x=0.2 + p.com_x, cop_x=0.2 + p.cop_x) for p in path([(2.0, 0.0)])]
    taken = None
    for p in still:
        seg.feed(p)
        if taken is None and seg.rest is not None:
            taken = p.t - t1
    assert taken is not None and 0.8 - 2 * DT <= taken <= 0.8 + 2 * DT
    assert seg.rest[0] == pytest.approx(0.2, abs=0.003)
    # and reps are found about the new place
    t2 = still[-1].t + DT
    _, out = run([p._replace(t=t2 + p.t, com_x=0.2 + p.com_x, cop_x=0.2 + p.cop_x)
                  for p in path([(0.5, 0.0)] + reps(2) + [(1.5, 0.0)])], seg)
    assert len(out) == 2


def test_no_rest_is_taken_until_the_body_is_still():
    # Getting on: the CoM keeps moving for 3 s (slowing as it arrives), then settles.
    pts = path([(1.0, 0.02), (1.0, -0.01), (1.0, 0.015), (2.0, 0.015)])
    seg = Segmenter(RATE)
    first = None
    for p in pts:
        seg.feed(p)
        if first is None and seg.rest is not None:
            first = p.t
    assert first is not None and 2.6 <= first <= 3.0 + 0.8 + DT
    assert seg.rest[0] == pytest.approx(0.015, abs=0.002)


def test_one_who_sways_too_much_to_be_still_rests_at_the_middle_of_the_sway():
    """Standing on both feet, the CoM sways 8 mm at 0.6 Hz: never within ``still_m`` for
    ``still_s``.  Waiting for that, rest was first taken wherever the body paused later, in
    the middle of a set.  It is taken once the CoM stayed within SETTLE_M for FIRST_REST_S,
    at its middle, and the set's reps are measured from there."""
    shelf, amp = 0.04, 0.05
    legs = [(4.0, 0.0), (1.2, shelf), (0.8, shelf)] + reps(3, base=shelf, amp=amp) + [(1.2, 0.0), (3.0, 0.0)]
    pts = path(legs)
    sway = [0.008 * math.sin(2 * math.pi * 0.6 * p.t) for p in pts]
    pts = [p._replace(com_x=p.com_x + s, cop_x=p.cop_x + s) for p, s in zip(pts, sway)]
    seg, found, taken = Segmenter(RATE, shelves=True), [], None
    for p in pts:
        found += seg.feed(p)
        if taken is None and seg.rest is not None:
            taken = p.t
    found += seg.flush()
    assert taken is not None and taken <= FIRST_REST_S + 2 * DT
    assert seg.rest[0] == pytest.approx(0.0, abs=0.004)
    assert len(found) == 3
    assert_well_formed(found)
    assert all(m.origin_x == pytest.approx(0.0, abs=0.004) for m in found)


def test_resting_sway_raises_the_threshold_at_most_to_twice_start_m():
    def circle(r, seconds=30.0, f=0.3):
        t = np.arange(int(seconds * RATE)) * DT
        x, y = r * np.sin(2 * np.pi * f * t), r * np.cos(2 * np.pi * f * t)
        return [Point(float(a), 70.0, float(b), float(c), float(b), float(c), 0.0) for a, b, c in zip(t, x, y)]

    calm, _ = run(circle(0.0005))
    assert calm.threshold == pytest.approx(0.01)
    mid, _ = run(circle(0.003))
    assert 0.01 < mid.threshold < 0.02
    swaying, out = run(circle(0.006))
    assert swaying.threshold == pytest.approx(0.02)
    # Until the sway is learnt, it may open movements; once it is, it opens none.
    assert swaying.state == "rest"
    assert all(t < 15.0 for t, _ in out), [t for t, _ in out]


# ----- standing: the weight shifts onto the stance foot (a shelf) ---------------------


def shelf_path(n, pause, rest):
    """Shift 3 cm onto the stance foot, pause, n reps of a further 3 cm and back to there, shift back."""
    legs = [(2.0, 0.0), (0.8, AMP), (pause, AMP)] + reps(n, base=AMP, rest=rest) + [(0.8, 0.0), (2.0, 0.0)]
    return path(legs), holds(n, 2.0 + 0.8 + pause, rest=rest)


@pytest.mark.parametrize("pause", [0.8, 3.0])
@pytest.mark.parametrize("rest", [0.8, 0.3])
def test_reps_from_a_shelf_are_each_found_once(pause, rest):
    n = 3
    pts, windows = shelf_path(n, pause, rest)
    _, out = run(pts, shelves=True)
    movements = [m for _, m in out]
    assert len(movements) == n
    assert_well_formed(movements)
    assert_tops_in_holds(movements, windows, level=2 * AMP)   # each top is a rep's top
    for m in movements:
        assert m.origin_x == pytest.approx(0.0, abs=0.002)    # where the body stood before the set
    for m in movements[1:]:
        assert m.rest_x == pytest.approx(AMP, abs=0.003)      # rose from the shelf
    assert len({m.chain for m in movements}) == 1


def test_a_rep_back_on_its_shelf_is_handed_out_while_the_body_stays_there():
    """Standing: the set's last rep returns to the stance foot and the weight is not shifted
    back for a long while; the rep is over when the body settles there, not 24 s later."""
    legs = [(2.0, 0.0), (0.8, AMP), (0.8, AMP)] + reps(1, base=AMP) + [(30.0, AMP)]
    rep_end = 2.0 + 0.8 + 0.8 + UP + HOLD + DOWN
    _, out = run(path(legs), shelves=True)
    assert len(out) == 1
    handed, m = out[0]
    start, top, end = times(m)
    assert rep_end - 0.5 <= end <= rep_end + 2.0
    assert handed <= rep_end + 4.0          # about two stillness windows and post_s, not 2 x max_out_s


@pytest.mark.parametrize("dip,movements", [(0.57, 1), (0.85, 2)], ids=["sway-57%", "back-85%"])
def test_standing_a_dip_in_a_long_hold_rising_again_is_the_same_rep_unless_it_came_down(dip, movements):
    """From the stance foot's shelf, a 5 s hold whose top sways down by more than half the rep
    and back up: the same rep while the dip stayed well above the shelf, two reps if it came
    nearly down to it."""
    top, d = 2 * AMP, dip * AMP
    legs = [(2.0, 0.0), (0.8, AMP), (0.8, AMP), (UP, top), (1.5, top), (0.5, top - d), (0.5, top), (2.5, top),
            (DOWN, AMP), (0.8, AMP), (0.8, 0.0), (2.0, 0.0)]
    _, out = run(path(legs), shelves=True)
    found = [m for _, m in out]
    assert_well_formed(found)
    assert len(found) == movements
    assert times(found[0])[0] <= 2.0 + 1.6 + UP / 2 and times(found[-1])[2] >= 2.0 + 1.6 + UP + 5.0 + DOWN / 2


def test_standing_a_long_hold_whose_farthest_point_came_late_is_one_rep():
    """From the stance foot, the set's second rep: a 5 s hold on one leg that sways, its
    farthest point over 2 s after the lift.  The lowest point in the 2 s before that lay in
    the hold itself; a later sway dip below the farthest point by more than half of that
    looked like the way back, and rising again from it split the rep.  The lift ended when
    the CoM first came near the top: the rep rose from the shelf before then."""
    shelf, top = AMP, 2 * AMP
    hold = [(UP, top - 0.006), (1.5, top - 0.006), (0.5, top - 0.02), (0.6, top), (1.0, top),
            (0.5, top - 0.016), (0.5, top - 0.004), (1.0, top - 0.004), (DOWN, shelf), (REST, shelf)]
    legs = [(2.0, 0.0), (0.8, shelf), (0.8, shelf)] + reps(1, base=shelf) + hold + reps(1, base=shelf)
    legs += [(0.8, 0.0), (2.0, 0.0)]
    _, out = run(path(legs), shelves=True)
    found = [m for _, m in out]
    assert_well_formed(found)
    assert len(found) == 3
    t_lift = 2.0 + 1.6 + UP + HOLD + DOWN + REST
    start, _, end = times(found[1])
    assert start <= t_lift + UP / 2 and end >= t_lift + UP + 5.6 + DOWN / 2


@pytest.mark.parametrize("forward", [0.025, 0.03])
def test_standing_a_rep_from_the_stance_foot_across_the_line_from_rest_is_its_own(forward):
    """Standing, four reps from the stance foot (6 cm out) 0.3 s apart; the third tilted toward
    the working leg, so that it goes out from the foot forward (2.5 or 3 cm) and not
    sideways.  Its distance from rest hardly changes (0.5-0.7 cm): it merged into the rep
    before.  Measured from the stance foot, where the set's reps rise from, it rose well
    over the 1.5 thresholds (1 cm) that open a rep across the line from rest."""
    shelf, gap = 2 * AMP, 0.3
    rep_x = [(UP, shelf + AMP), (HOLD, shelf + AMP), (DOWN, shelf), (gap, shelf)]
    still = [(UP + HOLD + DOWN + gap, shelf)]
    start = [(2.0, 0.0), (0.8, shelf), (0.8, shelf)]
    end = [(0.8, shelf), (0.8, 0.0), (2.0, 0.0)]
    xs = path(start + 2 * rep_x + still + rep_x + end)
    t_mid = 2.0 + 1.6 + 2 * (UP + HOLD + DOWN + gap)
    ys = path([(t_mid, 0.0), (UP, forward), (HOLD, forward), (DOWN, 0.0), (20.0, 0.0)])[:len(xs)]
    _, out = run(beside(xs, ys), shelves=True)
    found = [m for _, m in out]
    assert_well_formed(found)
    assert len(found) == 4
    top = found[2].points[found[2].top]
    assert t_mid + UP - 0.5 <= top.t <= t_mid + UP + HOLD + 0.5
    assert top.com_y == pytest.approx(forward, abs=0.004)
    assert found[2].rest_x == pytest.approx(shelf, abs=0.004)   # rose from the stance foot


@pytest.mark.parametrize("shift,pause,up", [(1.2, 0.6, UP), (0.8, 0.6, 0.5), (0.8, 0.9, 0.5)])
def test_standing_the_first_rep_rises_from_where_the_weight_paused_on_the_stance_foot(shift, pause, up):
    """A set's first rep right after the weight went onto the stance foot (9 cm, over about a
    second), the leg raised fast: the lowest point in the 2 s before its top lay on the shift's
    ramp, so coming back to the stance foot was not half way back, and the next rep merged
    into it.  The weight paused on the foot first; the rep rose from there."""
    shelf, amp = 3 * AMP, 0.04
    legs = [(2.0, 0.0), (shift, shelf), (pause, shelf), (up, shelf + amp), (0.3, shelf + amp), (DOWN, shelf),
            (0.2, shelf), (up, shelf + amp), (HOLD, shelf + amp), (DOWN, shelf), (1.5, shelf), (0.8, 0.0), (2.0, 0.0)]
    _, out = run(path(legs), shelves=True)
    found = [m for _, m in out]
    assert_well_formed(found)
    first_top = 2.0 + shift + pause + up
    second_top = first_top + 0.3 + DOWN + 0.2 + up
    assert_tops_in_holds(found, [(first_top, first_top + 0.3), (second_top, second_top + HOLD)], level=shelf + amp)
