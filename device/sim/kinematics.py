"""Movement primitives: every degree of freedom of the simulated body is a sum of smooth moves.

A channel (a hip angle, a trunk shift, presence on the mat...) starts at a base
value and changes only through :class:`Move` s.  Moves are evaluated in closed
form at any time, so a session can be rendered in independent chunks and the
labels (move start and end) are exact zero-velocity instants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np


def minjerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk point-to-point profile (Flash & Hogan 1985): zero velocity and acceleration at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)


def drop(u: np.ndarray, r: float) -> np.ndarray:
    """A limb let fall: accelerates like the first half of a minimum-jerk move, then stops on contact.

    The last fraction ``r`` of the move is the impact: constant deceleration to
    rest (soft tissue and mat foam), which is what makes the force spike.
    """
    u = np.clip(u, 0.0, 1.0)
    u1 = 1.0 - r
    d1 = 1.0 / (1.0 + 0.9375 * r / u1)
    v1 = 1.875 * d1 / u1
    free = 2.0 * d1 * minjerk(u / (2.0 * u1))
    w = u - u1
    return np.where(u <= u1, free, d1 + v1 * w - v1 * w * w / (2.0 * r))


def pulse(u: np.ndarray) -> np.ndarray:
    """An excursion out and back (a pulse at the top of a rep, a fidget): ends where it started."""
    u = np.clip(u, 0.0, 1.0)
    return 0.5 * (1.0 - np.cos(2.0 * np.pi * u))


_END = {"minjerk": 1.0, "drop": 1.0, "pulse": 0.0}


@dataclass(frozen=True)
class Move:
    t0: float
    t1: float
    delta: float
    kind: str = "minjerk"
    r: float = 0.0

    def shape(self, t: np.ndarray) -> np.ndarray:
        u = (t - self.t0) / (self.t1 - self.t0)
        if self.kind == "minjerk":
            return minjerk(u)
        if self.kind == "drop":
            return drop(u, self.r)
        return pulse(u)


class Timeline:
    """Channels of moves; ``values(channel, t)`` evaluates one channel at sorted times."""

    def __init__(self, base: dict[str, float]) -> None:
        self.base = dict(base)
        self._moves: dict[str, list[Move]] = defaultdict(list)
        self._index: dict[str, tuple] = {}

    def move(self, channel: str, t0: float, duration: float, delta: float,
             kind: str = "minjerk", r: float = 0.0) -> float:
        """Add a move and return its end time."""
        if channel not in self.base:
            raise KeyError(f"unknown channel {channel!r}")
        if duration <= 0:
            raise ValueError("a move needs a positive duration")
        self._moves[channel].append(Move(t0, t0 + duration, delta, kind, r))
        self._index.pop(channel, None)
        return t0 + duration

    def moves(self, channel: str) -> list[Move]:
        return list(self._moves[channel])

    def _indexed(self, channel: str) -> tuple:
        if channel not in self._index:
            moves = sorted(self._moves[channel], key=lambda m: m.t1)
            t1 = np.array([m.t1 for m in moves])
            t0 = np.array([m.t0 for m in moves])
            done = np.cumsum([0.0] + [m.delta * _END[m.kind] for m in moves])
            self._index[channel] = (moves, t0, t1, done)
        return self._index[channel]

    def values(self, channel: str, t: np.ndarray) -> np.ndarray:
        moves, t0, t1, done = self._indexed(channel)
        n_done = int(np.searchsorted(t1, t[0], side="right"))
        out = np.full(t.shape, self.base[channel] + done[n_done])
        for i in np.nonzero((t0[n_done:] < t[-1]))[0] + n_done:
            m = moves[i]
            out += m.delta * m.shape(t)
        return out
