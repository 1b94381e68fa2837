"""The standing splitter: two reps the CoM ran together, split where the trunk shows a lift."""

from __future__ import annotations

import numpy as np

from device.analysis.fit import minjerk
from device.analysis.segment import Movement
from device.analysis.signals import Point
from device.analysis.split import split

RATE = 20.0


def two_reps(trunk_m: float, base=(0.0, 0.0), origin=(-0.03, 0.0)) -> Movement:
    """Two fast reps from a valley on the stance foot, the CoM only 45 % of the way back
    between them; ``trunk_m``: how far the CoP departs from the CoM as each lift begins."""
    t = np.arange(0.0, 6.0, 1.0 / RATE)
    x = (0.030 * minjerk((t - 1.0) / 0.6)[0] - 0.0135 * minjerk((t - 2.0) / 0.5)[0]
         + 0.0135 * minjerk((t - 2.7) / 0.6)[0] - 0.030 * minjerk((t - 4.2) / 0.8)[0])
    com_x, com_y = base[0] + x, base[1] + 0.0 * t
    lift = sum(minjerk((t - t0) / 0.6)[2] / 5.77 for t0 in (1.0, 2.7))   # acceleration, peak about 1
    cop_y = com_y - trunk_m * lift
    pts = [Point(float(ti), 60.0, float(cx), float(cy), float(cx), float(my), 0.0)
           for ti, cx, cy, my in zip(t, com_x, cop_y, com_y)]
    start, end = int(0.9 * RATE), int(5.1 * RATE)
    top = int(np.argmax(x[start:end + 1])) + start
    return Movement(pts, start, top, end, base[0], base[1], origin[0], origin[1])


def test_two_reps_with_a_lift_between_are_split_at_the_dip():
    parts = split(two_reps(trunk_m=0.03))
    assert len(parts) == 2
    a, b = parts
    dip = a.points[a.end].t
    assert 2.4 <= dip <= 2.8 and a.end == b.start
    assert a.points[a.top].t < dip < b.points[b.top].t
    # the second rose from the valley, as the segmenter measures a rep from a valley
    assert (b.rest_x, b.rest_y) == (b.points[b.start].com_x, b.points[b.start].com_y)


def test_without_the_trunk_moving_a_dip_is_sway_in_one_rep():
    assert len(split(two_reps(trunk_m=0.0))) == 1


def test_a_movement_from_both_feet_is_not_split():
    """A set's first rep rises from rest: the weight's shift onto the stance foot, a pause and
    the lift look like a movement, a dip and another."""
    mv = two_reps(trunk_m=0.03, base=(0.0, 0.0), origin=(0.0, 0.0))
    assert len(split(mv)) == 1
