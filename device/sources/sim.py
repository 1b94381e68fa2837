"""The sim source: an endless stream of simulated sessions, one after another.

Each session is rendered when the previous one is used up (a fraction of a
second of work), so streaming starts at once and memory stays small.
Session seeds count up from the configured seed; the mat (calibration,
cells) stays the same, and time keeps increasing across sessions.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Iterator

from ..config import Settings
from ..frames import Frame, SourceInfo
from ..sim import SessionSpec, simulate
from ..sim.engine import shift_labels
from .pacing import paced


class SimSource:
    """FrameSource of simulated sessions; ``labels`` is the ground truth of the session being streamed."""

    def __init__(self, spec: SessionSpec, realtime: bool = True, speed: float = 1.0, sessions: int | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.spec = replace(spec, mat_seed=spec.seed if spec.mat_seed is None else spec.mat_seed)
        self.realtime, self.speed, self.sessions = realtime, speed, sessions
        self._clock, self._sleep = clock, sleep
        self._closed = False
        self.labels: dict | None = None
        self._first = simulate(self.spec)
        self.info: SourceInfo = self._first[0]

    @classmethod
    def from_settings(cls, settings: Settings, realtime: bool = True, **options) -> "SimSource":
        sim = settings.sim
        spec = SessionSpec(exercise=sim.exercise, seed=sim.seed, mass_kg=sim.mass_kg,
                           rate_hz=settings.sensor.rate_hz, width_m=settings.mat.width_m,
                           length_m=settings.mat.length_m, **options.pop("spec", {}))
        return cls(spec, realtime=realtime, **options)

    def _frames(self) -> Iterator[Frame]:
        offset, n = 0.0, 0
        rendered = self._first
        while not self._closed and (self.sessions is None or n < self.sessions):
            if rendered is None:
                rendered = simulate(replace(self.spec, seed=self.spec.seed + n))
            _, frames, labels = rendered
            rendered = None
            self.labels = shift_labels(labels, offset) | {"session": n, "offset_s": offset}
            for row in frames.tolist():
                if self._closed:
                    return
                yield Frame(row[0] + offset, row[1], row[2], row[3], row[4])
            offset += float(frames[-1, 0]) + 1.0 / self.spec.rate_hz
            n += 1

    def __iter__(self) -> Iterator[Frame]:
        frames = self._frames()
        return paced(frames, self.speed, self._clock, self._sleep) if self.realtime else frames

    def close(self) -> None:
        self._closed = True
