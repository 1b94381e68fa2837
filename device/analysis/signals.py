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

import math
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


class Point(NamedTuple):
    """A sample with the centre of mass's estimated place over the mat (m) beside its CoP."""

    t: float
    total: float
    cop_x: float
    cop_y: float
    com_x: float
    com_y: float
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
    average belongs, so the decimation adds no lag to event times.  ``lag_s``
    is taken off every time: an HX711 reading is the load integrated over the
    conversion period before it is read, so it belongs half a period earlier
    (6 ms at 80 samples/s, 50 ms at 10).
    """

    def __init__(self, rate_hz: float, width_m: float, length_m: float, lag_s: float = 0.0) -> None:
        self.n = max(1, round(rate_hz / TARGET_RATE_HZ))
        self.lag_s = lag_s
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
        s = Sample(self._t / k - self.lag_s, total, cx, cy, ai)
        self._k = 0
        self._t = self._fl = self._fr = self._bl = self._br = 0.0
        return s


class ComEstimator:
    """The centre of mass's path over the mat, estimated from the centre of pressure.

    To accelerate the body sideways the centre of pressure must move beyond
    the centre of mass (inverted pendulum: ``x_cop = x_com - (h/g) x_com''``),
    so every movement's CoP first steps the wrong way, then overshoots and
    rings back; for a heavy person moving fast these swings are larger than
    the rep itself.  Inverting that relation gives the CoM as a zero-phase
    low-pass of the CoP with corner ``w0 = sqrt(g/h)``: its impulse response
    is the two-sided exponential ``(w0/2) exp(-w0 |t|)`` (the posturography
    "gravity line" estimate).  It is applied here truncated at +-3/w0 and
    renormalised; each output is stamped with its own sample's time, so the
    estimate costs that much delay and no bias in time.  ``h`` is the height
    of the body's centre of mass in the exercise's posture.
    """

    def __init__(self, rate_hz: float, height_m: float) -> None:
        self.set_height(rate_hz, height_m)

    def set_height(self, rate_hz: float, height_m: float) -> None:
        w0 = math.sqrt(9.81 / height_m)
        half = max(1, round(3.0 / w0 * rate_hz))
        weights = [math.exp(-w0 * abs(k) / rate_hz) for k in range(-half, half + 1)]
        total = sum(weights)
        self.weights = [w / total for w in weights]
        self.half = half
        self._win: deque[Sample] = deque(maxlen=2 * half + 1)

    def feed(self, s: Sample) -> Point | None:
        """The sample ``half`` samples back, with the CoM beside its CoP, once the window is full."""
        win = self._win
        win.append(s)
        if len(win) < win.maxlen:
            return None
        x = y = 0.0
        for w, p in zip(self.weights, win):
            x += w * p.cop_x
            y += w * p.cop_y
        mid = win[self.half]
        return Point(mid.t, mid.total, mid.cop_x, mid.cop_y, x, y, mid.ai)

    def reset(self) -> None:
        self._win.clear()


class Despiker:
    """A running median of ``n`` (odd) samples on the CoP, one sample late per half window.

    A leg that lands hard, or a read glitch that got through, throws the CoP
    of one or two samples far off (the moment of a short force spike over a
    total that is briefly wrong).  A median removes those and, unlike an
    average, leaves a real move of the CoP as it was: a monotone stretch
    passes through a median unchanged.  The total load is passed on as it
    is; the momentum checks need its spikes.
    """

    def __init__(self, n: int) -> None:
        self.n = n if n % 2 else n + 1
        self._win: deque[Sample] = deque(maxlen=self.n)

    def feed(self, s: Sample) -> Sample | None:
        win = self._win
        win.append(s)
        if len(win) < self.n:
            return None
        mid = win[self.n // 2]
        if self.n == 1:
            return mid
        xs = sorted(p.cop_x for p in win)
        ys = sorted(p.cop_y for p in win)
        return Sample(mid.t, mid.total, xs[self.n // 2], ys[self.n // 2], mid.ai)

    def reset(self) -> None:
        self._win.clear()
