"""A pin-level model of the HX711, for tests and ``smartmat doctor --emulate``.

:class:`HX711Model` follows the datasheet (Avia Semiconductor HX711, rev 2.0):

- DOUT is high while a conversion is in progress and goes low when one is
  ready, at the RATE pin's 10 or 80 samples per second.
- Each rising edge of PD_SCK shifts out one bit of the 24-bit two's
  complement result, MSB first.  DOUT then stays high from the 25th edge.
- The number of pulses in a read, 25, 26 or 27, selects the channel and gain
  of the *next* conversion: channel A gain 128, channel B gain 32, channel A
  gain 64.
- PD_SCK held high for more than 60 us powers the chip down; the read in
  flight is lost.  When PD_SCK goes low again the chip resets to channel A
  gain 128 and restarts.
- After power-up and after any channel or gain change the output needs time
  to settle: here the first ``settle_periods`` conversions (4, i.e. 50 ms at
  80 SPS, the datasheet's settling time) are not valid.
- A new conversion overwrites the data; a read that is not finished by then
  returns a mix of two conversions.

The value of a conversion comes from a load function (kg on the cell at time
``t``) through an offset and a scale in counts per kg, plus Gaussian noise.
Faults, settable at any time through :attr:`HX711Model.fault`:

``"unplugged"``  DOUT floats high (the driver pulls it up): never ready.
``"stuck"``      every conversion reads a rail (0x7FFFFF): open bridge/overload.
``"frozen"``     every conversion reads the same value: a latched-up chip.
``"slow"``       conversions come ``slow_factor`` times later than they should.

Time comes from an injectable ``clock`` (default :func:`time.monotonic`);
tests pass a :class:`FakeClock` so nothing depends on the machine's speed.

The model is wired to real driver code through gpiozero's mock pins, in the
pattern of gpiozero's own ``MockChargingPin``: :class:`HX711ClockPin` forwards
every SCK edge to the model and :class:`HX711DataPin` reads DOUT from it.
:class:`EmulatedMat` puts four models on a :class:`gpiozero.pins.mock.MockFactory`
at the pins of a pin map, so :class:`~device.hardware.source.HardwareSource`
runs against it unchanged.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Callable, Mapping

from gpiozero.pins.mock import MockFactory, MockPin

POWER_DOWN_S = 60e-6
RAIL_HIGH = 0x7FFFFF
RAIL_LOW = -0x800000
#: pulses per read -> (channel, gain) of the next conversion
PULSES = {25: ("A", 128), 26: ("B", 32), 27: ("A", 64)}
FAULTS = (None, "unplugged", "stuck", "frozen", "slow")


class FakeClock:
    """A clock that moves only when told: ``clock()``, ``clock.sleep(s)``, ``clock.advance(s)``.

    Give the same instance to the model (``clock=``) and to the driver
    (``clock=``, ``sleep=clock.sleep``): the driver's waits then advance model
    time exactly, and a test runs in microseconds whatever the machine.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    def sleep(self, seconds: float) -> None:
        # Like the OS, a sleep takes at least a little time even when asked for 0.
        self.advance(max(seconds, 1e-6))


@dataclass(frozen=True)
class Conversion:
    """One conversion as shifted out: its index since power-up, time, value and validity."""

    index: int
    t: float
    value: int
    gain: int
    settled: bool


