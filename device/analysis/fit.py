"""Fitting one smooth move of the leg to the mat's signals: when it started, how long it took.

A person's point-to-point limb movement follows a minimum-jerk path (Flash
& Hogan 1985): progress ``m(u) = 10u^3 - 15u^4 + 6u^5`` over ``u`` in [0, 1],
at rest (zero velocity and acceleration) at both ends.  A rep's lift is such
a move of the hip angle, from 0 to the top angle; its lower is one back.
Fitting that model to every sample of the move, rather than reading off two
threshold crossings, keeps the noise from moving its ends, and the ends are
where the labels of a rep put them: where the leg starts and stops moving.

Two kinds of signal see the move, each through its own physics, and each is
fitted with a few linear coefficients (least squares) for every candidate
start and duration:

- a *shift* of the centre of pressure (the trunk moving the body's weight
  onto the support): ``c0 + a m(u) + b m''(u)/D^2``, the last term being
  the inverted pendulum's lead (the CoP must step beyond the CoM to move
  it), which the fit sizes itself (zero where the body has no such lead);
- the *vertical force*: ``F - W = M z''``, with the body's centre of mass
  rising as the leg turns about the hip by the angle ``theta m(u)``:
  ``z = a (1 - cos) + b sin`` of that angle (the thigh's and the shank's
  parts of the leg rise as one or the other), so the force is the second
  derivative of those two shapes.  A lower turns the angle back.

The candidates (start, duration) are scored on a grid at once with numpy,
then the grid is narrowed around the best twice.  Written by hand because
the model is a constrained nonlinear one with a closed-form inner linear
fit, which no library here fits as cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHIFT, FORCE = "shift", "force"
_RIDGE = 1e-9


@dataclass(frozen=True)
class Channel:
    """One signal over the fit window, its noise at rest (same units) and kind (SHIFT or FORCE)."""

    values: np.ndarray
    noise: float
    kind: str


@dataclass(frozen=True)
class Move:
    start: float
    duration: float
    coefs: tuple[np.ndarray, ...]   # per channel, the fitted linear coefficients
    cost: float
    theta: float
    down: bool

    def model(self, t: np.ndarray, kind: str, coef: np.ndarray) -> np.ndarray:
        """The fitted signal of a channel of ``kind`` with coefficients ``coef`` at times ``t``."""
        X = np.stack(bases(kind, (t - self.start) / self.duration, np.asarray(self.duration), self.theta, self.down), axis=-1)
        return X @ coef


def minjerk(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-jerk progress and its first and second derivatives in ``u`` (clamped outside [0, 1])."""
    inside = (u > 0.0) & (u < 1.0)
    u = np.clip(u, 0.0, 1.0)
    m = u * u * u * (10.0 - 15.0 * u + 6.0 * u * u)
    md = np.where(inside, 30.0 * u * u * (1.0 - u) ** 2, 0.0)
    mdd = np.where(inside, 60.0 * u * (1.0 - u) * (1.0 - 2.0 * u), 0.0)
    return m, md, mdd


