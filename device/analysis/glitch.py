"""Isolated read-glitch rejection.

A real HX711 occasionally returns one reading far from its neighbours (the
shared log has 52.0 between 305.3 and 305.4).  A median filter would remove
it but also round off and delay every real step in load.  Instead each frame
is held back by exactly one frame: a cell is a glitch when it jumps away from
the previous reading *and* the next reading comes back to where it was.  A
real step stays where it went, so it passes untouched and on time (its frame
keeps its own timestamp; only its release is one frame later).

The jump must be large against the cell's own frame-to-frame noise, tracked
as a running mean absolute difference, and above an absolute floor so that
the quantisation steps of an empty mat never count.  Below that floor (set
high where a real load can jump for one reading: a leg landing, averaged
into a slow conversion) a jump still is a read error if it is one cell's
alone: a load on a rigid board reaches every cell in some share, a bit
misread reaches one (``lone_floor``, ``lone_share``).
"""

from __future__ import annotations

from ..frames import Frame


class GlitchFilter:
    """Feed frames in order; get back the previous frame, or ``None`` if it was a glitch.

    ``floor`` is the smallest jump (in the frames' units) that can be a glitch;
    ``ratio`` how many times the typical frame-to-frame change it must exceed.
    """

    def __init__(self, floor: float = 0.5, ratio: float = 12.0, settle: float = 0.25,
                 lone_floor: float | None = None, lone_share: float = 0.15) -> None:
        self.floor = floor
        self.lone_floor = lone_floor
        self.lone_share = lone_share
        self.ratio = ratio
        self.settle = settle  # how close the next reading must come back, as a share of the jump
        self.glitches = 0
        self._prev: Frame | None = None   # last frame released (accepted)
        self._held: Frame | None = None   # the frame waiting for its successor
        self._noise = [0.0, 0.0, 0.0, 0.0]

    def feed(self, frame: Frame) -> Frame | None:
        """Returns the held frame if it is good, ``None`` if it is dropped or none was held."""
        held, prev = self._held, self._prev
        self._held = frame
        if held is None:
            return None
        if prev is None:
            self._prev = held
            return held
        noise = self._noise
        glitch = False
        lone = self.lone_floor
        ratio, floor, settle = self.ratio, self.floor, self.settle
        for i in (1, 2, 3, 4):
            a = prev[i]
            b = held[i]
            jump = b - a
            size = jump if jump >= 0 else -jump
            n = noise[i - 1]
            limit = ratio * n
            if limit < floor:
                limit = floor
            if size > limit or (lone is not None and size > lone and size > ratio * n
                                and self._alone(prev, held, i, size)):
                c = frame[i]
                back = c - a
                if back < 0:
                    back = -back
                if back < settle * size and (c - b) * jump < 0:
                    glitch = True
                    continue
            # A jump that stays (a step in load) or ordinary noise updates the noise level,
            # clipped so one big step does not raise the bar for a long time.
            if size > 4 * limit:
                size = 4 * limit
            noise[i - 1] = n + (size - n) * 0.02
        if glitch:
            self.glitches += 1
            return None
        self._prev = held
        return held

    def _alone(self, prev: Frame, held: Frame, i: int, size: float) -> bool:
        """Did cell ``i`` jump by ``size`` while every other cell stayed (within ``lone_share`` of it)?"""
        bar = self.lone_share * size
        return all(abs(held[j] - prev[j]) < bar for j in (1, 2, 3, 4) if j != i)

    def flush(self) -> Frame | None:
        """The last held frame at the end of a stream (it has no successor to judge by)."""
        held, self._held = self._held, None
        return held