class HX711Model:
    """One HX711 with its load cell, driven by SCK edges (see the module docstring).

    :param load: kg on the cell at time ``t`` (model clock).
    :param offset: counts at zero load (the cell's tare), channel A gain 128.
    :param scale: counts per kg at channel A gain 128.
    :param noise_counts: standard deviation of the Gaussian noise, in counts.
    """

    def __init__(self, *, rate_hz: int = 80, load: Callable[[float], float] = lambda t: 0.0,
                 offset: float = 0.0, scale: float = 20_000.0, noise_counts: float = 40.0,
                 settle_periods: int = 4, slow_factor: float = 4.0, frozen_value: int = 123_456,
                 stuck_value: int = RAIL_HIGH, seed: int = 0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate_hz not in (10, 80):
            raise ValueError(f"rate_hz must be 10 or 80 (the RATE pin), got {rate_hz}")
        self.rate_hz = rate_hz
        self.load = load
        self.offset = offset
        self.scale = scale
        self.noise_counts = noise_counts
        self.settle_periods = settle_periods
        self.slow_factor = slow_factor
        self.frozen_value = frozen_value
        self.stuck_value = stuck_value
        self.clock = clock
        self._rng = random.Random(seed)
        self._fault: str | None = None
        self._sck_high = False
        self._sck_high_since = 0.0
        #: counters a test or the bench can read
        self.power_downs = 0
        self.reads = 0
        self.incomplete_reads = 0
        self.protocol_errors = 0
        self.last: Conversion | None = None
        self._ready: Conversion | None = None
        self._power_up(clock())
        self.power_downs = 0

    # -- state ---------------------------------------------------------------

    @property
    def fault(self) -> str | None:
        return self._fault

    @fault.setter
    def fault(self, value: str | None) -> None:
        if value not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}, got {value!r}")
        now = self.clock()
        self._update(now)
        was = self._fault
        self._rebase(now)
        self._fault = value
        self._ready = None
        if was == "unplugged" and value != "unplugged":
            self._power_up(now)  # plugged back in: a fresh power-up, settling again

    @property
    def period(self) -> float:
        base = 1.0 / self.rate_hz
        return base * self.slow_factor if self._fault == "slow" else base

    @property
    def powered(self) -> bool:
        self._update(self.clock())
        return self._powered

    @property
    def gain(self) -> int:
        """The gain of the next conversion (128 after power-up)."""
        return self._gain

    @property
    def dout(self) -> bool:
        """The DOUT line now: False (low) means a conversion is ready."""
        now = self.clock()
        self._update(now)
        if self._fault == "unplugged" or not self._powered:
            return True
        if self._pulses:
            if self._pulses <= 24:
                return bool((self._bits >> (24 - self._pulses)) & 1)
            return True
        k = self._index(now)
        if k <= self._latched:
            return True
        self._latch(k)
        return False

    # -- SCK edges -----------------------------------------------------------

    def sck(self, level: bool) -> None:
        """Called on every change of the SCK line."""
        now = self.clock()
        self._update(now)
        if level:
            self._sck_high, self._sck_high_since = True, now
            if self._fault != "unplugged" and self._powered:
                self._rising(now)
        else:
            self._sck_high = False
            if not self._powered and self._fault != "unplugged":
                self._power_up(now)

    def _rising(self, now: float) -> None:
        if self._pulses == 0:
            k = self._index(now)
            if k <= self._latched:
                return  # not ready: the chip ignores the pulse
            self.last = self._latch(k)
            self._ready = None
            self._latched = k
            self._bits = self.last.value & 0xFFFFFF
            self._pulses = 1
            self.reads += 1
            return
        self._pulses += 1
        if self._pulses > 27:
            self.protocol_errors += 1

    # -- internals -----------------------------------------------------------

    def _power_up(self, now: float) -> None:
        self._powered = True
        self._epoch_t, self._epoch_index = now, 0
        self._latched = 0
        self._pulses = 0
        self._bits = 0
        self._gain = 128
        self._ready = None
        self._settled_after = self.settle_periods
        self.power_downs += 1

    def _index(self, now: float) -> int:
        """Conversions completed since power-up."""
        return self._epoch_index + int(math.floor((now - self._epoch_t) / self.period + 1e-9))

    def _rebase(self, now: float) -> None:
        """Keep the conversion count continuous across a change of period."""
        k = self._index(now)
        self._epoch_t = self._epoch_t + (k - self._epoch_index) * self.period
        self._epoch_index = k

    def _update(self, now: float) -> None:
        if self._sck_high and self._powered and now - self._sck_high_since > POWER_DOWN_S:
            self._powered = False  # power down: everything in flight is lost
            self._pulses = 0
            return
        if self._powered and self._pulses and self._index(now) > self._latched:
            self._finish_read()

    def _finish_read(self) -> None:
        if self._pulses in PULSES:
            gain = PULSES[self._pulses][1]
            if gain != self._gain:
                self._gain = gain
                self._settled_after = self._latched + self.settle_periods
        elif self._pulses < 25:
            self.incomplete_reads += 1
        self._pulses = 0

    def _latch(self, k: int) -> Conversion:
        """Conversion ``k``, made once: when DOUT first shows it ready, as the chip does.

        Computing it there rather than on the first SCK edge keeps the model's
        own cost out of the SCK high phase that the 60 us power-down times.
        """
        if self._ready is None or self._ready.index != k:
            self._ready = self._convert(k)
        return self._ready

    def _convert(self, k: int) -> Conversion:
        t = self._epoch_t + (k - self._epoch_index) * self.period
        settled = k > self._settled_after
        if self._fault == "stuck":
            value = self.stuck_value
        elif self._fault == "frozen":
            value = self.frozen_value
        else:
            g = self._gain / 128.0
            kg = self.load(t) if self._gain != 32 else 0.0  # channel B: nothing connected
            v = (self.offset + self.scale * kg) * g + self._rng.gauss(0.0, self.noise_counts)
            if not settled:
                v += self._rng.uniform(-2.0**22, 2.0**22)
            value = int(round(min(max(v, RAIL_LOW), RAIL_HIGH)))
        return Conversion(k, t, value, self._gain, settled)

    def __repr__(self) -> str:
        return f"<HX711Model {self.rate_hz} SPS gain {self._gain} fault={self._fault}>"


