"""Movements of the centre of mass: rest, out to a top, back.

Lifting a leg moves the body's centre of mass (CoM) away from where it
rests, holds it there and brings it back: on all fours and standing mostly
sideways (onto the supporting side), prone mostly toward the head.  This
module cuts the CoM path (from :class:`~.signals.ComEstimator`) into such
movements; :mod:`.measure` times and sizes each one and :mod:`.judge`
decides which are reps.

It is a hysteresis ("zigzag") on the distance ``d`` from the rest point:

- *rest*: the rest point follows the CoM slowly; a move beyond ``start_m``
  (raised above the resting sway measured here) opens a movement.  Rest is
  first taken once the body has settled after getting on (or, standing, if
  it sways too much to be still, has stayed about one place for a while).
- *out*: the top is the farthest the CoM stayed for a moment (a leg landing
  hard throws it out for an instant; that is no top).
- *back*: the body has come back at least half way from the top toward
  where the rep rose from: the rest, or the valley before it, or (standing)
  the lowest point shortly before the top, which is the stance foot the
  weight shifted onto before the set (a *shelf*; for a set's first rep,
  where the weight paused on it; a dip in a hold is judged against the
  shelves the set's reps rose from, see ``_chain_typical``).  The
  movement ends when it is near the rest point again, or when it rises
  again by a good share of a rep before that (fast reps, no pause between;
  the next rep may be smaller than this one, and is measured from the
  valley; standing, it may go out from the stance foot across the line from
  rest, tilted toward the working leg, and is measured from the valley
  that way), or (standing) when it settles back on its shelf.

A dip of less than half the movement (sway, a pulse at the top) never
ends it; a movement that does not come back within ``max_out_s`` was a
change of place, and rest moves where the body came closest to the old one
lately (between reps, if a set is under way).  Sooner than that, a body
that stood somewhere new is resting there: standing, once it has stayed
there long (a step aside); lying or kneeling, once it has gone out from
there and come back to it (a set begun soon after a shift), or when the
caller, who sees the force, says so (:meth:`Segmenter.rest_at`).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from .signals import Point

REST, OUT, BACK = "rest", "out", "back"
# Standing: a dip that stayed this far (of the rep's height) above where the rep
# rose from, then rose again, is sway during the hold, not the rest between reps.
RESUME_ABOVE = 0.35
CHAIN_REPS = 9      # standing: the chain's last movements that say where its reps rise from, and how far
PAUSE_S = 0.6       # standing: still this long on the stance foot before a set's first rep,
PAUSE_SHARE = 0.75  # at most this share of the way to its top (nearer, it is the hold)
# Standing, a rise from the stance foot across the line from rest (not away from it)
# opens a rep only if this many times larger than one away from rest must be: on one
# leg the body sways as much across as along (see _across_from).
ACROSS = 1.5
MOSTLY_BACK = 0.2   # lying and kneeling: a valley this close (of the rep's height) to where it rose from
# Standing: the CoM staying within SETTLE_M for SETTLE_S away from rest is no rep
# and no pause between reps (the set would have ended long before): the body
# stands somewhere new, as after a step aside, and rest is there now.  Sway about
# the new place, measured from the old rest, would otherwise open movements
# without end, and every rep after it would be measured from the old place.
# Absolute, not scaled by the sway: on one leg, reps from the stance foot can
# stay within 3 cm for that long.  Sway about a place stepped to can span 2.1 cm.
SETTLE_S, SETTLE_M = 15.0, 0.025
# Rest is first taken where the CoM stays within ``still_m`` for ``still_s``: under
# 1.3 s after the first point in nine sessions of ten.  A standing person can sway
# more than that for good, and rest was then first taken mid-set; staying within
# SETTLE_M for FIRST_REST_S will do.
FIRST_REST_S = 2.0
# Lying or kneeling, a movement from rest whose CoM then stayed within HELD_R times
# the still radius (``_still_r``) for FIRST_REST_S may be a long hold at a rep's top
# or a shift to a new place.  Only what follows tells: from a hold the body goes back
# to rest; from a new place a set's reps go out and come back to it.
HELD_R = 2.0
# How far back :meth:`Segmenter.rest_at` may look: to the top of a movement just handed
# out (a rep's lower, the rest after it and ``post_s``).  Kept beside the history, which
# keeps only what the movements under way need.
KEEP_S = 8.0


@dataclass
class _Box:
    """The bounds and sum of the CoM's points since ``t0``: how long it has stayed in one place."""

    t0: float
    x0: float
    x1: float
    y0: float
    y1: float
    n: int = 1

    def __post_init__(self) -> None:
        self.sx, self.sy = self.x0, self.y0

    def takes(self, x: float, y: float, r: float) -> bool:
        """Add a point if the box stays within ``r`` with it."""
        x0, x1, y0, y1 = min(self.x0, x), max(self.x1, x), min(self.y0, y), max(self.y1, y)
        if x1 - x0 > r or y1 - y0 > r:
            return False
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1
        self.n += 1
        self.sx += x
        self.sy += y
        return True

    @property
    def mean(self) -> tuple[float, float]:
        return self.sx / self.n, self.sy / self.n


