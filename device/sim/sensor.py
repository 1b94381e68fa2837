"""The four HX711 channels: timing, averaging, noise, drift, 24-bit counts and read glitches.

Figures follow real HX711 scales (see shared data/hx711-scale-readings.txt):
white noise of a few counts to tens of grams, a slow drift, and now and
then one reading of one cell far from its neighbours (a bit lost or gained
when the clocked read goes wrong).  Each conversion integrates the load over
its period, so a reading is the mean load since the previous one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..frames import CELLS, CellCalibration

NOISE_KG = {"low": (0.006, 0.014), "high": (0.030, 0.060)}   # per-cell white noise std, kg
GLITCHES_PER_MIN = {"low": 0.5, "high": 6.0}
_LO, _HI = -(2**23), 2**23 - 1


@dataclass(frozen=True)
class Sensor:
    """One mat's electronics: calibration as the user has it, and how the cells really behave."""

    rate_hz: int
    noise: str
    tare: np.ndarray          # counts at no load, per cell (what calibration stored)
    scale: np.ndarray         # counts per kg as calibrated
    gain: np.ndarray          # real sensitivity / calibrated (calibration error, ~1-2 %)
    noise_kg: np.ndarray
    stiffness: np.ndarray     # relative spring stiffness of each cell (plate.py)
    period_s: float           # the real conversion period (the HX711's own oscillator)

    @classmethod
    def draw(cls, rng: np.random.Generator, rate_hz: int, noise: str) -> "Sensor":
        return cls(
            rate_hz=rate_hz, noise=noise,
            tare=np.round(rng.uniform(-200_000, 200_000, 4)),
            scale=np.round(rng.uniform(20_000, 45_000, 4), 3),
            gain=1.0 + rng.normal(0.0, 0.012, 4),
            noise_kg=rng.uniform(*NOISE_KG[noise], 4),
            stiffness=1.0 + rng.normal(0.0, 0.03, 4),
            period_s=1.0 / (rate_hz * (1.0 + rng.normal(0.0, 0.01))),
        )

    def calibration(self) -> dict[str, CellCalibration]:
        return {c: CellCalibration(float(t), float(s)) for c, t, s in zip(CELLS, self.tare, self.scale)}

    def sample_times(self, duration: float, rng: np.random.Generator) -> np.ndarray:
        """When each frame is read on the Pi's monotonic clock: conversion period plus read latency."""
        n = int(duration / self.period_s)
        latency = np.minimum(rng.exponential(0.0006, n), 0.4 * self.period_s)
        return np.arange(n) * self.period_s + latency

    def read(self, loads_kg: np.ndarray, t: np.ndarray, rng: np.random.Generator,
             glitches_per_min: float | None = None) -> tuple[np.ndarray, list[dict]]:
        """Counts (n, 4) int64 for true loads (n, 4), and the glitches put in them."""
        n = len(t)
        drift = self._drift(t, rng)
        kg = loads_kg * self.gain + drift + rng.normal(0.0, 1.0, (n, 4)) * self.noise_kg
        counts = np.clip(np.round(self.tare + kg * self.scale), _LO, _HI).astype(np.int64)
        rate = GLITCHES_PER_MIN[self.noise] if glitches_per_min is None else glitches_per_min
        return counts, self._glitch(counts, t, rng, rate)

    def _drift(self, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Zero drift per cell: a slow ramp (temperature) plus a wander, tens of grams over minutes."""
        k = 2.0 if self.noise == "high" else 1.0
        ramp = rng.normal(0.0, 0.02 * k / 600.0, 4)
        knots = np.arange(0.0, t[-1] + 20.0, 10.0) if len(t) else np.zeros(1)
        wander = np.cumsum(rng.normal(0.0, 0.003 * k, (len(knots), 4)), axis=0)
        wander -= wander[0]
        return t[:, None] * ramp + np.stack([np.interp(t, knots, wander[:, c]) for c in range(4)], axis=1)

    def _glitch(self, counts: np.ndarray, t: np.ndarray, rng: np.random.Generator, per_min: float) -> list[dict]:
        """Corrupt isolated single readings in place: a high bit flipped, or the word read one bit late."""
        n = len(t)
        if n < 10 or per_min <= 0:
            return []
        want = rng.poisson(per_min * (t[-1] - t[0]) / 60.0)
        picks: list[int] = []
        for i in rng.integers(2, n - 2, size=want):
            if all(abs(i - j) > 3 for j in picks):
                picks.append(int(i))
        out = []
        for i in sorted(picks):
            c = int(rng.integers(4))
            v = int(counts[i, c])
            bad = v >> 1 if rng.random() < 0.3 else v ^ (1 << int(rng.integers(17, 23)))
            if abs(bad - v) < 3 * self.scale[c]:
                bad = v ^ (1 << 21)
            bad = (bad + 2**23) % 2**24 - 2**23     # stay a signed 24-bit word
            counts[i, c] = bad
            out.append({"t": round(float(t[i]), 4), "cell": CELLS[c], "index": i})
        return out
