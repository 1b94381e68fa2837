"""``smartmat doctor``: check the mat's hardware, one PASS/FAIL line per check.

Checks, in order: GPIO access; each cell responding (ready, not at a rail,
not frozen, its sample rate); noise per cell (counts, and grams when a
calibration is stored); drift over a short window; and a guided wiring check
(press each corner in turn: which cell answered?) that prints a corrected
``[pins.*]`` map when cables are crossed.  Exit status 1 if anything failed.

``--emulate`` runs the same code against four modelled HX711 (see
:mod:`.hx711_model`) on a fake clock, with faults to order.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import click

from ..calibration import load_calibration
from ..cli_options import config_option, settings_from
from ..frames import CELLS
from .cli_common import Rig, emulate_options, make_rig
from .errors import CORNER_NAMES, HardwareError, SensorFault

NOISE_MAX_COUNTS = 1500  # ~75 g at a typical 20,000 counts/kg
NOISE_MAX_G = 50.0
DRIFT_MAX_COUNTS = 2000
DRIFT_MAX_G = 100.0
PRESS_KG = 20.0  # what the emulated user puts on a corner
PRESS_MIN_COUNTS = 20_000  # ~1 kg: a press, not noise


@dataclass
class Result:
    name: str
    ok: bool
    detail: str


class Doctor:
    """Runs the checks and prints each result as it comes."""

    def __init__(self, settings, rig: Rig, echo=click.echo, wiring: bool = True) -> None:
        self.settings, self.rig, self.echo, self.wiring = settings, rig, echo, wiring
        self.results: list[Result] = []
        self.cal = load_calibration(settings.data_dir)

    def report(self, name: str, ok: bool, detail: str) -> None:
        self.results.append(Result(name, ok, detail))
        self.echo(f"{'PASS' if ok else 'FAIL'}  {name:<14} {detail}")

    def grams(self, cell: str, counts: float) -> str:
        if self.cal is None:
            return "uncalibrated"
        return f"{abs(counts) / abs(self.cal.scale[cell]) * 1000:.0f} g"

    def run(self) -> bool:
        from .source import HardwareSource

        s = self.settings
        self.report("GPIO access", True, "emulated pins (gpiozero MockFactory, modelled HX711)"
                    if self.rig.mat else f"gpiozero lgpio on gpiochip{self.rig.factory.chip}")
        src = HardwareSource.from_settings(s, pin_factory=self.rig.factory, clock=self.rig.clock,
                                           sleep=self.rig.sleep, check=False, calibration=self.cal)
        try:
            working = self.check_cells(src)
            if working:
                self.check_noise(src, working)
            if self.wiring and len(working) == len(CELLS):
                self.check_wiring(src)
            elif self.wiring:
                self.echo("SKIP  wiring         needs all four cells responding")
        finally:
            src.close()
        failed = sum(not r.ok for r in self.results)
        self.echo(f"{len(self.results)} checks, {failed} failed"
                  + ("" if self.cal else "; mat not calibrated yet: run `smartmat calibrate`"))
        return failed == 0

    def check_cells(self, src) -> list[str]:
        working = []
        rate = self.settings.sensor.rate_hz
        for c in CELLS:
            h = src.health[c]
            name = f"{c} responds"
            try:
                values = src.collect(8, cells=[c])[c]
                src.judge(c, values)
                t0 = self.rig.clock()
                values = src.collect(max(8, rate // 4), cells=[c], settle=False)[c]
            except SensorFault as exc:
                self.report(name, False, str(exc))
                continue
            sps = len(values) / max(self.rig.clock() - t0, 1e-9)
            ok = sps > 0.6 * rate
            self.report(name, ok, f"DOUT GPIO {h.dout} / SCK GPIO {h.sck}, about {sps:.0f} readings/s"
                        + ("" if ok else f" (expected {rate}: a slow or struggling HX711; is RATE "
                           f"tied to {'VCC' if rate == 80 else 'GND'}?)"))
            working.append(c)
        return working

    def check_noise(self, src, cells: list[str], seconds: float = 2.0) -> None:
        n = int(self.settings.sensor.rate_hz * seconds)
        data = src.collect(n, cells=cells, settle=False)
        for c in cells:
            v = data[c]
            k = max(2, len(v) // 5)
            noise = statistics.pstdev(v[: len(v) // 2])
            drift = statistics.fmean(v[-k:]) - statistics.fmean(v[:k])
            if self.cal:
                g_noise = noise / abs(self.cal.scale[c]) * 1000
                g_drift = drift / abs(self.cal.scale[c]) * 1000
                self.report(f"{c} noise", g_noise <= NOISE_MAX_G,
                            f"{noise:.0f} counts rms = {g_noise:.1f} g (limit {NOISE_MAX_G:g} g)")
                self.report(f"{c} drift", abs(g_drift) <= DRIFT_MAX_G,
                            f"{drift:+.0f} counts = {g_drift:+.1f} g over {seconds:g} s")
            else:
                self.report(f"{c} noise", noise <= NOISE_MAX_COUNTS,
                            f"{noise:.0f} counts rms (uncalibrated: no grams; limit {NOISE_MAX_COUNTS})")
                self.report(f"{c} drift", abs(drift) <= DRIFT_MAX_COUNTS,
                            f"{drift:+.0f} counts over {seconds:g} s (uncalibrated)")

    def _means(self, src, n: int) -> dict[str, float]:
        return {c: statistics.fmean(v) for c, v in src.collect(n, cells=CELLS, settle=False).items()}

    def check_wiring(self, src) -> None:
        rate = self.settings.sensor.rate_hz
        answered: dict[str, str] = {}
        for corner in CELLS:
            base = self._means(src, max(4, rate // 8))
            if self.rig.mat is not None:
                self.echo(f"....  wiring         (emulated) pressing the {CORNER_NAMES[corner]} corner")
                self.rig.press(corner, PRESS_KG)
                delta = {c: m - base[c] for c, m in self._means(src, max(4, rate // 4)).items()}
            else:
                click.prompt(f"Wiring check: press Enter, then press and hold the {CORNER_NAMES[corner]} "
                             f"corner ({corner}) firmly for 3 s", default="", show_default=False)
                delta = self._watch(src, base, rate)
            self.rig.release()
            cell = max(delta, key=lambda c: abs(delta[c]))
            d = delta[cell]
            if abs(d) < PRESS_MIN_COUNTS:
                self.report(f"wiring {corner}", False, f"no cell answered a press on {corner} "
                            f"(largest change {d:+.0f} counts on {cell})")
                continue
            answered[corner] = cell
            if cell != corner:
                self.report(f"wiring {corner}", False, f"pressed {corner}, but the cell on [pins.{cell}] "
                            f"answered ({d:+.0f} counts): its cable is on the wrong pins")
            elif d < 0:
                self.report(f"wiring {corner}", False, f"{corner} answered but reads NEGATIVE ({d:+.0f} "
                            f"counts): swap A+ and A- (green/white) at its HX711, or the cell is upside down")
            else:
                self.report(f"wiring {corner}", True, f"pressed {corner}: {cell} answered ({d:+.0f} counts)")
        if answered and any(k != v for k, v in answered.items()):
            self.echo(self.corrected_pins(answered))

    def _watch(self, src, base: dict[str, float], rate: int) -> dict[str, float]:
        best = dict.fromkeys(CELLS, 0.0)
        for _ in range(10):  # up to ~5 s in half-second looks
            for c, m in self._means(src, max(4, rate // 2)).items():
                if abs(m - base[c]) > abs(best[c]):
                    best[c] = m - base[c]
            if max(abs(x) for x in best.values()) > 2 * PRESS_MIN_COUNTS:
                break
        return best

    def corrected_pins(self, answered: dict[str, str]) -> str:
        """The [pins.*] TOML that puts each corner on the pins its cable really reaches."""
        pins = self.settings.pins
        lines = ["", "The cables are crossed. Either swap them back, or use this pin map in the config:", ""]
        for corner in CELLS:
            slot = answered.get(corner, corner)
            p = getattr(pins, slot)
            lines += [f"[pins.{corner}]", f"dout = {p.dout}", f"sck = {p.sck}", ""]
        return "\n".join(lines)


@click.command()
@config_option
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where the calibration is stored.")
@click.option("--no-wiring", is_flag=True, help="Skip the guided wiring check (press each corner).")
@emulate_options
def doctor(config_path, data_dir, no_wiring, emulate, emulate_unplugged, emulate_stuck, emulate_frozen,
           emulate_slow, emulate_reversed, emulate_swap):
    """Check the mat's hardware: GPIO, each cell, noise, drift, wiring."""
    settings = settings_from(config_path, data_dir)
    s = settings.sensor
    click.echo(f"smartmat doctor: {'emulated ' if emulate else ''}HX711 x4 at {s.rate_hz} SPS, "
               f"gain {s.gain}, ready timeout {s.ready_timeout_s:g} s")
    try:
        rig = make_rig(settings, emulate, unplugged=emulate_unplugged, stuck=emulate_stuck,
                       frozen=emulate_frozen, slow=emulate_slow, reversed_=emulate_reversed,
                       swap=emulate_swap)
    except HardwareError as exc:
        click.echo(f"FAIL  GPIO access    {exc}")
        raise SystemExit(1)
    try:
        ok = Doctor(settings, rig, wiring=not no_wiring).run()
    finally:
        if rig.mat is not None:
            rig.mat.close()
    raise SystemExit(0 if ok else 1)
