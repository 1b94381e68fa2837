"""What ``smartmat doctor`` and ``smartmat calibrate`` share: the real or the emulated mat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import click

from ..frames import CELLS
from .hx711_model import EmulatedMat, FakeClock


def emulate_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--emulate`` and the emulated faults."""
    corner = click.Choice(CELLS)
    f = click.option("--emulate-swap", metavar="A,B", default=None,
                     help="Emulate two corners' cables swapped, e.g. fl,fr.")(f)
    f = click.option("--emulate-reversed", type=corner, multiple=True,
                     help="Emulate a cell with A+/A- swapped (reads negative).")(f)
    f = click.option("--emulate-slow", type=corner, multiple=True, help="Emulate a slow cell.")(f)
    f = click.option("--emulate-frozen", type=corner, multiple=True, help="Emulate a frozen cell.")(f)
    f = click.option("--emulate-stuck", type=corner, multiple=True,
                     help="Emulate a cell stuck at a rail (open bridge).")(f)
    f = click.option("--emulate-unplugged", type=corner, multiple=True,
                     help="Emulate an unplugged cell (repeatable).")(f)
    f = click.option("--emulate", is_flag=True,
                     help="Run against four modelled HX711 instead of the GPIO.")(f)
    return f


@dataclass
class Rig:
    """The pin factory to use, and the emulated mat when there is one."""

    factory: Any
    mat: EmulatedMat | None
    clock: Callable[[], float]
    sleep: Callable[[float], None]

    def press(self, corner: str, kg: float) -> None:
        if self.mat is not None:
            self.mat.press(corner, kg)

    def release(self) -> None:
        if self.mat is not None:
            self.mat.release()


def make_rig(settings, emulate: bool, *, unplugged=(), stuck=(), frozen=(), slow=(), reversed_=(),
             swap: str | None = None) -> Rig:
    """The emulated mat (on a fake clock: runs instantly) or the real GPIO."""
    import time

    if not emulate:
        if unplugged or stuck or frozen or slow or reversed_ or swap:
            raise click.UsageError("--emulate-* options need --emulate")
        from .gpio import open_factory

        return Rig(open_factory(settings.sensor.gpiochip), None, time.monotonic, time.sleep)
    pair: tuple[str, ...] = ()
    if swap:
        pair = tuple(p.strip() for p in swap.split(","))
        if len(pair) != 2 or not set(pair) <= set(CELLS) or pair[0] == pair[1]:
            raise click.BadParameter(f"expected two different corners like fl,fr, got {swap!r}",
                                     param_hint="--emulate-swap")
    clock = FakeClock()
    pins = {c: (getattr(settings.pins, c).dout, getattr(settings.pins, c).sck) for c in CELLS}
    mat = EmulatedMat(pins, rate_hz=settings.sensor.rate_hz, clock=clock, swap=pair)
    for kind, corners in (("unplugged", unplugged), ("stuck", stuck), ("frozen", frozen), ("slow", slow)):
        for c in corners:
            mat.fault(c, kind)
    for c in reversed_:
        mat.models[c].scale = -mat.models[c].scale
    return Rig(mat.factory, mat, clock, clock.sleep)