# -- gpiozero mock pins -------------------------------------------------------------


class HX711ClockPin(MockPin):
    """A mock output pin wired to a model's PD_SCK: every edge goes to :meth:`HX711Model.sck`.

    Unlike :class:`MockPin` it keeps no history of states (SCK toggles
    thousands of times a second).
    """

    def __init__(self, factory, info, model: HX711Model | None = None):
        super().__init__(factory, info)
        self.model = model

    def _change_state(self, value):
        if self._state == value:
            return False
        self._state = value
        if self.model is not None:
            self.model.sck(value)
        return True


class HX711DataPin(MockPin):
    """A mock input pin wired to a model's DOUT: reading its state asks the model."""

    def __init__(self, factory, info, model: HX711Model | None = None):
        super().__init__(factory, info)
        self.model = model

    def _get_state(self):
        if self.model is None:
            return self._state
        return self.model.dout


class ValuePin:
    """A Blinka ``digitalio.DigitalInOut``-like pin (``.value``) over a gpiozero pin.

    Enough for adafruit's ``HX711`` class and its stock ``read_fast``.
    """

    def __init__(self, pin) -> None:
        self.pin = pin

    @property
    def value(self) -> bool:
        return bool(self.pin.state)

    @value.setter
    def value(self, level: bool) -> None:
        self.pin.state = bool(level)


# -- four cells on a mock factory ---------------------------------------------------

#: per-corner offset and counts/kg of the emulated cells: realistic spread, as
#: four cells of one batch never match (4-wire 50 kg cells, 3.3 V excitation).
EMULATED_CELLS = {
    "fl": (8_150.0, 21_300.0),
    "fr": (-15_420.0, 20_150.0),
    "bl": (31_900.0, 22_050.0),
    "br": (-2_310.0, 19_800.0),
}


class EmulatedMat:
    """Four modelled HX711 on a gpiozero MockFactory, at the pins of a pin map.

    ``pins`` maps corner -> (dout, sck).  ``swap=("fl", "fr")`` wires the fl
    cell's board to fr's pins and vice versa (a crossed cable), which
    ``smartmat doctor``'s wiring check must catch.  The load on each physical
    corner is :attr:`kg` (the board's own weight by default) and can be
    changed at any time with :meth:`press` / :meth:`release`.
    """

    def __init__(self, pins: Mapping[str, tuple[int, int]], *, rate_hz: int = 80,
                 clock: Callable[[], float] = time.monotonic, swap: tuple[str, ...] = (),
                 board_kg: float = 2.0, noise_counts: float = 40.0, seed: int = 0,
                 factory: MockFactory | None = None) -> None:
        if swap and (len(swap) != 2 or not set(swap) <= set(pins)):
            raise ValueError(f"swap takes two corners, got {swap!r}")
        self.factory = factory or MockFactory()
        self.clock = clock
        self.board_kg = board_kg
        self.kg: dict[str, float] = {c: board_kg for c in pins}
        self.models: dict[str, HX711Model] = {}
        wired = dict(pins)
        if swap:
            a, b = swap
            wired[a], wired[b] = pins[b], pins[a]
        self.wired = wired  # physical corner -> the (dout, sck) its cable reaches
        for i, corner in enumerate(pins):
            offset, scale = EMULATED_CELLS.get(corner, (0.0, 20_000.0))
            model = HX711Model(rate_hz=rate_hz, load=self._load_of(corner), offset=offset,
                               scale=scale, noise_counts=noise_counts, seed=seed * 10 + i,
                               clock=clock)
            dout, sck = wired[corner]
            self.factory.pin(dout, pin_class=HX711DataPin, model=model)
            self.factory.pin(sck, pin_class=HX711ClockPin, model=model)
            self.models[corner] = model

    def _load_of(self, corner: str) -> Callable[[float], float]:
        return lambda t: self.kg[corner]

    def press(self, corner: str, kg: float) -> None:
        """Put ``kg`` on ``corner`` (on top of the board)."""
        self.kg[corner] = self.board_kg + kg

    def release(self, corner: str | None = None) -> None:
        for c in [corner] if corner else list(self.kg):
            self.kg[c] = self.board_kg

    def fault(self, corner: str, kind: str | None) -> None:
        self.models[corner].fault = kind

    def close(self) -> None:
        self.factory.reset()
