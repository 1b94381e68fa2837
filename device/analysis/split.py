"""Standing: two fast reps the centre of mass ran together, split where the trunk shows a lift.

On one leg the body sways by as much as a fast rep's own shift, and a rep
that came back only part of the way before the next one rose stays one
movement to the segmenter.  The trunk tells what the CoM does not: as the leg
swings back the trunk goes forward to keep the weight over the stance foot,
and the centre of pressure departs from the centre of mass front to back as
that move's acceleration does (back, then forward; inverted pendulum,
``cop = com - (h/g) com''`` for the part of the body that moves).  A matched
filter of minimum-jerk acceleration shapes finds it.  Alone it is no better
than the sway (see docs/analysis.md, "Known limits"); where the CoM has also
come a good part of the way back, it marks the next rep's lift.
"""

from __future__ import annotations

import numpy as np

from .fit import minjerk
from .segment import Movement

GRID_S = 0.05
TEMPLATES_S = (0.45, 0.65, 0.9, 1.25)  # lift durations the filter looks for
DEPTH = 0.42          # a dip this share of the way back from the lower of the tops either side
DEPTH_M = 0.003       # and at least this far (m)
RISE_M = 0.01         # each top this far (m) beyond where the movement rose
EVIDENCE_M = 0.06     # the filter's peak (m, templates of unit norm) that marks a lift
EDGE_S = 0.6          # a dip this far from the movement's ends (nearer, it is its start or end)
LOOK_S = (-0.5, 0.4)  # where, about the dip, the next lift begins


def _templates() -> list[np.ndarray]:
    out = []
    for T in TEMPLATES_S:
        a = minjerk(np.arange(0.0, T + 1e-9, GRID_S) / T)[2]   # its acceleration
        out.append(-a / np.linalg.norm(a))                     # the CoP goes back first
    return out


_TEMPLATES = _templates()


def lift_evidence(t: np.ndarray, cop_y: np.ndarray, com_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """On a uniform grid: for each instant, how strongly a lift begins there (m)."""
    g = np.arange(t[0], t[-1], GRID_S)
    r = np.interp(g, t, cop_y - com_y)
    best = np.full(len(g), -np.inf)
    for k in _TEMPLATES:
        if len(k) > len(r):
            continue
        c = np.correlate(r, k, mode="valid")           # c[i]: the template starting at g[i]
        best[:len(c)] = np.maximum(best[:len(c)], c)
    return g, best


def split(mv: Movement) -> list[Movement]:
    """``mv``, or the reps it ran together, each a :class:`Movement` over the same points."""
    t, _, _, cop_y, cx, cy, _ = np.array(mv.points, dtype=float).T
    g, z = lift_evidence(t, cop_y, cy)
    # As the segmenter measures: from rest before the set (a way home is no rise).
    d = np.hypot(cx - mv.origin_x, cy - mv.origin_y)
    return _split(mv, t, d, g, z)


def _split(mv: Movement, t: np.ndarray, d: np.ndarray, g: np.ndarray, z: np.ndarray) -> list[Movement]:
    pts = mv.points
    i0, i1 = mv.start, mv.end
    if t[i1] - t[i0] < 2 * EDGE_S or len(g) == 0 or (mv.rest_x, mv.rest_y) == (mv.origin_x, mv.origin_y):
        return [mv]
    dm = d[i0:i1 + 1]
    # the farthest up to each point, and from each point on
    before, after = np.maximum.accumulate(dm), np.maximum.accumulate(dm[::-1])[::-1]
    best, where = 0.0, None
    for j in range(1, len(dm) - 1):
        tj = t[i0 + j]
        if not (dm[j] <= dm[j - 1] and dm[j] < dm[j + 1]) or tj - t[i0] < EDGE_S or t[i1] - tj < EDGE_S:
            continue
        top = min(before[j - 1], after[j])
        amp, depth = top - dm[0], top - dm[j]
        if amp < RISE_M or depth < max(DEPTH * amp, DEPTH_M):
            continue
        w = (g >= tj + LOOK_S[0]) & (g <= tj + LOOK_S[1])
        if not w.any() or z[w].max() < EVIDENCE_M:
            continue
        if depth / amp > best:
            best, where = depth / amp, i0 + j
    if where is None:
        return [mv]
    k = where
    top_a = i0 + int(np.argmax(d[i0:k + 1]))
    top_b = k + int(np.argmax(d[k:i1 + 1]))
    a = Movement(pts, i0, top_a, k, mv.rest_x, mv.rest_y, mv.origin_x, mv.origin_y, mv.chain, mv.first)
    b = Movement(pts, k, top_b, i1, pts[k].com_x, pts[k].com_y, mv.origin_x, mv.origin_y, mv.chain, mv.first)
    return _split(a, t, d, g, z) + _split(b, t, d, g, z)
