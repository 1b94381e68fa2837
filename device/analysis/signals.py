"""From calibrated cell loads to the few signals the detectors use.

Four corner loads carry exactly three independent facts about the body
(SPEC.md section 1): the total load and the two coordinates of the centre of
pressure.  Everything downstream is built on those, so the pipeline reduces
each frame to running sums here and only averages and decimates: detectors
then run at about 20 samples/s whatever the sensor rate, which is plenty for
movements lasting half a second or more and keeps the pipeline far faster
than real time on a Pi.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

from ..frames import Frame

TARGET_RATE_HZ = 20.0


class Sample(NamedTuple):
    """Averaged signals: time (s), total (kg), centre of pressure (m), asymmetry (%)."""

    t: float
    total: float
    cop_x: float
    cop_y: float
    ai: float


def cop(fl: float, fr: float, bl: float, br: float, width_m: float, length_m: float) -> tuple[float, float, float, float]:
    """Total, cop_x, cop_y and asymmetry index of one set of loads (SPEC section 1)."""
    total = fl + fr + bl + br
    if total <= 1e-9:
        return total, 0.0, 0.0, 0.0
    left = fl + bl
    right = fr + br
    return (total, 0.5 * width_m * (right - left) / total,
            0.5 * length_m * ((fl + fr) - (bl + br)) / total, 100.0 * (left - right) / total)


class Averager:
    """Block averages of ``n`` frames: each block's mean time and mean loads.

    Averaging the loads (not the CoP) keeps the maths linear, so a block mean
    is exactly the CoP of the mean loads; the block's mean time is where that
    average belongs, so the decimation adds no lag to event times.
    """

    def __init__(self, rate_hz: float, width_m: float, length_m: float) -> None:
        self.n = max(1, round(rate_hz / TARGET_RATE_HZ))
        self.width_m = width_m
        self.length_m = length_m
        self._k = 0
        self._t = self._fl = self._fr = self._bl = self._br = 0.0

    def feed(self, f: Frame) -> Sample | None:
        self._t += f.t
        self._fl += f.fl
        self._fr += f.fr
        self._bl += f.bl
        self._br += f.br
        self._k += 1
        if self._k < self.n:
            return None
        k = self._k
        total, cx, cy, ai = cop(self._fl / k, self._fr / k, self._bl / k, self._br / k, self.width_m, self.length_m)
        s = Sample(self._t / k, total, cx, cy, ai)
        self._k = 0
        self._t = self._fl = self._fr = self._bl = self._br = 0.0
        return s


class Smoother:
    """Running median over ``window_s`` for the detectors, stamped at the window's middle.

    A rep's centre of pressure spikes at each end of a movement (it must lead
    the centre of mass to accelerate it; a dropped leg lands with an impact),
    in bursts shorter than a quarter of a second.  A median over half a
    second removes them and keeps the rep's rest-top-rest shape, whose ramps
    it only delays by half the window; phase times are measured on the
    unsmoothed samples.
    """

    def __init__(self, window_s: float = 0.6) -> None:
        self.window_s = window_s
        self._win: deque[Sample] = deque()

    def feed(self, s: Sample) -> Sample:
        win = self._win
        win.append(s)
        while win[0].t < s.t - self.window_s + 1e-9:
            win.popleft()
        n = len(win)
        mid = win[n // 2]
        xs = sorted(w.cop_x for w in win)
        ys = sorted(w.cop_y for w in win)
        return Sample(mid.t, mid.total, xs[n // 2], ys[n // 2], mid.ai)

    def reset(self) -> None:
        self._win.clear()
