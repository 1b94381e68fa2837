"""Measure one movement: its phases, its shift at the top, how far the body rose, how hard it moved.

The phases are fitted (:mod:`.fit`) as two minimum-jerk moves, the lift
and the lower, to the signals that see them: the vertical force on every
exercise (the leg rising and falling lifts and lowers the body's centre of
mass: F - W = M z''), and the centre of pressure along which the trunk
carries the weight for that exercise (sideways on all fours and standing,
toward the head lying prone).  Their ends are where the labels of a rep put
them: where the leg starts and stops moving, not where a threshold is
crossed.

The shift at the top (for the working leg, hip tilt and arch) is the median
of three estimates in each CoP coordinate; the rise is the fitted rise of
the centre of mass.  The momentum figures are the phases' fitted durations
and the force's largest departure within each (F - W = m_leg a_leg): a leg
swung up or let drop moves far faster and harder than a controlled one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .fit import FORCE, SHIFT, Channel, coefficients, fit_move, rise, rise_error
from .segment import Movement

# Hip extension at the top of a typical rep (rad): how the leg's rise follows its angle.
TOP_ANGLE = {"quadruped": math.radians(88), "prone": math.radians(15), "standing": math.radians(28)}
# The CoP coordinates the trunk moves along in each exercise (timing uses these and the force).
TIMING_AXES = {"quadruped": ("x",), "prone": ("y",), "standing": ("x", "y"), None: ("x", "y")}
REST_S = 1.0        # rest before and after that the noise and body weight are taken from
WINDOW_S = 1.0      # how far beyond the movement's ends a fit may look
MIN_PHASE_S = 0.15
TWO_STAGE = ("standing",)   # where the trunk also shifts the weight before and after a set
SIGNIFICANT = 40.0  # a force fit explaining this many noise variances shows the leg's move


@dataclass
class Measured:
    start: float
    end: float
    lift_s: float
    hold_s: float
    lower_s: float
    dx: float            # CoP shift at the top, m (+ toward the user's right)
    dy: float            # m (+ toward the head / front)
    dx_rest: float       # the top against where the body rested before the movement (standing:
    dy_rest: float       # before the weight shifted onto the stance foot for the set), m
    amplitude: float     # m
    rise: float          # rise of the body's centre of mass over the lift, m
    drop: float          # its fall over the lower, m
    rise_error: float    # the standard error of the better measured of the two, m
    lift_s_fit: float    # the lift as fitted, before the phases were made to fit together
    lower_s_fit: float
    lift_peak: float     # the force's largest departure from its level during the lift, in body weights
    lower_peak: float    # and during the lower
    pulses: int
    ai_series: list[tuple[float, float]]
    base_ai: float
    chain: int = 0       # the segmenter's chain: movements since the body last rested share it


def _explains(move, t: np.ndarray, ch: Channel) -> float:
    """How much of a channel a fitted move explains, in units of its noise variance."""
    y = ch.values
    resid = y - move.model(t, ch.kind, move.coefs[0])
    return (float(((y - y.mean()) ** 2).sum()) - float((resid ** 2).sum())) / ch.noise ** 2


def _median(a: np.ndarray) -> float:
    """Median of a short array (np.median's overhead is most of its cost here)."""
    n = len(a)
    return float(np.partition(a, n // 2)[n // 2]) if n else 0.0


def _std(a: np.ndarray, floor: float) -> float:
    return max(float(np.std(a)) if len(a) > 1 else 0.0, floor)


def measure(mv: Movement, exercise: str | None, not_before: float = -math.inf) -> Measured | None:
    """Figures of a movement, or ``None`` if there is too little of it to measure.

    ``not_before``: where the movement before it ended; the lift's fit does not look back past it.
    """
    pts = mv.points
    if mv.end - mv.start < 2 or mv.start < 0 or mv.end >= len(pts):
        return None
    t, total, cop_x, cop_y, cx, cy, ai = np.array(pts, dtype=float).T
    cop = {"x": cop_x, "y": cop_y}
    i0, ip, i1 = mv.start, mv.top, mv.end
    t0, t1 = t[i0], t[i1]
    before = (t >= t0 - REST_S) & (t <= t0)
    after = (t >= t1) & (t <= t1 + REST_S)
    rest = before | after
    weight = float(total[rest].mean()) if rest.any() else float(total.mean())
    if weight <= 0:
        return None
    f = (total - weight) / weight
    d = np.hypot(cx - mv.rest_x, cy - mv.rest_y)
    if not i0 <= ip <= i1:
        ip = i0 + int(np.argmax(d[i0:i1 + 1]))
    # The hold: the samples near the top, up to where the CoM has come well back
    # (standing, the weight may shift back past rest after the set's last rep).
    # "Near the top" is judged against the level the CoM held, not its farthest:
    # a swung leg's overshoot throws the CoM briefly beyond the hold.
    level = float(np.percentile(d[i0:i1 + 1], 80))
    lo, hi = i0, i1
    for i in range(ip, i1 + 1):
        if d[i] < 0.4 * level:
            hi = i
            break
    for i in range(ip, i0 - 1, -1):
        if d[i] < 0.4 * level:
            lo = i
            break
    top = np.nonzero(d[lo:hi + 1] >= 0.7 * level)[0] + lo
    h0, h1 = (int(top[0]), int(top[-1])) if len(top) else (ip, ip)
    t_mid = 0.5 * (t[h0] + t[h1])

    noise = {"f": _std(f[rest], 2e-4), "x": _std(cop["x"][rest], 5e-4), "y": _std(cop["y"][rest], 5e-4)}
    theta = TOP_ANGLE.get(exercise or "quadruped", TOP_ANGLE["quadruped"])
    axes = TIMING_AXES.get(exercise, TIMING_AXES[None])

    def channels(sel: np.ndarray) -> list[Channel]:
        chans = [Channel(f[sel], noise["f"], FORCE)]
        chans += [Channel(cop[a][sel], noise[a], SHIFT) for a in axes]
        return chans

    # The body may pause on its way out or back (standing: the weight shifted
    # onto the stance foot before the set, and back after it): the fits look
    # no farther than a pause before the rise and after the return.
    lo_t, hi_t = _pauses(t, cx, cy, h0, h1)
    lift_sel = (t >= max(t0 - WINDOW_S, not_before, lo_t)) & (t <= t_mid)
    lower_sel = (t >= t_mid) & (t <= min(t1 + WINDOW_S, hi_t))
    if lift_sel.sum() < 5 or lower_sel.sum() < 5:
        return None
    tl, tw = t[lift_sel], t[lower_sel]

    def fit(tt: np.ndarray, sel: np.ndarray, starts: tuple[float, float], ends: tuple[float, float], down: bool):
        # The leg's own move, where the force shows it clearly, bounds the fit of
        # all the signals: the CoP also carries the trunk's other moves (the weight
        # shifted onto the stance foot before a standing set, and back after it).
        force = Channel(f[sel], noise["f"], FORCE)
        alone = fit_move(tt, [force], starts, ends, theta, down) if exercise in TWO_STAGE else None
        if alone is not None and _explains(alone, tt, force) > SIGNIFICANT:
            starts = _near(starts, alone.start)
            ends = _near(ends, alone.start + alone.duration)
        return fit_move(tt, channels(sel), starts, ends, theta, down)

    # Where each move may start and end, from the CoM's outline: the lift from the
    # window's start to where the CoM is near its top, ending before the hold's
    # middle; the lower alike, mirrored.
    lift = fit(tl, lift_sel, (tl[0], t[h0]), (t0, t_mid), False)
    lower = fit(tw, lower_sel, (t_mid, t[h1]), (t[h1], tw[-1]), True)

    start, lift_end = lift.start, lift.start + lift.duration
    lower_start, end = lower.start, lower.start + lower.duration
    if lower_start < lift_end:   # no pause at the top: the moves meet half way
        lift_end = lower_start = 0.5 * (lift_end + lower_start)
    start = min(start, lift_end - MIN_PHASE_S)
    end = max(end, lower_start + MIN_PHASE_S)

    # The shift at the top, three ways: the size of the trunk's fitted moves, and
    # the CoP and the CoM over the hold against the rest either side.  Each has its
    # own weakness (a short hold, a leg landing hard, sway), rarely the same one:
    # the median of the three is kept, per coordinate.
    hold = (t >= lift_end) & (t <= lower_start)
    if not hold.any():
        off = np.abs(t - 0.5 * (lift_end + lower_start))
        hold = off == off.min()
    around = ((t >= start - 0.3) & (t <= start)) | ((t >= end) & (t <= end + 0.3))
    com = {"x": cx, "y": cy}
    shift = {}
    for a in ("x", "y"):
        up = coefficients(tl, Channel(cop[a][lift_sel], 1.0, SHIFT), lift.start, lift.duration, theta, False)
        dn = coefficients(tw, Channel(cop[a][lower_sel], 1.0, SHIFT), lower.start, lower.duration, theta, True)
        ways = [0.5 * (float(up[1]) - float(dn[1]))]
        if around.any():
            ways += [_median(sig[hold]) - float(sig[around].mean()) for sig in (cop[a], com[a])]
        shift[a] = sorted(ways)[len(ways) // 2]
    rose = rise(lift.coefs[0], theta)
    fell = rise(lower.coefs[0], theta)
    rose_err = min(rise_error(lift, tl, noise["f"]), rise_error(lower, tw, noise["f"]))

    pulses = _pulses(t, f, lift_end, lower_start, noise["f"])
    # How hard the leg accelerated in each phase (the force's largest departure
    # from its level there): a leg swung up or let drop moves far harder.
    peaks = []
    for mvf, tt, sel in ((lift, tl, lift_sel), (lower, tw, lower_sel)):
        during = (tt >= mvf.start - 0.1) & (tt <= mvf.start + mvf.duration + 0.2)
        peaks.append(float(np.max(np.abs(f[sel][during] - mvf.coefs[0][0]))) if during.any() else 0.0)
    during = (t >= start) & (t <= end)
    ai_series = list(zip(t[during].tolist(), ai[during].tolist()))
    return Measured(
        start=start, end=end, lift_s=lift_end - start, hold_s=lower_start - lift_end, lower_s=end - lower_start,
        dx=shift["x"], dy=shift["y"], dx_rest=_median(cx[hold]) - mv.origin_x, dy_rest=_median(cy[hold]) - mv.origin_y,
        amplitude=math.hypot(shift["x"], shift["y"]), rise=rose, drop=fell, rise_error=rose_err,
        lift_s_fit=lift.duration, lower_s_fit=lower.duration, lift_peak=peaks[0], lower_peak=peaks[1], pulses=pulses,
        ai_series=ai_series, base_ai=float(ai[before].mean()) if before.any() else float(ai[i0]),
        chain=mv.chain,
    )


def _near(bounds: tuple[float, float], at: float, half: float = 0.25) -> tuple[float, float]:
    """``bounds`` narrowed to within ``half`` of ``at`` (never reversed: at worst a point)."""
    lo = max(bounds[0], at - half)
    return lo, max(min(bounds[1], at + half), lo)


def _pulses(t: np.ndarray, f: np.ndarray, t_a: float, t_b: float, noise: float) -> int:
    """Pulses at the top: each dip and rise of the leg pushes the load up and down once."""
    sel = (t > t_a + 0.1) & (t < t_b - 0.1)
    if sel.sum() < 5:
        return 0
    g = f[sel] - _median(f[sel])
    ts = t[sel]
    level = max(5.0 * noise, 0.004)
    n, last, armed = 0, -math.inf, True
    for ti, v in zip(ts, g):
        if armed and v > level and ti - last > 0.3:
            n, last, armed = n + 1, ti, False
        elif v < 0:
            armed = True
    return n


def _pauses(t: np.ndarray, cx: np.ndarray, cy: np.ndarray, h0: int, h1: int,
            share: float = 0.2, margin_s: float = 0.5) -> tuple[float, float]:
    """Where the CoM last paused before rising to the top, and first paused after coming back.

    Walking out from the top each way, a pause is where the CoM's speed falls
    below ``share`` of the fastest it went on the way so far; the window
    reaches ``margin_s`` beyond it (a move's ends are gentle).
    """
    if len(t) < 3:
        return -math.inf, math.inf
    speed = np.hypot(np.gradient(cx, t), np.gradient(cy, t)).tolist()

    def first_pause(order) -> int | None:
        fastest = 0.0
        for i in order:
            v = speed[i]
            if v > fastest:
                fastest = v
            elif v < share * fastest:
                return i
        return None

    before = first_pause(range(h0, -1, -1))
    after = first_pause(range(h1, len(t)))
    return (float(t[before]) - margin_s if before is not None else -math.inf,
            float(t[after]) + margin_s if after is not None else math.inf)
