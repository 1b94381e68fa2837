"""Test fixtures for the hardware package: one modelled HX711 on gpiozero mock pins (tests, bench)."""

from __future__ import annotations

from gpiozero import DigitalInputDevice, DigitalOutputDevice
from gpiozero.pins.mock import MockFactory

from device.config import Settings
from device.hardware.hx711 import LinuxHX711
from device.hardware.hx711_model import FakeClock, HX711ClockPin, HX711DataPin, HX711Model

DOUT, SCK = 5, 6


def one_cell(clock: FakeClock | None = None, *, gain: int = 128, **model_kw):
    """(driver, model, clock) for one HX711 on GPIO 5/6 of a fresh MockFactory."""
    clock = clock or FakeClock()
    model_kw.setdefault("noise_counts", 0.0)
    model = HX711Model(clock=clock, **model_kw)
    factory = MockFactory()
    factory.pin(DOUT, pin_class=HX711DataPin, model=model)
    factory.pin(SCK, pin_class=HX711ClockPin, model=model)
    dout = DigitalInputDevice(DOUT, pull_up=True, pin_factory=factory)
    sck = DigitalOutputDevice(SCK, pin_factory=factory)
    hx = LinuxHX711(dout, sck, gain=gain, clock=clock, sleep=clock.sleep)
    return hx, model, clock


def settle(hx: LinuxHX711, n: int = 5) -> None:
    for _ in range(n):
        hx.read_once(1.0)


def default_pins(settings: Settings | None = None) -> dict[str, tuple[int, int]]:
    s = settings or Settings()
    return {c: (getattr(s.pins, c).dout, getattr(s.pins, c).sck) for c in ("fl", "fr", "bl", "br")}