def bases(kind: str, u: np.ndarray, dur: np.ndarray, theta: float, down: bool,
          mj: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> list[np.ndarray]:
    """The linear bases of a channel for progress ``u`` of moves lasting ``dur`` (broadcast).

    ``mj``: :func:`minjerk` of ``u``, if already computed (the channels of one fit share it).
    """
    m, md, mdd = mj if mj is not None else minjerk(u)
    ones = np.ones_like(u)
    scale = 1.0 / (dur * dur)
    if kind == SHIFT:
        return [ones, m, mdd * scale]
    if down:
        m, md, mdd = 1.0 - m, -md, -mdd
    a, ad, add = theta * m, theta * md, theta * mdd
    s, c = np.sin(a), np.cos(a)
    ad2 = ad * ad
    # second derivatives of 1 - cos(a) and of sin(a) with respect to time
    return [ones, (s * add + c * ad2) * scale, (c * add - s * ad2) * scale]


def _costs(t: np.ndarray, channels: list[Channel], starts: np.ndarray, durs: np.ndarray,
           theta: float, down: bool) -> np.ndarray:
    """The cost of each candidate move (``starts[i]``, ``durs[i]``), shape (len(starts),).

    Each channel's misfit is counted as the log of its residual sum of squares
    (the likelihood of the move when each channel's error level is unknown, as
    it is: sway, breathing and the body's own dynamics add to the sensor's
    noise, differently in each), floored at the sensor's noise so a channel
    with nothing in it cannot claim a perfect fit.
    """
    u = (t[None, :] - starts[:, None]) / durs[:, None]
    dur = durs[:, None]
    mj = minjerk(u)
    designs = {kind: np.stack(bases(kind, u, dur, theta, down, mj), axis=-1) for kind in {ch.kind for ch in channels}}
    total = np.zeros(len(starts))
    eye = _RIDGE * np.eye(3)
    for ch in channels:
        X = designs[ch.kind]                         # (P, n, 3)
        Xt = X.transpose(0, 2, 1)
        y = ch.values
        xty = Xt @ y                                 # (P, 3)
        coef = np.linalg.solve(Xt @ X + eye, xty[..., None])[..., 0]
        rss = float(y @ y) - (coef * xty).sum(axis=1)
        total += np.log(np.maximum(rss, 0.0) + len(y) * ch.noise ** 2)
    return total


def coefficients(t: np.ndarray, ch: Channel, start: float, dur: float, theta: float, down: bool) -> np.ndarray:
    X = np.stack(bases(ch.kind, (t - start) / dur, np.asarray(dur), theta, down), axis=-1)
    return np.linalg.solve(X.T @ X + _RIDGE * np.eye(3), X.T @ ch.values)


def fit_move(t: np.ndarray, channels: list[Channel], starts: tuple[float, float], ends: tuple[float, float],
             theta: float, down: bool = False, min_dur: float = 0.15) -> Move:
    """The best minimum-jerk move in the window ``t`` that starts within ``starts`` and ends within ``ends``.

    A coarse grid over those ranges first, on every other sample (the
    movement's rough outline from the centre of mass is all the guess there
    is), then four finer ones around the best, each half as wide.
    """
    s0 = np.linspace(starts[0], max(starts[1], starts[0]), 9)
    e0 = np.linspace(ends[0], max(ends[1], ends[0]), 9)
    ss, ee = np.meshgrid(s0, e0, indexing="ij")
    ss, dd = ss.ravel(), np.maximum(ee.ravel() - ss.ravel(), min_dur)
    step_s = max(float(s0[1] - s0[0]), 0.01)
    step_d = max(float(e0[1] - e0[0]), 0.01)
    coarse = [Channel(ch.values[::2], ch.noise, ch.kind) for ch in channels] if len(t) > 40 else channels
    c = _costs(t[::2] if len(t) > 40 else t, coarse, ss, dd, theta, down)
    k = int(np.argmin(c))
    best_s, best_d = float(ss[k]), float(dd[k])
    grid = np.linspace(-1.0, 1.0, 5)
    for _ in range(4):
        ss, dd = np.meshgrid(best_s + grid * step_s, best_d + grid * step_d, indexing="ij")
        ss, dd = ss.ravel(), np.maximum(dd.ravel(), min_dur)
        c = _costs(t, channels, ss, dd, theta, down)
        k = int(np.argmin(c))
        best_s, best_d = float(ss[k]), float(dd[k])
        step_s, step_d = step_s / 2.0, step_d / 2.0
    coefs = tuple(coefficients(t, ch, best_s, best_d, theta, down) for ch in channels)
    return Move(best_s, best_d, coefs, float(c[k]), theta, down)


def rise(coef: np.ndarray, theta: float, g: float = 9.81) -> float:
    """How far (m) the centre of mass rose over a fitted force move, the force in body weights."""
    return float(g * (coef[1] * (1.0 - np.cos(theta)) + coef[2] * np.sin(theta)))


def rise_error(move: Move, t: np.ndarray, noise: float, g: float = 9.81) -> float:
    """The standard error (m) of :func:`rise` for a force move fitted to samples at ``t`` with white
    noise ``noise`` (body weights): how well the signal could tell the rise at all."""
    X = np.stack(bases(FORCE, (t - move.start) / move.duration, np.asarray(move.duration), move.theta, move.down),
                 axis=-1)
    w = np.array([0.0, 1.0 - np.cos(move.theta), np.sin(move.theta)])
    cov = np.linalg.pinv(X.T @ X)
    return float(g * noise * np.sqrt(max(float(w @ cov @ w), 0.0)))
