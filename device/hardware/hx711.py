"""The HX711 driver: adafruit's ``HX711`` class with a read that is safe on Linux.

adafruit-circuitpython-hx711 1.1.2 (``adafruit_hx711/hx711.py``) was written
for microcontrollers.  Under Blinka on a Pi its read path cannot be used:

1. ``read_fast`` calls ``microcontroller.disable_interrupts()``, which Blinka's
   ``microcontroller`` does not define: AttributeError on the first read.
2. Between SCK edges it calls ``microcontroller.delay_us(1)``, which Blinka
   implements as ``time.sleep(1e-6)``; on Linux that sleeps 60-90 us (timer
   slack), and it does so while SCK is high.  The HX711 powers down when SCK
   stays high for more than 60 us, so every read is corrupt and the chip
   resets to channel A gain 128.
3. ``_read_channel_raw`` waits with ``while self.is_busy: pass``: a core at
   100% and no timeout when a cell is unplugged.
4. ``read_channel_blocking`` reads twice (a discard read to set the gain),
   which halves the sample rate.
5. Its sign extension ``value |= 0xFF000000`` yields a large positive Python
   int (``-1`` reads as 4294967295), not a negative number.

:class:`LinuxHX711` keeps the class for what it does right (the pins, the
power-down/reset sequence, the channel/gain constants, the tare values) and
replaces the read: no interrupt calls, no sleep while SCK is high (DOUT is
sampled after the falling edge, which the datasheet allows: data is valid
0.1 us after the rising edge and holds until the next one), one read per
sample at a fixed gain, proper two's complement, and a wait for data-ready
that sleeps ~1 ms between polls and gives up after a timeout.

Linux can still preempt the process between the two SCK writes of a bit.  The
read times each high phase and raises :class:`PowerDownDuringRead` when one
may have exceeded the limit, so the caller drops that reading and lets the
chip settle instead of passing on garbage.

Pins are gpiozero devices (``DigitalInputDevice`` for DOUT with the pull-up
on, so an unplugged DOUT reads "not ready"; ``DigitalOutputDevice`` for SCK):
they have the ``.value`` the library expects, and the bit loop uses their
``.pin.state`` directly.  One GPIO stack serves the cells and the button,
LED and buzzer.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import types
from typing import Callable

from .errors import HardwareError


def _import_library():
    """adafruit_hx711's module, imported quietly.

    Blinka's ``microcontroller`` prints a warning on a PC and raises
    NotImplementedError on a board it does not know.  We never call the
    library's read path, which is the only user of ``microcontroller``, so
    in that case a stand-in module with ``delay_us`` is enough to import it.
    """
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            from adafruit_hx711 import hx711 as lib
        return lib
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("adafruit_hx711"):
            raise HardwareError("adafruit-circuitpython-hx711 is not installed: "
                                "pip install adafruit-circuitpython-hx711") from None
        if exc.name != "microcontroller":
            raise
    except NotImplementedError:
        pass
    stub = types.ModuleType("microcontroller")
    stub.delay_us = lambda us: time.sleep(us / 1e6)  # type: ignore[attr-defined]
    sys.modules["microcontroller"] = stub
    from adafruit_hx711 import hx711 as lib
    return lib


_lib = _import_library()
HX711 = _lib.HX711

#: config gain -> SCK pulses per read (the library's constants)
GAIN_PULSES = {128: HX711.CHAN_A_GAIN_128, 64: HX711.CHAN_A_GAIN_64, 32: HX711.CHAN_B_GAIN_32}
RAIL_HIGH = 0x7FFFFF
RAIL_LOW = -0x800000
POWER_DOWN_S = 60e-6
#: a high phase longer than this may have powered the chip down (margin below 60 us)
HIGH_LIMIT_S = 50e-6


class NotReady(HardwareError, TimeoutError):
    """DOUT did not go low in time."""


class PowerDownDuringRead(HardwareError):
    """SCK may have been high for over 60 us during the read: the value is not trustworthy."""

    def __init__(self, high_s: float) -> None:
        self.high_s = high_s
        super().__init__(f"SCK was high for {high_s * 1e6:.0f} us during a read "
                         f"(the HX711 powers down after 60 us); reading dropped")


def to_signed(raw: int) -> int:
    """24-bit two's complement to a Python int: 0x800000 -> -8388608, 0xFFFFFF -> -1."""
    raw &= 0xFFFFFF
    return raw - ((raw & 0x800000) << 1)