@dataclass
class Movement:
    """One excursion, as indices into ``points`` (the CoM path around it)."""

    points: list[Point]
    start: int      # the last moment at rest (or in the valley) before it left
    top: int        # farthest from the rest point
    end: int        # back at rest, or settled back on a shelf, or at the valley before the next rise
    rest_x: float   # the rest point it left from (the valley's, if it rose from one)
    rest_y: float
    origin_x: float = 0.0   # where the body rested before it (standing: before the weight
    origin_y: float = 0.0   # shifted onto the stance foot for the set)
    chain: int = 0          # movements since the body last rested share a number
    first: int = 0          # the segmenter's index of points[0]


class Segmenter:
    """Feed :class:`Point` s (the CoM path, in time order); collect finished :class:`Movement` s.

    ``start_m`` is the smallest move that opens a movement, ``still_m`` the
    most a settled CoM wanders over ``still_s``.  Both are raised above the
    resting sway measured while at rest.  ``shelves``: whether a rep may rise
    from a shelf part way out (standing: the stance foot), found within
    ``lift_s`` before its top; lying or kneeling, a rep rises from rest or from
    the valley after the rep before it.  A finished movement is returned
    once ``post_s`` of what follows it is in (its measurement needs the rest
    after it), or as soon as the next movement has begun.
    """

    def __init__(self, rate_hz: float, start_m: float = 0.01, still_m: float = 0.006,
                 still_s: float = 0.8, max_out_s: float = 12.0, pre_s: float = 1.5,
                 post_s: float = 0.8, shelves: bool = True, lift_s: float = 2.0) -> None:
        self.rate = rate_hz
        self.lift_s = lift_s
        self.shelves = shelves
        self._recent_d: deque[float] = deque(maxlen=max(2, round(0.3 * rate_hz)))
        self._recent_h: deque[tuple[float, int, float, float]] = deque(maxlen=self._recent_d.maxlen)
        self.start_m = start_m
        self.still_m = still_m
        self.n_still = max(3, round(still_s * rate_hz))
        self.max_out_s = max_out_s
        self.pre_s = pre_s
        self.post_s = post_s
        self._n_pre = math.ceil(pre_s * rate_hz) + 2
        self._n_next = round(0.3 * rate_hz)
        self._n_first = round(FIRST_REST_S * rate_hz)
        self._tail: deque[Point] = deque(maxlen=round(KEEP_S * rate_hz))   # see rest_at
        self._hist: deque[Point] = deque()
        self._first = 0              # absolute index of _hist[0]
        self._n = 0                  # absolute index of the next point
        # (start, top, end, base x, y, rest x, y, chain) of movements waiting for their rest after
        self._pending: list[tuple[int, int, int, float, float, float, float, int]] = []
        self.chain = 0
        self.reset()

    # ----- state ----------------------------------------------------------

    def reset(self) -> None:
        """Forget rest and any open movement (someone got off or on)."""
        self.state = REST
        self.rest: tuple[float, float] | None = None
        self.sway2 = 0.0            # mean square distance from rest while resting
        self._anchor = 0            # last index near rest
        self._i0 = 0                # where the open movement started
        self._peak = 0.0
        self._i_peak = 0
        self._base_d = 0.0          # distance from rest of where the movement rose from (0: the rest)
        self._base_xy: tuple[float, float] | None = None
        self._valley = 0.0
        self._i_valley = 0
        self._valley_xy = (0.0, 0.0)
        self._near = 0
        self._closed = False        # the open movement has been handed on already (settled on a shelf)
        self._t_open = 0.0
        self._t_rest = -math.inf
        self._pending.clear()
        self._chain_reps: deque[tuple[bool, float, float]] = deque(maxlen=CHAIN_REPS)   # see _chain_typical
        self._box: _Box | None = None   # see _stood_still
        self._hbox: _Box | None = None  # see _came_back_to_where_it_stood
        self._held: tuple[float, float, int] | None = None
        self._across = False        # the open movement was opened across (see _m)
        self._away = (0.0, 0, 0.0, 0.0)  # farthest from the held place since: distance, index, x, y
        self._hist.clear()
        self._tail.clear()
        self._first = self._n

    @property
    def threshold(self) -> float:
        """The move that opens a movement: ``start_m``, or four times the resting sway (at most twice ``start_m``)."""
        return min(max(self.start_m, 4.0 * math.sqrt(self.sway2)), 2.0 * self.start_m)

    @property
    def busy_since(self) -> float | None:
        """When the earliest movement not yet handed out began (open, or finished and waiting)."""
        starts = [self._at(m[0]).t for m in self._pending]
        if self.state != REST:
            starts.append(self._at(self._i0).t)
        return min(starts) if starts else None

    @property
    def phase(self) -> str:
        """rest, lift, hold or lower: what the open movement is doing now (for live display)."""
        if self.state == REST:
            return "rest"
        if self.state == BACK:
            return "lower"
        last = self._n - 1
        return "hold" if last - self._i_peak >= max(2, self.n_still // 2) else "lift"

    def _at(self, i: int) -> Point:
        return self._hist[i - self._first]

    def _d(self, p: Point) -> float:
        rx, ry = self.rest  # type: ignore[misc]
        return math.hypot(p.com_x - rx, p.com_y - ry)

    def _still(self, r: float, n: int | None = None, end: int | None = None) -> tuple[float, float] | None:
        """The mean CoM of the ``n`` points (``still_s``) up to index ``end`` (the last) if it
        stayed within ``r`` all along, else ``None``."""
        n = n or self.n_still
        end = self._n - 1 if end is None else end
        if end - n + 1 < self._first:
            return None
        pts = [self._at(i) for i in range(end - n + 1, end + 1)]
        xs = [p.com_x for p in pts]
        ys = [p.com_y for p in pts]
        if max(xs) - min(xs) < r and max(ys) - min(ys) < r:
            return sum(xs) / n, sum(ys) / n
        return None

    # ----- input ----------------------------------------------------------

    def feed(self, p: Point) -> list[Movement]:
        hist = self._hist
        hist.append(p)
        self._tail.append(p)
        k = self._n
        self._n += 1
        if self.rest is None:
            # Rest is first taken once the body has settled (getting on, the CoM
            # is still moving when the load already is steady).  One standing who
            # sways too much to be that still rests at the middle of the sway, once
            # it has stayed about one place for a while.  (Lying or kneeling, the
            # sway is a fraction of that: a CoM moving 2 cm is still settling.)
            still = self._still(self._still_r())
            if still is None and self.shelves:
                still = self._still(SETTLE_M, self._n_first)
            if still is not None:
                self.rest = still
                self._anchor, self._t_rest = k, p.t
        else:
            self._step(p, k)
        done = self._ready(p.t)
        # Keep what a movement may still need: its rest before, its whole span.
        keep_from = min([self._i0 if self.state != REST else k] + [m[0] for m in self._pending])
        keep_from -= self._n_pre if self.rest is not None else max(self._n_pre, self._n_first)
        while len(hist) > 1 and self._first < keep_from:
            hist.popleft()
            self._first += 1
        return done

    def _step(self, p: Point, k: int) -> None:
        d = self._d(p)
        thr = self.threshold
        if self.state == REST:
            self._box = self._hbox = self._held = None
        elif self.shelves and self._stood_still(p, SETTLE_M):
            if self.state == BACK:
                self._close(self._i_valley)
            self._settle(k, self._box.mean)
            return
        elif not self.shelves and self._came_back_to_where_it_stood(p, k, thr):
            return
        if self.state == REST:
            if d > thr:
                # It left from the last moment it was near rest, if that was lately.
                self.chain += 1
                self._chain_reps.clear()
                self._open(p, k, max(self._anchor, k - self._n_pre, self._first), d)
                return
            if d < 0.5 * thr:
                # Follow slow drift (time constant ~1.5 s) and learn the resting sway (~10 s).
                a = 1.0 / (1.5 * self.rate)
                rx, ry = self.rest  # type: ignore[misc]
                self.rest = (rx + a * (p.com_x - rx), ry + a * (p.com_y - ry))
            if p.t - self._t_rest >= 1.0:
                # Sway, learnt only once well settled (a movement's tails would inflate it),
                # clipped so one wobble cannot raise the bar far.
                e = min(d, thr)
                self.sway2 += (e * e - self.sway2) / (10.0 * self.rate)
            if d < thr / 3.0:
                self._anchor = k
            return
        if self.state == OUT:
            d = self._m(p, d)
            # The top is the farthest the CoM stayed for a moment: the spike of a leg
            # landing hard must not make the rest of the movement look like a return.
            recent = self._recent_d
            recent.append(d)
            held = min(recent)
            if held > self._peak:
                self._peak, self._i_peak = held, k - (len(recent) - 1) // 2
            drop = self._peak - d
            # A small rep, its top just over the threshold, is back all the same once near the
            # rest; not standing, where sway that close to the stance is no sign of an end.
            home = not self.shelves and d < 0.5 * thr
            if drop >= thr or home:
                # The rep rose from the lowest point shortly before its top: the rest, or
                # (standing) the stance foot the weight had shifted onto before the set.
                base = max(self._base_d, self._low_before_peak()) if self.shelves else self._base_d
                if home or drop >= max(thr, 0.5 * (self._peak - base)):
                    self._base_d = base
                    self._back(k, d, p)
                    return
            if p.t - self._t_open > self.max_out_s:
                # Never came back: a change of place.  Rest is where the body was
                # closest to the old rest lately (between reps, if a set is under way),
                # not wherever it happens to be now; or, if it left rest to stand
                # somewhere and has moved on from there since (a set began: what came
                # closest lately is its stance foot), where it stood.
                since = p.t - 5.0
                stood = self._stood_before(since) if self._base_xy is None else None
                self._settle(k, stood or self._closest_lately(since))
            return
        # BACK
        home_d, d = d, self._m(p, d)
        if d < self._valley:
            self._valley, self._i_valley, self._valley_xy = d, k, (p.com_x, p.com_y)
        amp = self._peak - self._base_d
        # A rise of 30 % of the rep (standing: of the set's typical rep, if smaller) is a new
        # rep, not wobble in the lower; from a valley most of the way back (lying, kneeling),
        # one threshold is, as from rest: a small rep right after a large (tilted) one would
        # otherwise merge into it.
        mostly_back = not self.shelves and self._valley - self._base_d < MOSTLY_BACK * amp
        shelf, size = self._chain_typical()
        need = thr if mostly_back else max(thr, 0.3 * size)
        across = 0.0
        if (self.shelves and d - self._valley < need and self._same_side()
                and self._valley - shelf <= MOSTLY_BACK * size):
            across = self._across_from(p, self._valley_xy)
        if d - self._valley >= need or across >= ACROSS * need:
            if self.shelves and self._valley - shelf > RESUME_ABOVE * (self._peak - shelf):
                # Standing, the sway of a long hold on one leg dipped the top part way
                # down and it rose again: still the same rep.
                self.state = OUT
                self._recent_d.clear()
                self._recent_d.append(d)
                return
            # Rose again before settling: the valley was the rest between two reps,
            # and the next rep is measured from it.
            self._close(self._i_valley)
            if across >= ACROSS * need:
                # From the stance foot, not away from rest: a rep tilted toward the working
                # leg, measured from where it rose (see _across_from).
                base = self._d(self._at(self._i_valley))
                self._open(p, k, self._i_valley, base + across, base, self._valley_xy, across=True)
            else:
                self._open(p, k, self._i_valley, d, self._valley, self._valley_xy)
            return
        if home_d < 0.5 * thr:
            self._near += 1
            if self._near >= 2:
                self._close(k - 1)
                self.state, self._anchor, self._t_rest = REST, k, p.t
            return
        self._near = 0
        if (self.shelves and not self._closed and d <= self._base_d + 0.3 * amp
                and self._still(self._still_r(), 2 * self.n_still)):
            # Back on the shelf and staying there (standing: the set's last rep, the
            # weight not yet shifted back): the rep is over.  Rest stays where it was;
            # the body may rise again from here, or go home.
            self._close(k - 2 * self.n_still + 1)
        if p.t - self._t_open > 2.0 * self.max_out_s:
            self._close(self._i_valley)
            self._settle(k, None)

    def _chain_typical(self) -> tuple[float, float]:
        """Where the open movement rose from and how far, as the chain's last ``CHAIN_REPS``
        movements to the same side say (their medians), once two have; standing only.

        A long hold's farthest point may come late, and the lowest point shortly
        before it then lies in the hold itself: a sway dip below it is still
        high above where the set's reps rise from.  And after a large (tilted)
        rep, the next may rise by less than a third of it while the one before
        is still coming down.  Each median only ever lowers this rep's own.
        """
        amp = self._peak - self._base_d
        if not self.shelves:
            return self._base_d, amp
        same = self._same_side()
        if len(same) < 2:
            return self._base_d, amp
        bases, amps = sorted(b for b, _ in same), sorted(a for _, a in same)
        return min(self._base_d, bases[len(same) // 2]), min(amp, amps[len(same) // 2])

    def _same_side(self) -> list[tuple[float, float]]:
        """Where the chain's last movements to the open one's side rose from, and how far."""
        side = self._side()
        return [(b, a) for s, b, a in self._chain_reps if s == side]

    def _side(self) -> bool:
        """Whether the open movement's top lies to the right of rest (each leg's reps go to one side)."""
        return self._at(self._i_peak).com_x > self.rest[0]  # type: ignore[index]

    def _stood_still(self, p: Point, r: float) -> bool:
        """Has the CoM stayed within ``r`` for ``SETTLE_S`` since it left rest?  Kept up point by point."""
        if self._box is None or not self._box.takes(p.com_x, p.com_y, r):
            self._box = _Box(p.t, p.com_x, p.com_x, p.com_y, p.com_y)
            return False
        return p.t - self._box.t0 >= SETTLE_S

    def _came_back_to_where_it_stood(self, p: Point, k: int, thr: float) -> bool:
        """Lying or kneeling: has the body, out of rest, stood somewhere (``HELD_R``, for
        ``FIRST_REST_S``), then gone out from there and come back toward it?  Then it
        shifted to a new place and began a set there: rest is that place, and the way
        out from it is the set's first rep, open now.  Kept up point by point.  Only
        the first such place of a movement counts: a rep held long at its top after
        a shift is no new place.

        Not if the way out went back toward the old rest: that is the lower of a
        rep held long, and the next rep rising to the same top.
        """
        if self._base_xy is not None:
            return False
        if self._held is None:
            box = self._hbox
            if box is not None and box.takes(p.com_x, p.com_y, HELD_R * self._still_r()):
                return False
            if box is None or self._at(k - 1).t - box.t0 < FIRST_REST_S:
                self._hbox = _Box(p.t, p.com_x, p.com_x, p.com_y, p.com_y)
                return False
            self._held = (*box.mean, k - 1)
            self._away = (0.0, k - 1, 0.0, 0.0)
            self._recent_h.clear()
        hx, hy, i_held = self._held
        d = math.hypot(p.com_x - hx, p.com_y - hy)
        # As for a top: how far it stayed for a moment (a leg dropped hard throws it out).
        recent = self._recent_h
        recent.append((d, k, p.com_x, p.com_y))
        held = min(recent)
        far, i_far, fx, fy = self._away
        if held[0] > far and len(recent) == recent.maxlen:
            self._away = held
            return False
        rx, ry = self.rest  # type: ignore[misc]
        if (far - d < thr or far < 2.0 * thr
                or math.hypot(fx - rx, fy - ry) < 0.5 * math.hypot(hx - rx, hy - ry)):
            return False
        self._rest_anew((hx, hy))
        self._open(self._at(i_far), i_far, i_held, far)
        self._t_open = self._at(i_held).t
        if far - d >= max(thr, 0.5 * far):
            self._back(k, d, p)
        return True

    def _m(self, p: Point, d: float | None = None) -> float:
        """How far the open movement has gone at ``p``: its distance from rest, or (one
        opened across, see :meth:`_across_from`) where it rose from plus the way from there."""
        if not self._across:
            return self._d(p) if d is None else d
        # It rose from its start, the valley: where the base point is.
        return self._d(self._at(self._i0)) + self._across_from(p, self._base_xy)  # type: ignore[arg-type]

    def _across_from(self, p: Point, base: tuple[float, float]) -> float:
        """Standing, how far ``p`` lies from ``base`` (a shelf: the stance foot, part way
        out from rest), not counting a way back toward rest.

        On one leg a rep tilted toward the working leg goes out from the stance foot
        mostly forward, across the line from rest: its distance from rest hardly
        changes, and in a set with no pause on the stance foot it would merge into
        the rep before.
        """
        rx, ry = self.rest  # type: ignore[misc]
        bx, by = base
        ux, uy = bx - rx, by - ry
        n = math.hypot(ux, uy)
        vx, vy = p.com_x - bx, p.com_y - by
        if n < 1e-9:
            return math.hypot(vx, vy)
        along = (vx * ux + vy * uy) / n
        side = abs(vx * uy - vy * ux) / n
        return math.hypot(along, side) if along >= 0.0 else along + side

    def _still_r(self) -> float:
        return max(self.still_m, 3.0 * math.sqrt(self.sway2))

    def _low_before_peak(self) -> float:
        """The least distance from rest in the ``lift_s`` before the top, or (a movement from
        rest) where the CoM first stood still on its way out, if higher.

        Rising from a valley (a rep from the stance foot, mid-set), "the top" is where
        the CoM first came within a threshold of its farthest: a long hold on one leg
        sways, and its farthest point may come seconds after the lift, when the 2 s
        before it lie in the hold itself.  From rest, the farthest point stands: a set's
        first rep from both feet may have paused on the stance foot within a threshold
        of its top, and the pause is what it rose from.
        """
        t_top = self._at(self._i_peak).t
        if self._base_xy is not None:
            near = self._peak - self.threshold
            t_top = next((q.t for q in (self._at(i) for i in range(max(self._i0, self._first), self._i_peak + 1))
                          if self._m(q) >= near), t_top)
        low = self._peak
        for i in range(self._i_peak, max(self._i0, self._first) - 1, -1):
            q = self._at(i)
            if q.t < t_top - self.lift_s:
                break
            low = min(low, self._m(q))
        if self._base_xy is None:   # it rose from rest
            low = max(low, self._paused_on_the_way())
        return low

    def _paused_on_the_way(self) -> float:
        """Standing, a set's first rep from rest: the weight shifted onto the stance foot,
        stayed there a moment, then the leg rose.  The distance from rest of the first such
        pause (``PAUSE_S`` still, away from rest, well short of the top); 0 if none.  The
        first, not the last: a dip in a long hold can be as still."""
        n = max(3, round(PAUSE_S * self.rate))
        r = self._still_r()
        for i in range(max(self._i0, self._first) + n - 1, self._i_peak):
            d = self._d(self._at(i))
            if (self.threshold <= d <= min(PAUSE_SHARE * self._peak, self._peak - 2.0 * self.start_m)
                    and self._still(r, n, end=i) is not None):
                return d
        return 0.0

    def _open(self, p: Point, k: int, start: int, d: float, base_d: float = 0.0,
              base_xy: tuple[float, float] | None = None, across: bool = False) -> None:
        self._across = across
        self.state = OUT
        self._recent_d.clear()
        self._recent_d.append(d)
        self._i0, self._peak, self._i_peak = start, d, k
        self._base_d, self._base_xy = base_d, base_xy
        self._t_open = p.t
        self._closed = False

    def _back(self, k: int, d: float, p: Point) -> None:
        """The open movement is coming back; its valley so far is ``p`` (index ``k``, at ``d``)."""
        self.state, self._valley, self._i_valley, self._near = BACK, d, k, 0
        self._valley_xy = (p.com_x, p.com_y)

    def _close(self, end: int) -> None:
        if self._closed:
            return
        self._closed = True
        self._chain_reps.append((self._side(), self._base_d, self._peak - self._base_d))
        bx, by = self._base_xy if self._base_xy is not None else self.rest  # type: ignore[misc]
        ox, oy = self.rest  # type: ignore[misc]
        self._pending.append((self._i0, self._i_peak, max(end, self._i_peak), bx, by, ox, oy, self.chain))

    def _stood_before(self, since: float) -> tuple[float, float] | None:
        """Where the CoM stood longest (within ``SETTLE_M`` for ``FIRST_REST_S`` at a time)
        since the open movement left, if that was over before ``since``; else ``None``."""
        best, run, where, t_end = 0, 0, None, math.inf
        for end in range(max(self._i0, self._first) + self._n_first - 1, self._n):
            mean = self._still(SETTLE_M, self._n_first, end=end)
            run = run + 1 if mean is not None else 0
            if mean is not None and run >= best:
                best, where, t_end = run, mean, self._at(end).t
        return where if t_end < since else None

    def _closest_lately(self, since: float) -> tuple[float, float]:
        best, where = math.inf, None
        for q in reversed(self._hist):
            if q.t < since:
                break
            d = self._d(q)
            if d < best:
                best, where = d, (q.com_x, q.com_y)
        return where if where is not None else (self._hist[-1].com_x, self._hist[-1].com_y)

    def rest_at(self, where: tuple[float, float], since: int) -> bool:
        """The body has rested at ``where`` since index ``since`` (:attr:`Movement.first` plus
        a point's place), not where rest was: what has moved away from there since is the
        movement open now, measured from there (or, if back there already, finished).

        For what only the force tells: the reps of a set begun soon after a shift,
        going back toward the old rest, measured from it inside out (the pipeline's
        ``Analyzer._inside_out``).  ``False`` if ``since`` is older than ``KEEP_S``.
        """
        if not self._n - len(self._tail) <= since < self._n:
            return False
        while self._first > since:   # back into what the history no longer keeps
            self._first -= 1
            self._hist.appendleft(self._tail[self._first - (self._n - len(self._tail))])
        self._rest_anew(where)
        self._pending = [m for m in self._pending if m[0] < since]
        thr, last = self.threshold, self._n - 1
        ds = [self._d(self._at(i)) for i in range(since, last + 1)]
        j = max(range(len(ds)), key=ds.__getitem__)
        # It left from the last moment it was near rest before its farthest point.
        i0 = since + next((i for i in range(j, -1, -1) if ds[i] < thr / 3.0), 0)
        if ds[j] <= thr:
            self.state, self._anchor, self._t_rest = REST, i0, self._at(last).t
            return True
        self._open(self._at(since + j), since + j, i0, ds[j])
        self._t_open = self._at(i0).t
        now = self._at(last)
        if ds[-1] < 0.5 * thr:
            self._close(last)
            self.state, self._anchor, self._t_rest = REST, last, now.t
        elif ds[j] - ds[-1] >= max(thr, 0.5 * ds[j]):
            v = min(range(j, len(ds)), key=ds.__getitem__)
            self._back(since + v, ds[v], self._at(since + v))
        return True

    def _rest_anew(self, where: tuple[float, float]) -> None:
        """Rest is ``where`` from now on, and a new chain begins: what was measured from the
        old rest (the open movement, a held place, the chain's reps) says nothing of it."""
        self.rest = where
        self.chain += 1
        self._chain_reps.clear()
        self._box = self._hbox = self._held = None

    def give_up(self) -> None:
        """The movements since the body last rested were no reps: it has settled somewhere new.

        (After a change of place, sway about the new place, measured from the
        old rest, can look like a chain of small movements that never ends.)
        """
        if self.state != REST and self._hist:
            self._settle(self._n - 1, None)

    def _settle(self, k: int, mean: tuple[float, float] | None) -> None:
        """Rest is here now: at ``mean``, else at the last second's mean CoM."""
        if mean is None:
            n = min(len(self._hist), max(1, round(self.rate)))
            pts = [self._hist[-j] for j in range(1, n + 1)]
            mean = (sum(q.com_x for q in pts) / n, sum(q.com_y for q in pts) / n)
        self.rest = mean
        self.state, self._anchor, self._t_rest = REST, k, self._hist[-1].t

    def _ready(self, now: float) -> list[Movement]:
        """Pending movements whose rest after is in (or cut short by the next movement)."""
        out = []
        while self._pending:
            i0, ip, i1, bx, by, ox, oy, chain = self._pending[0]
            nxt = self._pending[1][0] if len(self._pending) > 1 else (self._i0 if self.state != REST and self._i0 >= i1 else None)
            if now - self._at(i1).t < self.post_s and nxt is None:
                break
            self._pending.pop(0)
            lo = i0
            t_lo = self._at(i0).t - self.pre_s
            while lo > self._first and self._at(lo - 1).t >= t_lo:
                lo -= 1
            # Up to now, or a little into the next movement (its start is gentle; the
            # lower's fit needs to see this one come to rest).
            hi = self._n - 1 if nxt is None else min(self._n - 1, max(i1, nxt + self._n_next))
            pts = [self._at(i) for i in range(lo, hi + 1)]
            out.append(Movement(pts, i0 - lo, ip - lo, i1 - lo, bx, by, ox, oy, chain, lo))
        return out

    def flush(self) -> list[Movement]:
        """At the end of the stream: whatever has finished, with what rest there is after it."""
        out = []
        while self._pending:
            out += self._ready(math.inf)
        return out
