"""Measure one excursion: direction, size, phase times, pulses, dynamic load.

Phase times follow the labels' convention: a phase starts and ends where the
leg is at rest (zero velocity), not where a threshold is crossed.  A smooth
movement spends a long time near rest at each end, so thresholds near 0 %
and 100 % are drowned in sway.  The crossings at 10 % and 90 % of the
excursion are sharp instead, and for the smooth bell-shaped velocity of a
human limb movement they sit at a fixed share of the movement's duration:
25 % / 75 % for a minimum-jerk profile (Flash & Hogan 1985), 20.5 % / 79.5 %
for a raised cosine.  Taking the mean (22.8 % and a 54.5 % span) puts the
ends of a 1 s movement within about 0.02 s of either shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .reps import Excursion

LOW, HIGH = 0.1, 0.9
EDGE = 0.228          # share of a movement's duration before its 10 % crossing
SPAN = 1 - 2 * EDGE   # share between its 10 % and 90 % crossings


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
    pulses: int
    ai_series: list[tuple[float, float]]  # (t, ai) over the rep, for the tilt peak
    base_ai: float


def _cross(t0: float, p0: float, t1: float, p1: float, level: float) -> float:
    if p1 == p0:
        return t1
    return t0 + (level - p0) * (t1 - t0) / (p1 - p0)


def measure(exc: Excursion) -> Measured | None:
    """Figures of an excursion, or ``None`` if it has no rise, top and fall."""
    bx, by, btot = exc.base_x, exc.base_y, exc.base_total
    seq = exc.pre[-6:] + exc.samples + exc.post
    if len(exc.samples) < 2 or btot <= 0:
        return None
    dxs = [s.cop_x - bx for s in seq]
    dys = [s.cop_y - by for s in seq]
    ds = [math.hypot(a, b) for a, b in zip(dxs, dys)]
    dmax = max(ds)
    top = [i for i, d in enumerate(ds) if d >= 0.7 * dmax]
    ux = sum(dxs[i] for i in top) / len(top)
    uy = sum(dys[i] for i in top) / len(top)
    norm = math.hypot(ux, uy)
    if norm <= 0:
        return None
    ux, uy = ux / norm, uy / norm
    proj = sorted(dxs[i] * ux + dys[i] * uy for i in top)
    amp = proj[len(proj) // 2]
    if amp <= 0:
        return None
    p = [(a * ux + b * uy) / amp for a, b in zip(dxs, dys)]
    ts = [s.t for s in seq]
    n = len(seq)
    first_hi = next((i for i in range(n) if p[i] >= HIGH), None)
    last_hi = next((i for i in range(n - 1, -1, -1) if p[i] >= HIGH), None)
    if first_hi is None or last_hi is None or first_hi == 0 or last_hi == n - 1:
        return None
    i = first_hi
    t90a = _cross(ts[i - 1], p[i - 1], ts[i], p[i], HIGH)
    j = i - 1
    while j > 0 and p[j] > LOW:
        j -= 1
    t10a = _cross(ts[j], p[j], ts[j + 1], p[j + 1], LOW) if p[j] <= LOW else ts[j]
    k = last_hi
    t90b = _cross(ts[k], p[k], ts[k + 1], p[k + 1], HIGH)
    m = k + 1
    while m < n - 1 and p[m] > LOW:
        m += 1
    t10b = _cross(ts[m - 1], p[m - 1], ts[m], p[m], LOW) if p[m] <= LOW else ts[m]
    lift_d = max(t90a - t10a, 0.0) / SPAN
    lower_d = max(t10b - t90b, 0.0) / SPAN
    start = t10a - EDGE * lift_d
    lift_end = t90a + EDGE * lift_d
    lower_start = t90b - EDGE * lower_d
    end = t10b + EDGE * lower_d
    if lower_start < lift_end:  # no pause at the top: split the overlap
        lift_end = lower_start = 0.5 * (lift_end + lower_start)
    hold_idx = [q for q in range(first_hi, last_hi + 1)] or [first_hi]
    hdx = sorted(dxs[q] for q in hold_idx)
    hdy = sorted(dys[q] for q in hold_idx)
    # Pulses: dips inside the hold that go down by a clear share and come back up.
    pulses, high, dipped = 0, p[first_hi], False
    for q in range(first_hi, last_hi + 1):
        if p[q] > high:
            high = p[q]
        if not dipped and p[q] < high - 0.15:
            dipped, low = True, p[q]
        elif dipped:
            low = min(low, p[q])
            if p[q] > low + 0.12:
                pulses += 1
                dipped, high = False, p[q]
    dyn = max(abs(s.total - btot) for s in exc.samples) / btot
    base_ai = sum(s.ai for s in exc.pre[-6:]) / len(exc.pre[-6:]) if exc.pre else exc.samples[0].ai
    return Measured(
        start=start, end=end,
        lift_s=lift_end - start, hold_s=lower_start - lift_end, lower_s=end - lower_start,
        dx=hdx[len(hdx) // 2], dy=hdy[len(hdy) // 2], amplitude=amp, dynamic=dyn,
        pulses=pulses, ai_series=[(s.t, s.ai) for s in exc.samples], base_ai=base_ai,
    )
