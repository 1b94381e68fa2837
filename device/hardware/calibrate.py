"""``smartmat calibrate``: tare the empty mat, then a known weight gives each cell's scale.

Two ways to place the weight:

``corners`` (default)  on each corner in turn, right above its cell: each cell's
                       scale is its own change / the weight.  Most accurate.
``centre``             once, in the middle of the board: each cell carries a
                       quarter of it (the cells sit at the corners of a
                       rectangle), so scale = change / (weight / 4).  Quicker;
                       off-centre placement shows up as a scale spread.

The result is checked before anything is stored.  Refused, with the reason:
a cell reading negative under the weight (A+/A- swapped), a cell that barely
registers it, scales differing by more than 3x between cells.  Accepted
calibrations go to ``<data dir>/smartmat.db`` (:mod:`device.calibration`).
"""

from __future__ import annotations

import statistics

import click

from ..calibration import Calibration, save_calibration
from ..cli_options import config_option, data_dir_option, settings_from
from ..frames import CELLS
from .cli_common import Rig, emulate_options, make_rig
from .errors import CORNER_NAMES, HardwareError

MAX_SPREAD = 3.0
MIN_COUNTS_PER_KG = 1000.0  # a 4-wire cell on an HX711 at gain 128 gives ~10,000-50,000
READ_S = 1.5


class CalibrationRefused(click.ClickException):
    """An implausible calibration: nothing stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"calibration refused, nothing stored: {reason}")


def plausibility(scale: dict[str, float], weight_kg: float, share: dict[str, float]) -> None:
    """Raise :class:`CalibrationRefused` if the per-cell scales cannot be right."""
    negative = [c for c in CELLS if scale[c] < 0 and abs(scale[c]) >= MIN_COUNTS_PER_KG]
    if negative:
        names = ", ".join(f"{c} ({CORNER_NAMES[c]})" for c in negative)
        raise CalibrationRefused(f"the weight reads NEGATIVE on {names}: that cell is wired reversed "
                                 f"(swap A+ and A-, green and white, at its HX711) or mounted upside down")
    weak = [c for c in CELLS if abs(scale[c]) < MIN_COUNTS_PER_KG]
    if weak:
        detail = ", ".join(f"{c}: {share[c]:+.0f} counts" for c in weak)
        raise CalibrationRefused(f"the {weight_kg:g} kg weight barely registers on {', '.join(weak)} "
                                 f"({detail}): was it on that corner, does the cell bear on the floor, "
                                 f"is the weight heavy enough (use 5 kg or more)?")
    hi, lo = max(scale.values()), min(scale.values())
    if hi / lo > MAX_SPREAD:
        detail = ", ".join(f"{c} {scale[c]:.0f}" for c in CELLS)
        raise CalibrationRefused(f"the cells' scales differ by {hi / lo:.1f}x (counts/kg: {detail}); "
                                 f"cells of one type match within a few percent. Was the weight placed "
                                 f"where asked? Does one cell not touch the floor?")


def run_calibration(settings, rig: Rig, weight_kg: float | None, mode: str, echo=click.echo) -> Calibration:
    """Talk the user through tare and weight placement; return the checked Calibration."""
    from .source import HardwareSource

    rate = settings.sensor.rate_hz
    n = max(8, int(rate * READ_S))
    src = HardwareSource.from_settings(settings, pin_factory=rig.factory, clock=rig.clock,
                                       sleep=rig.sleep, calibration=_placeholder(), check=True)
    try:
        def means() -> dict[str, float]:
            return {c: statistics.fmean(v) for c, v in src.collect(n, settle=False).items()}

        rig.release()
        click.prompt("Clear the mat: nothing on it but the board. Press Enter when it is empty",
                     default="", show_default=False)
        tare = means()
        echo("Tare: " + ", ".join(f"{c} {tare[c]:.0f}" for c in CELLS))
        if weight_kg is None:
            weight_kg = click.prompt("Known weight in kg (5 kg or more; a dumbbell, a water bottle "
                                     "pack...)", type=click.FloatRange(min=0.5, max=200.0))
        scale: dict[str, float] = {}
        share: dict[str, float] = {}
        if mode == "corners":
            for c in CELLS:
                click.prompt(f"Put the {weight_kg:g} kg weight on the {CORNER_NAMES[c]} corner ({c}), "
                             f"right above its cell, then press Enter", default="", show_default=False)
                rig.release()
                rig.press(c, weight_kg)
                m = means()
                share[c] = m[c] - tare[c]
                scale[c] = share[c] / weight_kg
                others = sum(abs(m[o] - tare[o]) for o in CELLS if o != c)
                echo(f"  {c}: {share[c]:+.0f} counts -> {scale[c]:.0f} counts/kg"
                     + (f"  (the other cells moved {others:.0f} counts: place it closer to the cell)"
                        if others > 0.25 * abs(share[c]) else ""))
            rig.release()
        else:
            click.prompt(f"Put the {weight_kg:g} kg weight in the centre of the board, then press Enter",
                         default="", show_default=False)
            for c in CELLS:
                rig.press(c, weight_kg / 4)
            m = means()
            rig.release()
            for c in CELLS:
                share[c] = m[c] - tare[c]
                scale[c] = share[c] / (weight_kg / 4)
            echo("  " + ", ".join(f"{c} {scale[c]:.0f}" for c in CELLS) + " counts/kg")
        plausibility(scale, weight_kg, share)
        return Calibration(tare=tare, scale=scale, weight_kg=weight_kg, mode=mode)
    finally:
        src.close()


def _placeholder():
    """A stand-in so building the source does not read the calibration being replaced."""
    return Calibration(tare=dict.fromkeys(CELLS, 0.0), scale=dict.fromkeys(CELLS, 1.0), weight_kg=1.0)


@click.command()
@config_option
@data_dir_option
@click.option("--weight", "weight_kg", type=click.FloatRange(min=0.5, max=200.0),
              help="The known weight in kg (asked for if not given).")
@click.option("--mode", type=click.Choice(["corners", "centre"]), default="corners", show_default=True,
              help="Weight on each corner in turn, or once in the centre.")
@emulate_options
def calibrate(config_path, data_dir, weight_kg, mode, emulate, emulate_unplugged, emulate_stuck,
              emulate_frozen, emulate_slow, emulate_reversed, emulate_swap):
    """Tare the empty mat and measure each cell's scale with a known weight."""
    settings = settings_from(config_path, data_dir)
    try:
        rig = make_rig(settings, emulate, unplugged=emulate_unplugged, stuck=emulate_stuck,
                       frozen=emulate_frozen, slow=emulate_slow, reversed_=emulate_reversed,
                       swap=emulate_swap)
        if rig.mat is not None:
            click.echo("(emulated mat: the model puts the weight where asked)")
        cal = run_calibration(settings, rig, weight_kg, mode)
    except HardwareError as exc:
        raise click.ClickException(str(exc)) from None
    row = save_calibration(settings.data_dir, cal)
    click.echo(f"Stored calibration #{row} ({cal.created}, {mode}, {cal.weight_kg:g} kg) in "
               f"{settings.data_dir / 'smartmat.db'}")
