"""The Linux-safe HX711 driver against the pin-level model (fake clock: no timing flakiness)."""

from __future__ import annotations

import pytest

from device.hardware.hx711 import (GAIN_PULSES, RAIL_HIGH, RAIL_LOW, NotReady, PowerDownDuringRead,
                                   to_signed)
from device.hardware.hx711_model import FakeClock, HX711Model

from device.hardware.testing import one_cell, settle


@pytest.mark.parametrize("raw, signed", [(0, 0), (1, 1), (0x7FFFFF, 8388607), (0x800000, -8388608),
                                         (0xFFFFFF, -1), (0xFFB1E0, -20000)])
def test_to_signed_is_24_bit_twos_complement(raw, signed):
    assert to_signed(raw) == signed


@pytest.mark.parametrize("kg, expected", [(1.5, 30_000), (-1.0, -20_000), (0.0, 0),
                                          (1000.0, RAIL_HIGH), (-1000.0, RAIL_LOW)])
def test_reads_signed_values_including_rails(kg, expected):
    hx, model, _ = one_cell(load=lambda t: kg, scale=20_000.0)
    settle(hx)
    assert hx.read_once(1.0) == expected
    assert model.last.settled


def test_library_read_and_tare_use_the_safe_path():
    hx, model, _ = one_cell(load=lambda t: 0.5, offset=1000.0, scale=20_000.0)
    settle(hx)
    assert hx.tare(4) == 11_000
    before = model.reads
    assert hx.read() == 0  # the library's read(): tare subtracted, one conversion per reading
    assert model.reads == before + 1


def test_first_reads_after_reset_are_unsettled_then_correct():
    hx, model, _ = one_cell(load=lambda t: 1.0, scale=20_000.0)
    flags = []
    for _ in range(6):
        hx.read_once(1.0)
        flags.append(model.last.settled)
    assert flags == [False] * 4 + [True] * 2
    assert hx.read_once(1.0) == 20_000


@pytest.mark.parametrize("gain, channel_gain, expected", [(128, 128, 20_000), (64, 64, 10_000), (32, 32, 0)])
def test_gain_selects_pulses_channel_and_gain(gain, channel_gain, expected):
    hx, model, _ = one_cell(gain=gain, load=lambda t: 1.0, scale=20_000.0)
    assert hx.pulses == GAIN_PULSES[gain] == {128: 25, 64: 27, 32: 26}[gain]
    settle(hx, 6)  # one read at the power-up default (A128) + 4 settling at the new gain
    assert model.gain == channel_gain
    assert model.last.settled and model.last.gain == channel_gain
    assert hx.read_once(1.0) == expected  # channel B has nothing connected in the model
    assert model.protocol_errors == 0 and model.incomplete_reads == 0


def test_library_read_refuses_a_gain_change():
    hx, _, _ = one_cell()
    with pytest.raises(ValueError, match="fixed gain"):
        hx.read(GAIN_PULSES[32])


def test_wait_ready_sleeps_and_times_out_on_an_unplugged_cell():
    hx, model, clock = one_cell()
    model.fault = "unplugged"
    sleeps = []
    hx._sleep = lambda s: (sleeps.append(s), clock.sleep(s))
    with pytest.raises(NotReady, match="0.5 s"):
        hx.wait_ready(0.5)
    # it waited by sleeping ~1 ms at a time (about 500 polls), not by spinning
    assert 400 <= len(sleeps) <= 600 and all(s == pytest.approx(0.001) for s in sleeps)


def _stall_on_rising_edge(model: HX711Model, clock: FakeClock, edge: int, seconds: float) -> None:
    """Make the OS 'preempt' the driver for ``seconds`` while SCK is high on the ``edge``-th rise."""
    orig, count = model.sck, [0]

    def sck(level):
        orig(level)
        if level:
            count[0] += 1
            if count[0] == edge:
                clock.advance(seconds)

    model.sck = sck


def test_preemption_with_sck_high_is_detected_and_the_chip_recovers():
    hx, model, clock = one_cell(load=lambda t: -0.25, scale=20_000.0)
    settle(hx)
    downs = model.power_downs
    _stall_on_rising_edge(model, clock, edge=10, seconds=100e-6)
    with pytest.raises(PowerDownDuringRead, match="100 us"):
        hx.read_once(1.0)
    assert model.power_downs == downs + 1 and model.gain == 128
    # after the reset: settling reads, then correct values again
    flags = []
    for _ in range(5):
        hx.read_once(1.0)
        flags.append(model.last.settled)
    assert flags == [False] * 4 + [True]
    assert hx.read_once(1.0) == -5000


def test_a_short_high_phase_does_not_power_down():
    hx, model, clock = one_cell(load=lambda t: 0.1, scale=20_000.0)
    settle(hx)
    _stall_on_rising_edge(model, clock, edge=3, seconds=30e-6)
    assert hx.read_once(1.0) == 2000
    assert model.power_downs == 1  # only the library's reset at start


def test_model_mixes_two_conversions_when_a_read_outlasts_the_period():
    # A pause with SCK *low* does not power the chip down, but if the next
    # conversion lands mid-read the datasheet's "read before the next update"
    # is broken: the model counts an incomplete read and the value is a mix.
    hx, model, clock = one_cell(load=lambda t: 0.0 if t < 1000.2 else 100.0, scale=20_000.0)
    settle(hx)
    clock.advance(0.2 - (clock() - 1000.0))
    count = [0]

    class SlowDout:  # the pause falls between bits, while SCK is low (DOUT being read)
        @property
        def dout(self):
            count[0] += 1
            if count[0] == 12:
                clock.advance(1 / 80)
            return model.dout

    hx._dout_pin.model = SlowDout()
    value = hx.read_once(1.0)
    assert model.incomplete_reads == 1
    assert value not in (0, 2_000_000)


def test_slow_cell_still_reads_at_its_own_pace():
    hx, model, clock = one_cell(load=lambda t: 0.2, scale=20_000.0)
    settle(hx)
    model.fault = "slow"
    t0 = clock()
    values = [hx.read_once(1.0) for _ in range(10)]
    assert values == [4000] * 10
    assert clock() - t0 == pytest.approx(10 * 4 / 80, rel=0.05)


def test_stuck_and_frozen_models_read_back_their_value():
    hx, model, _ = one_cell()
    settle(hx)
    model.fault = "stuck"
    assert [hx.read_once(1.0) for _ in range(3)] == [RAIL_HIGH] * 3
    model.fault = "frozen"
    assert [hx.read_once(1.0) for _ in range(3)] == [model.frozen_value] * 3
