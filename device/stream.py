"""``smartmat stream``: watch the mat live, one summary line (SPEC section 1 quantities).

On a terminal the line is rewritten in place (about ten times a second);
piped, it prints one line per second of stream time.  Each line is the mean
of the frames since the previous one, so noise does not make it flicker.
"""

from __future__ import annotations

import sys
from typing import Iterable, TextIO

import click

from .cli_options import config_option, settings_from
from .frames import Frame, SourceInfo
from .sources import open_source


def summary(info: SourceInfo, frames: list[Frame]) -> str:
    """One line: t, total, cells, CoP (cm), asymmetry index, from the mean of ``frames`` (kg)."""
    n = len(frames)
    fl, fr, bl, br = (sum(f[i] for f in frames) / n for i in range(1, 5))
    total = fl + fr + bl + br
    line = f"t {frames[-1].t:9.2f} s  total {total:7.2f} kg  fl {fl:6.2f} fr {fr:6.2f} bl {bl:6.2f} br {br:6.2f}"
    if abs(total) < 1.0:          # nobody on the mat: CoP and asymmetry mean nothing
        return line + "  CoP      -        -    ai      -"
    cop_x = 100 * info.width_m / 2 * ((fr + br) - (fl + bl)) / total
    cop_y = 100 * info.length_m / 2 * ((fl + fr) - (bl + br)) / total
    ai = 100 * ((fl + bl) - (fr + br)) / total
    return line + f"  CoP x {cop_x:+6.1f} y {cop_y:+6.1f} cm  ai {ai:+6.1f} %"


def run_stream(info: SourceInfo, frames: Iterable[Frame], out: TextIO, tty: bool, seconds: float | None) -> None:
    every = 0.1 if tty else 1.0
    pending: list[Frame] = []
    first = shown = None
    for frame in frames:
        frame = info.to_kg(frame)
        first = frame.t if first is None else first
        shown = frame.t if shown is None else shown
        pending.append(frame)
        if frame.t - shown >= every:
            text = summary(info, pending)
            out.write("\r" + text + "\x1b[K" if tty else text + "\n")
            out.flush()
            pending, shown = [], frame.t
        if seconds is not None and frame.t - first >= seconds:
            break
    if tty:
        out.write("\n")


@click.command()
@click.option("--sim", "kind", flag_value="sim", default=True, help="A simulated user (default).")
@click.option("--replay", type=click.Path(dir_okay=False, exists=True), help="Play a recording as the mat.")
@config_option
@click.option("--speed", type=click.FloatRange(min=0.01, max=1000), default=1.0, show_default=True,
              help="Playback speed (1 = real time).")
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True), help="Stop after this much stream time.")
def stream(kind: str, replay: str | None, config_path: str | None, speed: float, seconds: float | None) -> None:
    """Stream frames and print a live summary: total, cells, CoP, asymmetry index. Ctrl-C stops."""
    settings = settings_from(config_path)
    try:
        source = open_source(settings, "replay" if replay else kind, replay_path=replay, speed=speed)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        run_stream(source.info, source, sys.stdout, sys.stdout.isatty(), seconds)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
    finally:
        source.close()
