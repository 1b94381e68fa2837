"""Who is on the mat: empty, getting on, settling, ready, getting off.

Judged from the total load alone.  "Ready" needs the load to have been
steady for a moment, which is also when the body mass is taken; rep
detection runs only while ready, so getting on and off never counts.
A dynamic rep moves the total by several kg for a fraction of a second
(a dropped leg more), so leaving "ready" needs the load to stay low.
"""

from __future__ import annotations

from collections import deque

EMPTY, MOUNTING, READY, DISMOUNTING = "empty", "mounting", "ready", "dismounting"


class Presence:
    def __init__(self, on_kg: float = 12.0, steady_s: float = 1.0, steady_frac: float = 0.04,
                 leave_frac: float = 0.6, leave_s: float = 0.5) -> None:
        self.on_kg = on_kg
        self.steady_s = steady_s
        self.steady_frac = steady_frac
        self.leave_frac = leave_frac
        self.leave_s = leave_s
        self.state = EMPTY
        self.mass_kg: float | None = None
        self._window: deque[tuple[float, float]] = deque()
        self._low_since: float | None = None

    def feed(self, t: float, total: float) -> str | None:
        """Returns the new state when it changes, else ``None``."""
        w = self._window
        w.append((t, total))
        while w and w[0][0] < t - self.steady_s:
            w.popleft()
        old = self.state
        if total < self.on_kg:
            if old != EMPTY:
                self.state = EMPTY
                self.mass_kg = None
                self._low_since = None
        elif old in (EMPTY, MOUNTING, DISMOUNTING):
            self.state = MOUNTING if old == EMPTY else old
            if self._steady(t):
                mass = sum(v for _, v in w) / len(w)
                if old == DISMOUNTING and self.mass_kg and mass < self.leave_frac * self.mass_kg:
                    pass  # steady but partly off the mat (sitting on its edge): stay
                else:
                    self.state = READY
                    self.mass_kg = mass
                    self._low_since = None
        elif old == READY:
            if total < self.leave_frac * (self.mass_kg or total):
                if self._low_since is None:
                    self._low_since = t
                elif t - self._low_since >= self.leave_s:
                    self.state = DISMOUNTING
            else:
                self._low_since = None
        return self.state if self.state != old else None

    def _steady(self, t: float) -> bool:
        w = self._window
        if not w or w[0][0] > t - self.steady_s * 0.9 or len(w) < 3:
            return False
        lo = min(v for _, v in w)
        hi = max(v for _, v in w)
        return hi - lo <= max(1.0, self.steady_frac * hi)