class LinuxHX711(HX711):
    """adafruit's HX711 with a Linux-safe read (see the module docstring).

    :param dout: a gpiozero ``DigitalInputDevice`` (pull-up on) on DOUT.
    :param sck: a gpiozero ``DigitalOutputDevice`` on PD_SCK.
    :param gain: 128 or 64 (channel A) or 32 (channel B), fixed for every read.
    :param clock: seconds, monotonic; used to time SCK high phases and timeouts.
    :param sleep: how to wait; tests pass a fake clock's ``sleep``.
    :param poll_s: the sleep between DOUT polls while waiting for data.
    """

    def __init__(self, dout, sck, *, gain: int = 128, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, poll_s: float = 0.001) -> None:
        if gain not in GAIN_PULSES:
            raise ValueError(f"gain must be 128, 64 or 32, got {gain!r}")
        self.pulses = GAIN_PULSES[gain]
        self.gain = gain
        self._clock, self._sleep, self.poll_s = clock, sleep, poll_s
        self._dout_pin, self._sck_pin = dout.pin, sck.pin
        #: the longest SCK high phase of the last read, in seconds
        self.last_high_s = 0.0
        #: reads dropped because SCK may have been high too long
        self.power_downs_detected = 0
        super().__init__(dout, sck)  # library __init__: pins, tare values, _initialize()

    def _initialize(self) -> None:
        """The library's reset (SCK high 1 ms, then low) with the injected sleep."""
        self.power_down(True)
        self._sleep(0.001)
        self.power_down(False)

    @property
    def ready(self) -> bool:
        """True when DOUT is low: a conversion waits to be read."""
        return not self._dout_pin.state

    def wait_ready(self, timeout: float) -> None:
        """Sleep-poll DOUT until it goes low; :class:`NotReady` after ``timeout`` seconds."""
        deadline = self._clock() + timeout
        while self._dout_pin.state:
            if self._clock() >= deadline:
                raise NotReady(f"DOUT stayed high for {timeout:g} s")
            self._sleep(self.poll_s)

    def read_raw(self) -> int:
        """Shift out the ready conversion and return it as a signed int.

        The caller has seen DOUT low.  25/26/27 pulses in all, set by the gain.
        Raises :class:`PowerDownDuringRead` if an SCK high phase may have
        exceeded 60 us.
        """
        sck, dout, clock = self._sck_pin, self._dout_pin, self._clock
        value = 0
        worst = 0.0
        for _ in range(24):
            t0 = clock()
            sck.state = 1
            sck.state = 0
            high = clock() - t0
            value = (value << 1) | dout.state
            if high > worst:
                worst = high
        for _ in range(self.pulses - 24):
            t0 = clock()
            sck.state = 1
            sck.state = 0
            high = clock() - t0
            if high > worst:
                worst = high
        self.last_high_s = worst
        if worst > HIGH_LIMIT_S:
            self.power_downs_detected += 1
            raise PowerDownDuringRead(worst)
        return to_signed(value)

    def read_once(self, timeout: float) -> int:
        """Wait for data (at most ``timeout`` s) and read it: raw signed counts, no tare."""
        self.wait_ready(timeout)
        return self.read_raw()

    # The library's public read path, made Linux-safe: read() and
    # read_channel_blocking() now read once per sample at this driver's gain.

    def read_channel_blocking(self, chan_gain: int) -> int:
        if chan_gain != self.pulses:
            raise ValueError(f"this driver reads at a fixed gain ({self.gain}); "
                             f"a change needs 4+ settling reads (datasheet), make a new driver")
        return self._read_channel(chan_gain)

    def _read_channel_raw(self, chan_gain: int) -> int:
        return self.read_once(timeout=1.0)

    def read(self, chan_gain: int | None = None) -> int:
        """One reading minus the library's tare value (``tare_value_a``/``_b``)."""
        return self.read_channel_blocking(self.pulses if chan_gain is None else chan_gain)

    def tare(self, n: int = 16, timeout: float = 1.0) -> int:
        """Average ``n`` readings into the library's tare value for this channel; return it."""
        total = sum(self.read_once(timeout) for _ in range(n))
        value = round(total / n)
        if self.pulses == HX711.CHAN_B_GAIN_32:
            self.tare_value_b = value
        else:
            self.tare_value_a = value
        return value
