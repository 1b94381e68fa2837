"""The replay source: a recording (SPEC.md section 2) played back as frames."""

from __future__ import annotations

from typing import Iterator

from ..frames import Frame
from ..recording import open_recording
from .pacing import paced


class ReplaySource:
    """Frames of a recording file, optionally paced in real time and looped.

    Looping shifts ``t`` on each pass so time never goes backwards, as the
    analysis requires.
    """

    def __init__(self, path: str, realtime: bool = False, speed: float = 1.0, loop: bool = False) -> None:
        self.path = path
        self.realtime = realtime
        self.speed = speed
        self.loop = loop
        reader, stream = open_recording(path)
        stream.close()
        self.info = reader.info
        self._closed = False

    def _frames(self) -> Iterator[Frame]:
        offset = 0.0
        while not self._closed:
            reader, stream = open_recording(self.path)
            first = last = None
            with stream:
                for f in reader:
                    if self._closed:
                        return
                    first = first or f
                    last = f
                    yield f if not offset else Frame(f.t + offset, f.fl, f.fr, f.bl, f.br)
            if not self.loop or last is None:
                return
            step = 1.0 / self.info.rate_hz if self.info.rate_hz else 0.0125
            offset += last.t - first.t + step

    def __iter__(self) -> Iterator[Frame]:
        frames = self._frames()
        return paced(frames, self.speed) if self.realtime else frames

    def close(self) -> None:
        self._closed = True
