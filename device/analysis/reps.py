"""Excursions of the centre of pressure: the raw shape of every rep.

Lifting a leg moves the body's centre of mass, and with it the centre of
pressure, away from where it rests, holds it there, and brings it back:
quadruped and standing mostly sideways (onto the supporting side), prone
mostly toward the head.  So a rep is an *excursion*: the CoP leaves its
resting point, stays, and returns.  This module finds excursions and times
their phases; :mod:`.judge` decides which excursions are reps.

Rest is tracked as a slowly following baseline while the CoP is quiet.  An
excursion starts when the CoP moves clearly away from it and ends when it
has come back and settled.  A movement that never returns (shifting
position) is dropped once it has settled elsewhere, and the baseline moves
there.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from .signals import Sample


@dataclass
class Excursion:
    """Samples of one movement away from rest and back, relative to the rest point."""

    base_x: float
    base_y: float
    base_total: float
    samples: list[Sample] = field(default_factory=list)
    pre: list[Sample] = field(default_factory=list)   # rest just before, for onset timing
    post: list[Sample] = field(default_factory=list)  # rest just after


class ExcursionDetector:
    """Feed averaged samples; collects :class:`Excursion` objects in ``done``.

    ``start_m`` is the smallest CoP move (m) that opens an excursion; it is
    raised above the resting sway measured while quiet.
    """

    def __init__(self, start_m: float = 0.008, max_s: float = 12.0, settle_s: float = 0.3) -> None:
        self.start_m = start_m
        self.max_s = max_s
        self.settle_s = settle_s
        self.base: tuple[float, float, float] | None = None
        self.sway = 0.0015
        self.current: Excursion | None = None
        self.peak = 0.0
        self._recent: deque[Sample] = deque(maxlen=40)
        self._quiet_since: float | None = None
        self._back_since: float | None = None

    def reset(self) -> None:
        """Forget rest and any open excursion (someone got off, or a command said so)."""
        self.base = None
        self.current = None
        self._recent.clear()
        self._quiet_since = self._back_since = None

    def threshold(self) -> float:
        return max(self.start_m, 5.0 * self.sway)

    def deviation(self, s: Sample) -> tuple[float, float, float]:
        assert self.base is not None
        dx = s.cop_x - self.base[0]
        dy = s.cop_y - self.base[1]
        return dx, dy, math.hypot(dx, dy)

    def feed(self, s: Sample) -> Excursion | None:
        """Returns a finished excursion (returned to rest) when one ends."""
        if self.base is None:
            self.base = (s.cop_x, s.cop_y, s.total)
            self._recent.append(s)
            return None
        dx, dy, d = self.deviation(s)
        cur = self.current
        if cur is None:
            if d > self.threshold():
                cur = self.current = Excursion(*self.base, pre=list(self._recent))
                cur.samples.append(s)
                self.peak = d
                self._back_since = None
                return None
            # Quiet: follow slow drift and learn the sway (time constant ~1.5 s at 20 Hz).
            bx, by, bt = self.base
            self.base = (bx + 0.03 * dx, by + 0.03 * dy, bt + 0.03 * (s.total - bt))
            self.sway += 0.01 * (min(d, 3 * self.start_m) - self.sway)
            self._recent.append(s)
            return None
        cur.samples.append(s)
        if d > self.peak:
            self.peak = d
        back = max(0.3 * self.peak, 0.6 * self.threshold())
        if d < back:
            if self._back_since is None:
                self._back_since = s.t
            elif s.t - self._back_since >= self.settle_s:
                return self._close(s)
        else:
            self._back_since = None
        if s.t - cur.samples[0].t > self.max_s:
            self._rebase(s)
        return None

    def _close(self, s: Sample) -> Excursion:
        cur = self.current
        assert cur is not None
        # The last samples (settled back at rest) belong to the rest that follows.
        n_back = sum(1 for x in cur.samples if x.t >= (self._back_since or s.t))
        cur.post = cur.samples[len(cur.samples) - n_back:]
        del cur.samples[len(cur.samples) - n_back:]
        self.current = None
        self._recent.clear()
        self._recent.extend(cur.post)
        self._back_since = None
        return cur

    def _rebase(self, s: Sample) -> None:
        """Give up on the open excursion: the body has moved to a new resting place."""
        self.current = None
        self.base = (s.cop_x, s.cop_y, s.total)
        self._recent.clear()
        self._recent.append(s)
        self._back_since = None

    def settled_elsewhere(self, s: Sample, window_s: float = 1.0) -> bool:
        """True when the open excursion has been still for ``window_s`` (a hold, or a new place)."""
        cur = self.current
        if cur is None or len(cur.samples) < 3:
            return False
        t0 = s.t - window_s
        pts = [x for x in cur.samples if x.t >= t0]
        if len(pts) < 3 or cur.samples[0].t > t0:
            return False
        xs = [p.cop_x for p in pts]
        ys = [p.cop_y for p in pts]
        return max(max(xs) - min(xs), max(ys) - min(ys)) < max(0.004, 3 * self.sway)

    def abandon(self, s: Sample) -> None:
        self._rebase(s)
