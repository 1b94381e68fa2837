"""Measure one excursion: direction, size, phase times, pulses, dynamic load.

Two signals time the phases.  The centre of pressure shows the rep clearly
but is pushed about by the body's horizontal accelerations (it must lead the
centre of mass to move it, so it overshoots).  The total load, integrated
twice, gives the height of the body's centre of mass, which rises exactly as
the leg does (Newton: F - W = M z''); this is the force-plate method used
for jump heights, integrated here between two moments of rest ("zero point
to zero point"), where velocity and height are known.  Where the leg's
rise is large enough against the noise that height is used; where it is not
(standing, where the leg swings back more than up), the CoP is.

Phase times follow the labels' convention: a phase starts and ends where the
leg is at rest (zero velocity), not where a threshold is crossed.  A smooth
movement spends a long time near rest at each end, so thresholds near 0 %
and 100 % are drowned in noise.  The crossings at 10 % and 90 % are sharp,
and for the bell-shaped velocity of a human limb movement they sit at a fixed
share of the movement's duration: 25 % / 75 % for a minimum-jerk profile
(Flash & Hogan 1985), 20.5 % / 79.5 % for a raised cosine.  Taking the mean
(22.8 % and a 54.5 % span) puts the ends of a 1 s movement within about
0.02 s of either shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .reps import Excursion

G = 9.81
LOW, HIGH = 0.1, 0.9
EDGE = 0.228          # share of a movement's duration before its 10 % crossing
SPAN = 1 - 2 * EDGE   # share between its 10 % and 90 % crossings
HEIGHT_SNR = 3.0
PRE_S = 1.0


@dataclass
class Measured:
    start: float
    end: float
    lift_s: float
    hold_s: float
    lower_s: float
    dx: float            # CoP shift during the hold, m (+ = toward the user's right)
    dy: float            # m (+ = toward the head / front)
    amplitude: float     # m, along the movement's direction
    dynamic: float       # largest departure of the total load from rest, as a share of it
    shake: float         # RMS departure of the total load while moving, over its RMS at rest
    slope: float         # fastest change of the total load, as a share of it per second
    rise: float          # rise of the body's centre of mass at the top, m
    pulses: int
    ai_series: list[tuple[float, float]]  # (t, ai) over the rep, for the tilt peak
    base_ai: float
    timed_by: str        # "height" or "cop"


def _cross(t0: float, p0: float, t1: float, p1: float, level: float) -> float:
    if p1 == p0:
        return t1
    return t0 + (level - p0) * (t1 - t0) / (p1 - p0)


def phase_times(ts: list[float], p: list[float], top: float, end: float,
                shape=None) -> tuple[float, float, float, float] | None:
    """(start, lift end, lower start, end) of a rise from 0 to ``top`` and a fall to ``end``."""
    n = len(p)
    if top <= 0 or top - end <= 0.3 * top:
        return None
    # Where the body settled somewhere else (standing: onto the stance foot just
    # before the set's first rep), the lift starts from there, not from the
    # rest before the shift.
    lo = end if end > 0.25 * top else 0.0
    up = [(v - lo) / (top - lo) for v in p]
    down = [(v - end) / (top - end) for v in p]
    i = next((k for k in range(n) if up[k] >= HIGH), None)
    k = next((k for k in range(n - 1, -1, -1) if down[k] >= HIGH), None)
    if i is None or k is None or i == 0 or k == n - 1 or k < i:
        return None
    t90a = _cross(ts[i - 1], up[i - 1], ts[i], up[i], HIGH)
    j = i - 1
    while j > 0 and up[j] > LOW:
        j -= 1
    t10a = _cross(ts[j], up[j], ts[j + 1], up[j + 1], LOW) if up[j] <= LOW else ts[j]
    t90b = _cross(ts[k], down[k], ts[k + 1], down[k + 1], HIGH)
    m = k + 1
    while m < n - 1 and down[m] > LOW:
        m += 1
    t10b = _cross(ts[m - 1], down[m - 1], ts[m], down[m], LOW) if down[m] <= LOW else ts[m]
    lift_d = max(t90a - t10a, 0.0) / SPAN
    lower_d = max(t10b - t90b, 0.0) / SPAN
    start, lift_end = t10a - EDGE * lift_d, t90a + EDGE * lift_d
    lower_start, end_t = t90b - EDGE * lower_d, t10b + EDGE * lower_d
    if shape is not False:
        a, lift_d = fit_move(ts, up, start, lift_end - start, shape)
        back = [1.0 - v for v in down]  # the lower as a rise from the top to the end level
        b, lower_d = fit_move(ts, back, lower_start, end_t - lower_start, shape)
        # A swung leg overshoots and a dropped one lands hard: no smooth move fits
        # them, and a fit that puts the lower before the lift is kept out.
        if a + lift_d <= b + 0.5 * lower_d and a < start + 0.5 * (lift_end - start):
            start, lift_end, lower_start, end_t = a, a + lift_d, b, b + lower_d
    if lower_start < lift_end:  # no pause at the top: split the overlap
        lift_end = lower_start = 0.5 * (lift_end + lower_start)
    return start, lift_end, lower_start, end_t


def fit_move(ts: list[float], p: list[float], t0: float, d: float, shape=None) -> tuple[float, float]:
    """Least-squares start and duration of a smooth move from 0 to 1 in ``p``.

    The model is a minimum-jerk profile (a human limb's point-to-point
    movement, Flash & Hogan 1985) seen through ``shape`` (how the measured
    signal grows with the limb's progress; linear unless given).  Fitting
    every sample of the move, not two threshold crossings, keeps noise from
    moving the ends.  ``t0`` and ``d`` are the starting guesses; a grid of
    candidates around them is scored at once (numpy) and refined twice.
    """
    lo, hi = t0 - d, t0 + 2.0 * d
    pts = [(t, v) for t, v in zip(ts, p) if lo <= t <= hi]
    if len(pts) < 4 or d <= 0:
        return t0, d
    t = np.array([q[0] for q in pts])
    v = np.array([q[1] for q in pts])
    shifts = np.arange(-4, 5, dtype=float)
    scales = np.array([0.6, 0.75, 0.9, 1.0, 1.1, 1.3, 1.6])
    best_a, best_b, step = t0, d, 0.25 * d
    for _ in range(3):
        a = (best_a + shifts * step)[:, None, None]
        b = np.maximum(best_b * scales, 0.1)[None, :, None]
        u = np.clip((t[None, None, :] - a) / b, 0.0, 1.0)
        model = u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)
        if shape is not None:
            model = shape(model)
        cost = ((v[None, None, :] - model) ** 2).sum(axis=2)
        i, k = np.unravel_index(int(np.argmin(cost)), cost.shape)
        best_a, best_b = float(a[i, 0, 0]), float(b[0, k, 0])
        step /= 4.0
        scales = 1.0 + (scales - 1.0) / 3.0
    return best_a, best_b


def com_height(ts: list[float], totals: list[float], rest: float) -> list[float]:
    """Height of the centre of mass above rest, from the total load, between two rests."""
    n = len(ts)
    acc = [G * (f - rest) / rest for f in totals]
    v = [0.0] * n
    for i in range(1, n):
        v[i] = v[i - 1] + 0.5 * (acc[i] + acc[i - 1]) * (ts[i] - ts[i - 1])
    span = ts[-1] - ts[0] or 1.0
    v = [vi - v[-1] * (ti - ts[0]) / span for vi, ti in zip(v, ts)]   # at rest at both ends
    z = [0.0] * n
    for i in range(1, n):
        z[i] = z[i - 1] + 0.5 * (v[i] + v[i - 1]) * (ts[i] - ts[i - 1])
    return [zi - z[-1] * (ti - ts[0]) / span for zi, ti in zip(z, ts)]  # back down at the end


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    return s[len(s) // 2]


def measure(exc: Excursion, height_snr: float = HEIGHT_SNR, min_rise: float = 0.004) -> Measured | None:
    """Figures of an excursion, or ``None`` if it has no rise, top and fall."""
    bx, by = exc.base_x, exc.base_y
    # Rest before the movement: up to a second of it, for the integration's
    # starting point and for the onset's crossing.
    t_open = exc.samples[0].t if exc.samples else 0.0
    pre = [p for p in exc.pre if p.t >= t_open - PRE_S]
    seq = pre + exc.samples + exc.post
    if len(exc.samples) < 2 or exc.base_total <= 0 or not exc.post:
        return None
    ts = [s.t for s in seq]
    dxs = [s.cop_x - bx for s in seq]
    dys = [s.cop_y - by for s in seq]
    ds = [math.hypot(a, b) for a, b in zip(dxs, dys)]
    dmax = max(ds)
    big = [i for i, d in enumerate(ds) if d >= 0.5 * dmax]
    ux = sum(dxs[i] for i in big)
    uy = sum(dys[i] for i in big)
    norm = math.hypot(ux, uy)
    if norm <= 0:
        return None
    ux, uy = ux / norm, uy / norm
    raw = [a * ux + b * uy for a, b in zip(dxs, dys)]
    # The level held at the top: the middle of the excursion, between its first
    # and last half-height points, so overshoots at either end do not count.
    peak = max(raw)
    first = next(i for i in range(len(raw)) if raw[i] >= 0.5 * peak)
    last = next(i for i in range(len(raw) - 1, -1, -1) if raw[i] >= 0.5 * peak)
    amp = _median(raw[first:last + 1])
    n_post = len(exc.post)
    end_x = sum(dxs[-n_post:]) / n_post
    end_y = sum(dys[-n_post:]) / n_post
    # The lift runs from rest to the top; the lower from the top to where the
    # body settles, which in standing may be onto the stance foot, not back
    # where the set began.  Each is normalised between its own ends.
    times = phase_times(ts, raw, amp, end_x * ux + end_y * uy)
    if times is None:
        return None
    timed_by = "cop"
    totals = [s.total for s in seq]
    rest = 0.5 * (sum(s.total for s in pre) / len(pre) + sum(s.total for s in exc.post) / n_post) if pre else totals[-1]
    z = com_height(ts, totals, rest)
    rise = _median(z[first:last + 1])
    quiet = [abs(v) for v in z[:len(pre)] + z[-n_post:]]
    noise = max(quiet) if quiet else 0.0
    if rise > height_snr * noise and rise > min_rise:
        by_height = phase_times(ts, z, rise, 0.0)
        if by_height is not None:
            times, timed_by = by_height, "height"
    start, lift_end, lower_start, end = times
    hold = [i for i in range(len(seq)) if lift_end <= ts[i] <= lower_start] or [(first + last) // 2]
    # The rep's shift: the top against the rest it came back to.
    hdx = _median([dxs[i] - end_x for i in hold])
    hdy = _median([dys[i] - end_y for i in hold])
    # Pulses: dips inside the hold that go down by a clear share and come back up.
    pulses, high, low, dipped = 0, -math.inf, 0.0, False
    for i in hold:
        p = raw[i] / amp
        high = max(high, p)
        if not dipped and p < high - 0.15:
            dipped, low = True, p
        elif dipped:
            low = min(low, p)
            if p > low + 0.12:
                pulses += 1
                dipped, high = False, p
    dyn = max(abs(s.total - rest) for s in exc.samples) / rest
    # How much the movement shook the total load, against its shaking at rest.
    moving = math.sqrt(sum((s.total - rest) ** 2 for s in exc.samples) / len(exc.samples))
    still = [s.total for s in pre + exc.post]
    mean = sum(still) / len(still)
    quiet_f = math.sqrt(sum((f - mean) ** 2 for f in still) / len(still)) or 1e-9
    shake = moving / quiet_f
    # A dropped leg lands: the load jumps as the mat stops it.  A swung one
    # is flung: the load swings fast.  The fastest change of the total load
    # tells both, where a controlled rep changes it smoothly.
    slope = max((abs(b.total - a.total) / (b.t - a.t) for a, b in zip(exc.samples, exc.samples[1:]) if b.t > a.t),
                default=0.0) / rest
    base_ai = sum(s.ai for s in pre) / len(pre) if pre else exc.samples[0].ai
    return Measured(
        start=start, end=end, lift_s=lift_end - start, hold_s=lower_start - lift_end, lower_s=end - lower_start,
        dx=hdx, dy=hdy, amplitude=amp, dynamic=dyn, shake=shake, slope=slope, rise=rise, pulses=pulses,
        ai_series=[(s.t, s.ai) for s in exc.samples], base_ai=base_ai, timed_by=timed_by,
    )
