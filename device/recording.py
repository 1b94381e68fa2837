"""Recordings: the SPEC.md section 2 CSV format, read strictly and written losslessly.

Reading is strict because a recording is evidence: a physio re-analyses it,
and a silently guessed value would change the reps.  Every problem is a
:class:`RecordingError` that names the file and the line.  Writing uses
``repr`` for floats by default so that ``read(write(x)) == x`` exactly.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator

from .frames import CELLS, CellCalibration, Frame, SourceInfo

FORMAT_LINE = "smartmat-recording v1"
COLUMNS = ("t",) + CELLS
EXERCISES = ("prone", "quadruped", "standing")
_KNOWN = {"rate_hz", "units", "width_m", "length_m", "exercise"} | {
    f"{k}_{c}" for k in ("tare", "scale") for c in CELLS
}


class RecordingError(ValueError):
    """A malformed recording; the message names the file and line."""

    def __init__(self, where: str, line: int | None, problem: str) -> None:
        self.where, self.line, self.problem = where, line, problem
        at = f"{where}, line {line}" if line is not None else where
        super().__init__(f"{at}: {problem}")


@dataclass
class Recording:
    info: SourceInfo
    frames: list[Frame] = field(default_factory=list)


def _number(text: str, where: str, line: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise RecordingError(where, line, f"{what} is not a number: {text.strip()!r}") from None
    if not math.isfinite(value):
        raise RecordingError(where, line, f"{what} is not finite: {text.strip()!r}")
    return value


def _info_from_metadata(meta: dict[str, tuple[str, int]], where: str, header_line: int) -> SourceInfo:
    def num(key: str, default: float | None, positive: bool = True) -> float | None:
        if key not in meta:
            return default
        text, line = meta[key]
        value = _number(text, where, line, key)
        if positive and value <= 0:
            raise RecordingError(where, line, f"{key} must be positive, got {text!r}")
        return value

    units, units_line = meta.get("units", ("kg", header_line))
    if units not in ("kg", "counts"):
        raise RecordingError(where, units_line, f"units must be kg or counts, got {units!r}")
    exercise = meta.get("exercise", (None, 0))[0]
    if exercise is not None and exercise not in EXERCISES:
        raise RecordingError(where, meta["exercise"][1],
                             f"exercise must be one of {', '.join(EXERCISES)}, got {exercise!r}")
    calibration = None
    if units == "counts":
        calibration = {}
        for c in CELLS:
            missing = [k for k in (f"tare_{c}", f"scale_{c}") if k not in meta]
            if missing:
                raise RecordingError(where, units_line,
                                     f"units=counts needs {' and '.join(missing)} in the metadata")
            tare = num(f"tare_{c}", None, positive=False)
            scale = num(f"scale_{c}", None, positive=False)
            if scale == 0:
                raise RecordingError(where, meta[f"scale_{c}"][1], f"scale_{c} must not be zero")
            calibration[c] = CellCalibration(tare, scale)
    return SourceInfo(
        units=units,
        rate_hz=num("rate_hz", None),
        width_m=num("width_m", 0.60),
        length_m=num("length_m", 1.80),
        exercise=exercise,
        calibration=calibration,
        metadata={k: v for k, (v, _) in meta.items() if k not in _KNOWN},
    )


class RecordingReader:
    """Reads a recording's header on construction, then yields frames lazily.

    Use it for replay (frames streamed from disk) or call :func:`read_recording`
    for the whole file.  ``info.rate_hz`` is estimated from ``t`` when the
    metadata lacks it, which needs the frames: only :func:`read_recording` does
    that.
    """

    def __init__(self, stream: IO[bytes], where: str) -> None:
        self.where = where
        self._stream = stream
        self._lineno = 0
        meta: dict[str, tuple[str, int]] = {}
        while True:
            line = self._next_line()
            if line is None:
                if self._lineno == 0:
                    raise RecordingError(where, 1, "empty file: expected metadata or the header 't,fl,fr,bl,br'")
                raise RecordingError(where, self._lineno, "no header line 't,fl,fr,bl,br' after the metadata")
            if not line.strip():
                raise RecordingError(where, self._lineno, "blank line before the header")
            if not line.startswith("#"):
                break
            body = line[1:].strip()
            if body.startswith("smartmat-recording"):
                if body != FORMAT_LINE:
                    raise RecordingError(where, self._lineno,
                                         f"unsupported format {body!r} (this reader knows {FORMAT_LINE!r})")
                continue
            key, sep, value = body.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key:
                raise RecordingError(where, self._lineno, f"metadata line must be '# key=value', got {line!r}")
            if key in meta:
                raise RecordingError(where, self._lineno, f"metadata key {key!r} given twice")
            meta[key] = (value, self._lineno)
        self.header_line = self._lineno
        names = [n.strip() for n in line.split(",")]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise RecordingError(where, self._lineno,
                                 f"header is missing column {', '.join(missing)} (got {line.strip()!r})")
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise RecordingError(where, self._lineno, f"header repeats column {', '.join(sorted(dupes))}")
        self._index = [names.index(c) for c in COLUMNS]
        self._ncols = len(names)
        self.info = _info_from_metadata(meta, where, self._lineno)
        self._counts = self.info.units == "counts"

    def _next_line(self) -> str | None:
        raw = self._stream.readline()
        if not raw:
            return None
        self._lineno += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RecordingError(self.where, self._lineno,
                                 f"not UTF-8 text (byte {exc.start + 1} of the line is {raw[exc.start]:#04x})") from None
        if self._lineno == 1 and text.startswith("\ufeff"):
            text = text[1:]
        return text.rstrip("\r\n")

    def __iter__(self) -> Iterator[Frame]:
        where, idx, ncols = self.where, self._index, self._ncols
        last_t = -math.inf
        trailing_blank = None
        while True:
            line = self._next_line()
            if line is None:
                return
            if not line.strip():
                trailing_blank = trailing_blank or self._lineno
                continue
            if trailing_blank is not None:
                raise RecordingError(where, trailing_blank, "blank line between frames")
            parts = line.split(",")
            if len(parts) != ncols:
                raise RecordingError(where, self._lineno,
                                     f"expected {ncols} values, got {len(parts)}: {line.strip()!r}")
            values = []
            for name, i in zip(COLUMNS, idx):
                values.append(_number(parts[i], where, self._lineno, f"column {name}"))
            t = values[0]
            if t < last_t:
                raise RecordingError(where, self._lineno, f"t goes backwards: {t!r} after {last_t!r}")
            last_t = t
            if self._counts:
                for name, i, v in zip(CELLS, idx[1:], values[1:]):
                    if v != int(v) or not -(2**23) <= v < 2**23:
                        raise RecordingError(where, self._lineno,
                                             f"column {name}: {parts[i].strip()!r} is not a signed 24-bit count")
            yield Frame(*values)


def open_recording(path: str | os.PathLike[str]) -> tuple[RecordingReader, IO[bytes]]:
    """A reader over ``path`` and the open file (the caller closes it)."""
    p = Path(path)
    try:
        stream = p.open("rb")
    except OSError as exc:
        raise RecordingError(str(p), None, f"cannot open: {exc.strerror}") from None
    try:
        return RecordingReader(stream, str(p)), stream
    except BaseException:
        stream.close()
        raise


def estimate_rate(frames: list[Frame]) -> float | None:
    """Median frame rate from the timestamps, robust to dropped frames."""
    dts = sorted(b.t - a.t for a, b in zip(frames, frames[1:]) if b.t > a.t)
    if not dts:
        return None
    return 1.0 / dts[len(dts) // 2]


def read_recording(path: str | os.PathLike[str]) -> Recording:
    """The whole recording, checked; rate estimated from ``t`` if not given."""
    reader, stream = open_recording(path)
    with stream:
        frames = list(reader)
    if not frames:
        raise RecordingError(reader.where, reader.header_line, "no frames after the header")
    if reader.info.rate_hz is None:
        reader.info.rate_hz = estimate_rate(frames)
    return Recording(reader.info, frames)


def _fmt(value: float, decimals: int | None) -> str:
    if decimals is None:
        if float(value).is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(float(value))
    return f"{value:.{decimals}f}"


def format_header(info: SourceInfo) -> str:
    lines = [f"# {FORMAT_LINE}"]
    if info.rate_hz is not None:
        lines.append(f"# rate_hz={_fmt(info.rate_hz, None)}")
    lines.append(f"# units={info.units}")
    lines.append(f"# width_m={_fmt(info.width_m, None)}")
    lines.append(f"# length_m={_fmt(info.length_m, None)}")
    if info.units == "counts":
        assert info.calibration is not None
        for c in CELLS:
            cal = info.calibration[c]
            lines.append(f"# tare_{c}={_fmt(cal.tare, None)}")
            lines.append(f"# scale_{c}={_fmt(cal.scale, None)}")
    if info.exercise:
        lines.append(f"# exercise={info.exercise}")
    for k, v in info.metadata.items():
        if "\n" in k or "\n" in str(v) or "=" in k or not k.strip():
            raise ValueError(f"metadata key {k!r} cannot be written as '# key=value'")
        lines.append(f"# {k}={v}")
    lines.append(",".join(COLUMNS))
    return "\n".join(lines) + "\n"


def format_frames(frames: Iterable[Frame], t_decimals: int | None = None,
                  value_decimals: int | None = None) -> Iterator[str]:
    for f in frames:
        yield (f"{_fmt(f.t, t_decimals)},{_fmt(f.fl, value_decimals)},{_fmt(f.fr, value_decimals)},"
               f"{_fmt(f.bl, value_decimals)},{_fmt(f.br, value_decimals)}\n")


def write_recording(path: str | os.PathLike[str] | IO[str], info: SourceInfo, frames: Iterable[Frame],
                    t_decimals: int | None = None, value_decimals: int | None = None) -> None:
    """Write a recording; decimals ``None`` is lossless.  Written atomically to a path."""
    if hasattr(path, "write"):
        path.write(format_header(info))
        path.writelines(format_frames(frames, t_decimals, value_decimals))
        return
    p = Path(path)
    tmp = p.with_name(p.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="\n") as out:
        out.write(format_header(info))
        out.writelines(format_frames(frames, t_decimals, value_decimals))
    os.replace(tmp, p)
