"""Real-time pacing: release frames when their time comes on a monotonic clock.

Sources that replay or simulate use this so the device service sees the same
timing as from hardware.  The clock and the sleep are parameters so tests
can run it on a fake clock.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, Iterator

from ..frames import Frame


def paced(frames: Iterable[Frame], speed: float = 1.0,
          clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> Iterator[Frame]:
    """Yield each frame no earlier than its ``t`` (scaled by ``speed``) after the first.

    A consumer that falls behind is not made to catch up with a burst of
    sleeps skipped for ever: if it lags more than a second, the schedule is
    re-anchored, as a live sensor would have dropped frames.
    """
    if speed <= 0:
        raise ValueError("speed must be positive")
    start_wall = None
    start_t = 0.0
    for frame in frames:
        now = clock()
        if start_wall is None:
            start_wall, start_t = now, frame.t
        due = start_wall + (frame.t - start_t) / speed
        if due > now:
            sleep(due - now)
        elif now - due > 1.0:
            start_wall, start_t = now, frame.t
        yield frame
