"""Why adafruit-circuitpython-hx711's own read path cannot run on Linux (Blinka).

The library's ``HX711`` class is driven through Blinka-like ``.value`` pins
(:class:`ValuePin`) over the modelled chip, exactly as it would be on a Pi.
"""

from __future__ import annotations

import statistics
import time

import pytest

from device.hardware.hx711 import HX711, LinuxHX711
from device.hardware.hx711_model import FakeClock, HX711ClockPin, HX711DataPin, HX711Model, ValuePin
from gpiozero.pins.mock import MockFactory

import microcontroller  # Blinka's; imported quietly by device.hardware.hx711 already

from device.hardware.testing import one_cell, settle


class TickingClock(FakeClock):
    """A fake clock that moves 1 us per look, like a CPU spinning in a busy-wait."""

    def __call__(self) -> float:
        self.now += 1e-6
        return self.now


def stock(clock, **model_kw) -> tuple[HX711, HX711Model]:
    model_kw.setdefault("noise_counts", 0.0)
    model = HX711Model(clock=clock, **model_kw)
    factory = MockFactory()
    dout = factory.pin(5, pin_class=HX711DataPin, model=model)
    sck = factory.pin(6, pin_class=HX711ClockPin, model=model)
    sck.function = "output"
    return HX711(ValuePin(dout), ValuePin(sck)), model


def test_blinka_has_no_disable_interrupts_so_the_first_read_fails():
    assert not hasattr(microcontroller, "disable_interrupts")
    hx, _ = stock(time.monotonic)
    with pytest.raises(AttributeError, match="disable_interrupts"):
        hx.read_channel_blocking(HX711.CHAN_A_GAIN_128)


def test_with_interrupts_patched_the_1us_sleeps_power_the_chip_down(monkeypatch):
    # What does delay_us(1) = time.sleep(1e-6) cost here?  Measure, don't assume.
    samples = []
    for _ in range(50):
        t0 = time.perf_counter()
        microcontroller.delay_us(1)
        samples.append(time.perf_counter() - t0)
    median = statistics.median(samples)
    if median < 60e-6:
        pytest.skip(f"time.sleep(1e-6) takes {median * 1e6:.0f} us here (60-90 us on a Pi)")
    monkeypatch.setattr(microcontroller, "disable_interrupts", lambda: None, raising=False)
    monkeypatch.setattr(microcontroller, "enable_interrupts", lambda: None, raising=False)
    hx, model = stock(time.monotonic, load=lambda t: 1.0, scale=20_000.0)
    downs = model.power_downs
    value = hx.read_channel_blocking(HX711.CHAN_A_GAIN_128)
    assert model.power_downs >= downs + 2  # both the discard read and the read powered it down
    # every bit after the power-down reads DOUT high: all ones, then the sign bug on top
    assert value == 0xFFFFFFFF
    assert value != 20_000


def test_sign_bug_and_discard_read_even_where_delay_us_is_really_1us(monkeypatch):
    # A microcontroller where delay_us(1) takes 1 us: the library's home ground.
    clock = TickingClock()
    monkeypatch.setattr(microcontroller, "disable_interrupts", lambda: None, raising=False)
    monkeypatch.setattr(microcontroller, "enable_interrupts", lambda: None, raising=False)
    monkeypatch.setattr(microcontroller, "delay_us", lambda us: clock.advance(us * 1e-6))
    hx, model = stock(clock, load=lambda t: 2.0, scale=20_000.0)
    for _ in range(3):
        hx.read_channel_blocking(HX711.CHAN_A_GAIN_128)  # settle (each is 2 conversions)
    assert hx.read_channel_blocking(HX711.CHAN_A_GAIN_128) == 40_000  # positive: fine
    model.load = lambda t: -2.0
    for _ in range(3):
        hx.read_channel_blocking(HX711.CHAN_A_GAIN_128)
    value = hx.read_channel_blocking(HX711.CHAN_A_GAIN_128)
    assert value == 4294927296 == (-40_000) & 0xFFFFFFFF  # "negative" as a huge positive int
    assert value > 0
    # the discard read: two conversions per reading, so half the rate
    before_reads, t0 = model.reads, clock()
    n = 20
    for _ in range(n):
        hx.read_channel_blocking(HX711.CHAN_A_GAIN_128)
    assert model.reads - before_reads == 2 * n
    assert n / (clock() - t0) == pytest.approx(40, rel=0.1)


def test_the_safe_driver_gets_the_same_chip_right():
    hx, model, clock = one_cell(load=lambda t: -2.0, scale=20_000.0)
    settle(hx)
    before_reads, t0 = model.reads, clock()
    values = [hx.read() for _ in range(20)]
    assert values == [-40_000] * 20
    assert model.reads - before_reads == 20
    assert 20 / (clock() - t0) == pytest.approx(80, rel=0.1)
    assert isinstance(hx, HX711) and isinstance(hx, LinuxHX711)
