"""Frames and the FrameSource interface every source implements.

A :class:`Frame` is one reading of the four corner cells, named as in SPEC.md
section 1.  A source yields frames either already in kg or as raw signed
24-bit HX711 counts; in the latter case its :class:`SourceInfo` carries the
per-cell :class:`CellCalibration` that turns counts into kg.  Nothing
downstream of a source knows whether it is hardware, the simulator or a
recording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, NamedTuple, Protocol, runtime_checkable

CELLS = ("fl", "fr", "bl", "br")
UNITS = ("kg", "counts")


class Frame(NamedTuple):
    """One sample of the four cells at time ``t`` (seconds, monotonic)."""

    t: float
    fl: float
    fr: float
    bl: float
    br: float


@dataclass(frozen=True)
class CellCalibration:
    """Counts-to-kg for one cell: ``kg = (counts - tare) / scale``."""

    tare: float
    scale: float

    def __post_init__(self) -> None:
        if not self.scale or self.scale != self.scale:
            raise ValueError(f"scale must be a non-zero number, got {self.scale!r}")

    def to_kg(self, counts: float) -> float:
        return (counts - self.tare) / self.scale


@dataclass
class SourceInfo:
    """What a source knows about its frames: units, rate, mat, calibration."""

    units: str = "kg"
    rate_hz: float | None = None
    width_m: float = 0.60
    length_m: float = 1.80
    exercise: str | None = None
    calibration: dict[str, CellCalibration] | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.units not in UNITS:
            raise ValueError(f"units must be one of {UNITS}, got {self.units!r}")
        if self.units == "counts":
            missing = [c for c in CELLS if not self.calibration or c not in self.calibration]
            if missing:
                raise ValueError(f"units=counts needs tare and scale for {', '.join(missing)}")

    def to_kg(self, frame: Frame) -> Frame:
        """The frame in kg, whatever the source's units."""
        if self.units == "kg":
            return frame
        cal = self.calibration
        assert cal is not None
        return Frame(
            frame.t,
            cal["fl"].to_kg(frame.fl),
            cal["fr"].to_kg(frame.fr),
            cal["bl"].to_kg(frame.bl),
            cal["br"].to_kg(frame.br),
        )


@runtime_checkable
class FrameSource(Protocol):
    """Anything that yields frames: iterate it, read ``info``, ``close()`` it.

    Iteration ends when the source is exhausted (a recording) or closed.  A
    live source may block in ``__next__`` until the next frame is due.
    """

    info: SourceInfo

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...
