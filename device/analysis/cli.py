"""``smartmat analyze FILE [--exercise E] [--leg L] [--json]`` (SPEC section 3)."""

from __future__ import annotations

import json
import sys

import click

from ..cli_options import config_option, settings_from
from ..recording import RecordingError, read_recording
from .pipeline import EXERCISES, analyze_frames


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--exercise", type=click.Choice(EXERCISES), help="Override the recording's exercise.")
@click.option("--leg", type=click.Choice(["left", "right"]),
              help="The leg worked, where the load cannot show it (prone).")
@click.option("--json", "as_json", is_flag=True, help="Print the SPEC section 3 JSON object.")
@config_option
def analyze(file: str, exercise: str | None, leg: str | None, as_json: bool, config_path: str | None) -> None:
    """Count and judge the reps in a recording."""
    settings = settings_from(config_path)
    try:
        rec = read_recording(file)
    except RecordingError as exc:
        raise click.ClickException(str(exc)) from None
    result = analyze_frames(rec.info, rec.frames, settings.analysis, exercise=exercise or rec.info.exercise, leg=leg)
    if as_json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
        return
    click.echo(summary_text(result))


def summary_text(result: dict) -> str:
    lines = [f"{result['exercise'] or 'unknown exercise'}: {result['reps_total']} reps in "
             f"{len(result['sets'])} sets, {result['duration_s']:.0f} s, {result['frames']} frames"
             + (f", {result['glitches']} glitches dropped" if result["glitches"] else "")]
    for n, st in enumerate(result["sets"], 1):
        reps = st["reps"]
        tilt = sum(r["tilt"] for r in reps)
        mom = sum(r["momentum"] for r in reps)
        arch = sum(r.get("arch", False) for r in reps)
        avg = lambda k: sum(r[k] for r in reps) / len(reps)
        lines.append(f"  set {n}: {st['leg'] or 'leg not known'}, {len(reps)} reps, "
                     f"{st['start']:.1f}-{st['end']:.1f} s; lift {avg('lift_s'):.2f} s, hold {avg('hold_s'):.2f} s, "
                     f"lower {avg('lower_s'):.2f} s; tilt {tilt}, momentum {mom}" + (f", arch {arch}" if arch else ""))
    return "\n".join(lines)
