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
    back_t: float = math.inf  # when it was back at rest


class ExcursionDetector:
    """Feed averaged samples; collects :class:`Excursion` objects in ``done``.

    ``start_m`` is the smallest CoP move (m) that opens an excursion; it is
    raised above the resting sway measured while quiet.
    """

    def __init__(self, start_m: float = 0.008, max_start_m: float = 0.015, max_s: float = 12.0,
                 settle_s: float = 0.3, away_s: float = 3.0, rep_shape=None) -> None:
        self.away_s = away_s
        # rep_shape(dx, dy, size) -> bool: could a held shift like this be the top of a rep?
        self.rep_shape = rep_shape or (lambda dx, dy, size: True)
        self.away: tuple[float, float, float, float] | None = None  # (entered, still since, x, y)
        self.shelf_s = 1.5
        # Set by the analysis: the size of this person's reps so far (bounds a peak
        # inflated by a dynamic spike), and whether the body may settle onto a new
        # rest within a set (standing: onto the stance foot).
        self.typical: float | None = None
        self._near_n = 0
        self.may_resettle = True
        self.outer: Excursion | None = None  # a held movement we are watching from its shelf
        self._outer_peak = 0.0
        self._outer_xy = (0.0, 0.0)
        self.max_start_m = max_start_m
        self.start_m = start_m
        self.max_s = max_s
        self.settle_s = settle_s
        self.base: tuple[float, float, float] | None = None
        self.sway = 0.001  # mean CoP change between samples at rest, m
        self._last: Sample | None = None
        self.current: Excursion | None = None
        self.dropped = 0  # excursions given up as not rep-shaped
        self.peak = 0.0
        self._peak_xy = (0.0, 0.0)
        self._recent: deque[Sample] = deque(maxlen=40)

    def reset(self) -> None:
        """Forget rest and any open excursion (someone got off, or a command said so)."""
        self.base = None
        self.current = self.outer = None
        self.away = None
        self._recent.clear()

    def threshold(self) -> float:
        return min(max(self.start_m, 6.0 * self.sway), self.max_start_m)

    def still_m(self) -> float:
        """The most a resting CoP wanders within a second, from the sway measured at rest."""
        return max(0.005, 4.0 * self.sway)

    def deviation(self, s: Sample) -> tuple[float, float, float]:
        assert self.base is not None
        dx = s.cop_x - self.base[0]
        dy = s.cop_y - self.base[1]
        return dx, dy, math.hypot(dx, dy)

    def feed(self, s: Sample) -> Excursion | None:
        """Returns a finished excursion (returned to rest) when one ends."""
        last, self._last = self._last, s
        if self.base is None:
            self.base = (s.cop_x, s.cop_y, s.total)
            self._recent.append(s)
            return None
        dx, dy, d = self.deviation(s)
        if self.away is not None:
            self._while_away(s, d)
            return None
        cur = self.current
        if cur is None:
            if d > self.threshold():
                cur = self.current = Excursion(*self.base, pre=list(self._recent))
                cur.samples.append(s)
                self._near_n = 0
                self.peak, self._peak_xy = d, (dx, dy)
                return None
            # Quiet: follow slow drift (time constant ~1.5 s at 20 Hz) and learn the
            # sway from sample-to-sample changes, which slow drifts do not inflate.
            bx, by, bt = self.base
            self.base = (bx + 0.03 * dx, by + 0.03 * dy, bt + 0.03 * (s.total - bt))
            if last is not None:
                step = math.hypot(s.cop_x - last.cop_x, s.cop_y - last.cop_y)
                self.sway += 0.01 * (min(step, self.max_start_m) - self.sway)
            self._recent.append(s)
            return None
        cur.samples.append(s)
        if d > self.peak:
            self.peak, self._peak_xy = d, (dx, dy)
        outer = self.outer
        if outer is not None and self._still(s) and math.hypot(
                s.cop_x - outer.base_x, s.cop_y - outer.base_y) < max(0.3 * self._outer_peak, 0.6 * self.threshold()):
            # Back where the held movement began: it was one rep with a long hold.
            outer.samples += cur.samples
            self.current, self.outer = outer, None
            self.base = (outer.base_x, outer.base_y, outer.base_total)
            return self._close(s, settled_elsewhere=False)
        # Back at rest means near where it started, or (standing: the body has
        # settled onto the stance foot for the set) still, after coming more
        # than halfway back from the top.
        px, py = self._peak_xy
        peak = self.peak if self.typical is None else min(self.peak, 1.5 * self.typical)
        along = (dx * px + dy * py) / self.peak if self.peak > 0 else 0.0
        if self.may_resettle:
            # Standing: back at rest must be truly back; settling part of the way
            # (onto the stance foot) is told by stillness instead.
            near = d < 0.6 * self.threshold()
        else:
            near = d < max(0.3 * peak, 0.6 * self.threshold())
        halfway = self.may_resettle and along < 0.5 * self.peak
        if near:
            self._near_n += 1
        else:
            self._near_n = 0
        # Back near rest for a moment closes it (between fast reps rest lasts
        # only a few tenths of a second); settling elsewhere needs stillness.
        if self._near_n >= 2 or (halfway and self._still(s)):
            exc = self._close(s, settled_elsewhere=not near)
            if outer is not None:
                self.outer = None
                if px * (exc.base_x - outer.base_x) + py * (exc.base_y - outer.base_y) < 0:
                    # A dip back toward where the held movement began and up again:
                    # a pulse at the top of a long hold, part of that rep.
                    outer.samples += exc.samples + exc.post
                    self.current, self.peak, self._peak_xy = outer, self._outer_peak, self._outer_xy
                    self.base = (outer.base_x, outer.base_y, outer.base_total)
                    return None
            return exc
        if self.may_resettle and outer is None and self.settled_elsewhere(s, self.shelf_s) and self.rep_shape(dx, dy, d):
            # Held for a while where a rep could go: a long hold, or (standing)
            # the weight moved onto the stance foot for the whole set.  Watch from
            # here: a rep from this shelf that comes back to it settles the
            # question one way, a return to the old rest the other.
            self.outer, self._outer_peak, self._outer_xy = cur, self.peak, self._peak_xy
            n = self._still_n()
            pts = cur.samples[-n:]
            self.base = (sum(p.cop_x for p in pts) / n, sum(p.cop_y for p in pts) / n,
                         sum(p.total for p in pts) / n)
            self.current = None
            self._recent.clear()
            self._recent.extend(pts)
            return None
        if self.settled_elsewhere(s, 1.0) and not self.rep_shape(dx, dy, d):
            # Held somewhere no rep goes: a hand lifted, kneeling back, a shift of
            # place.  Wait to see whether the body comes back or stays there.
            self.current = self.outer = None
            self.away = (s.t, s.t, s.cop_x, s.cop_y)
            self.dropped += 1
            return None
        if s.t - cur.samples[0].t > self.max_s:
            # Out for too long: the body has a new resting place, and it is where
            # it came closest to the old one lately (between reps), not wherever
            # it happens to be now (perhaps at a rep's top).
            recent = [p for p in cur.samples if p.t >= s.t - 5.0]
            bx, by = cur.base_x, cur.base_y
            self._rebase(min(recent, key=lambda p: math.hypot(p.cop_x - bx, p.cop_y - by)))
        return None

    def _while_away(self, s: Sample, d: float) -> None:
        entered, since, ax, ay = self.away
        if math.hypot(s.cop_x - ax, s.cop_y - ay) > 2 * self.still_m():
            since, ax, ay = s.t, s.cop_x, s.cop_y  # still moving: restart the clock
        self.away = entered, since, ax, ay
        back = d < 0.6 * self.threshold()
        if back or s.t - since > self.away_s or s.t - entered > 2 * self.away_s:
            # Back home, settled in a new place, or (a set going on from a new
            # place) moving for too long: whatever it was, this is rest now.
            self.away = None
            self._rebase(s)

    def _still_n(self) -> int:
        """How many of the open excursion's last samples span the settle time."""
        cur = self.current
        assert cur is not None
        t0 = cur.samples[-1].t - self.settle_s
        n = 0
        for p in reversed(cur.samples):
            if p.t < t0:
                break
            n += 1
        return n

    def _still(self, s: Sample) -> bool:
        cur = self.current
        assert cur is not None
        n = self._still_n()
        if n < 3 or n + 2 > len(cur.samples):
            return False
        return self._steady(cur.samples[-n:])

    def _steady(self, pts: list[Sample]) -> bool:
        """Did the CoP stay within the resting wander over these samples?"""
        xs = [p.cop_x for p in pts]
        ys = [p.cop_y for p in pts]
        return max(max(xs) - min(xs), max(ys) - min(ys)) < self.still_m()

    def _close(self, s: Sample, settled_elsewhere: bool) -> Excursion:
        cur = self.current
        assert cur is not None
        # The samples back at rest belong to the rest that follows.
        n_back = self._still_n() if settled_elsewhere else self._near_n
        n_back = min(max(n_back, 1), len(cur.samples) - 1)
        cur.post = cur.samples[len(cur.samples) - n_back:]
        del cur.samples[len(cur.samples) - n_back:]
        cur.back_t = cur.post[0].t
        self.current = None
        self._recent.clear()
        self._recent.extend(cur.post)
        n = len(cur.post)
        if settled_elsewhere:
            # Rest is now where the body settled (standing: on the stance foot
            # for the set); a brief wobble on the way back cannot move it.
            self.base = (sum(p.cop_x for p in cur.post) / n, sum(p.cop_y for p in cur.post) / n,
                         sum(p.total for p in cur.post) / n)
        return cur

    def reanchor(self, exc: Excursion) -> None:
        """Rest is really where ``exc`` went (its far end), not where it started."""
        far = max(exc.samples, key=lambda p: math.hypot(p.cop_x - exc.base_x, p.cop_y - exc.base_y))
        self.current = self.outer = None
        self.base = (far.cop_x, far.cop_y, far.total)
        self._recent.clear()

    def _rebase(self, s: Sample) -> None:
        """Give up on the open excursion: the body has moved to a new resting place."""
        self.current = self.outer = None
        self.base = (s.cop_x, s.cop_y, s.total)
        self._recent.clear()
        self._recent.append(s)

    def settled_elsewhere(self, s: Sample, window_s: float = 1.0) -> bool:
        """True when the open excursion has been still for ``window_s`` (a hold, or a new place)."""
        cur = self.current
        if cur is None or len(cur.samples) < 3:
            return False
        t0 = s.t - window_s
        pts = [x for x in cur.samples if x.t >= t0]
        if len(pts) < 3 or cur.samples[0].t > t0:
            return False
        return self._steady(pts)
