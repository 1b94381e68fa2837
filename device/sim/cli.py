"""``smartmat simulate``: write a simulated recording (SPEC section 2) and its labels beside it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..frames import Frame
from ..recording import write_recording
from .engine import simulate as run
from .session import EXERCISES, TEMPO, SessionSpec

_RATE = click.FloatRange(0.0, 1.0)


class RepRange(click.ParamType):
    """``12`` or ``10-20``: reps per set, drawn per set from the range."""

    name = "N or MIN-MAX"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        lo, sep, hi = text.partition("-")
        try:
            pair = (int(lo), int(hi) if sep else int(lo))
        except ValueError:
            self.fail(f"{text!r} is not a number of reps or a range like 10-20", param, ctx)
        if not 1 <= pair[0] <= pair[1] <= 100:
            self.fail(f"{text!r}: reps must be 1-100 and MIN <= MAX", param, ctx)
        return pair


def labels_path(out: Path) -> Path:
    return out.with_name(out.name[: -len(".csv")] + ".labels.json")


@click.command()
@click.option("--exercise", type=click.Choice(EXERCISES), default="quadruped", show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=1, show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Recording to write (.csv); the labels go to the same name with .labels.json.")
@click.option("--mass", type=click.FloatRange(30, 200), help="Body mass, kg (default: drawn, 45-120).")
@click.option("--height", type=click.FloatRange(1.2, 2.2), help="Height, m (default: from mass and a BMI).")
@click.option("--variant", type=click.Choice(["bent", "straight"]), default="bent", show_default=True,
              help="Quadruped: bent-knee donkey kick or straight leg.")
@click.option("--tempo", type=click.Choice(list(TEMPO)), default="normal", show_default=True)
@click.option("--tilt-rate", type=_RATE, default=0.15, show_default=True, help="Share of reps with hip tilt.")
@click.option("--momentum-rate", type=_RATE, default=0.1, show_default=True, help="Share of reps swung or dropped.")
@click.option("--arch-rate", type=_RATE, help="Prone: share of reps with a lumbar arch (default 0.1).")
@click.option("--pulses-rate", type=_RATE, default=0.1, show_default=True, help="Share of reps with pulses at the top.")
@click.option("--long-hold-rate", type=_RATE, default=0.05, show_default=True)
@click.option("--rate", type=click.Choice(["10", "80"]), default="80", show_default=True, help="Samples/s.")
@click.option("--noise", type=click.Choice(["low", "high"]), default="low", show_default=True)
@click.option("--units", type=click.Choice(["kg", "counts"]), default="kg", show_default=True)
@click.option("--sets", type=click.IntRange(1, 20), default=3, show_default=True)
@click.option("--reps", type=RepRange(), default="10-20", show_default=True, help="Reps per set: N or MIN-MAX.")
@click.option("--rest", "rest", type=click.FloatRange(1, 600), nargs=2, default=(20, 60), show_default=True,
              help="Rest between sets: MIN MAX seconds.")
@click.option("--distractors/--no-distractors", default=True, show_default=True)
@click.option("--x-offset", type=click.FloatRange(-0.15, 0.15), help="Resting CoM right of the mat centre, m.")
@click.option("--y-offset", type=click.FloatRange(-0.4, 0.4), help="Resting CoM toward the front, m.")
@click.option("--width", type=click.FloatRange(0.2, 3.0), default=0.60, show_default=True, help="Mat width_m.")
@click.option("--length", type=click.FloatRange(0.3, 3.0), default=1.80, show_default=True, help="Mat length_m.")
def simulate(exercise, seed, out, mass, height, variant, tempo, tilt_rate, momentum_rate, arch_rate, pulses_rate,
             long_hold_rate, rate, noise, units, sets, reps, rest, distractors, x_offset, y_offset, width, length):
    """Simulate a person training on the mat; write the recording and its ground-truth labels."""
    if out.suffix != ".csv":
        raise click.BadParameter(f"{str(out)!r} must end in .csv (the labels go beside it)", param_hint="--out")
    if rest[0] > rest[1]:
        raise click.BadParameter(f"MIN {rest[0]} is more than MAX {rest[1]}", param_hint="--rest")
    try:
        spec = SessionSpec(exercise=exercise, seed=seed, mass_kg=mass, height_m=height, variant=variant, tempo=tempo,
                           tilt_rate=tilt_rate, momentum_rate=momentum_rate, arch_rate=arch_rate,
                           pulses_rate=pulses_rate, long_hold_rate=long_hold_rate, rate_hz=int(rate), noise=noise,
                           units=units, sets=sets, reps=reps, rest_s=rest, distractors=distractors,
                           x_offset=x_offset, y_offset=y_offset, width_m=width, length_m=length)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    info, frames, labels = run(spec)
    decimals = 0 if units == "counts" else 3
    write_recording(out, info, (Frame(*row) for row in frames.tolist()), t_decimals=4, value_decimals=decimals)
    lab = labels_path(out)
    lab.write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
    reps_total = sum(len(s["reps"]) for s in labels["sets"])
    click.echo(f"{out}: {len(frames)} frames, {frames[-1, 0]:.1f} s, {len(labels['sets'])} sets, "
               f"{reps_total} reps; labels in {lab}")
