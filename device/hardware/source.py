"""The hardware FrameSource: four HX711, one per corner, read into frames of raw counts.

Each cell's HX711 free-runs at the RATE pin's 10 or 80 SPS on its own
oscillator, so the four are not in step.  :class:`HardwareSource` polls the
four DOUT lines (a ~1 ms sleep between polls, no busy wait), reads each cell
as soon as it is ready, and emits a :class:`~device.frames.Frame` when

- every working cell has a new reading, or
- a cell is ready with its *next* reading before the others caught up (so no
  reading is ever overwritten: the frame rate follows the fastest cell), or
- two sample periods passed without a frame (so frames keep coming, with held
  values, even when every cell is dead).

A frame carries each cell's latest reading in raw signed counts and the
monotonic time it was assembled.

Faults.  At start-up (:meth:`HardwareSource.open`) a cell that never gets
ready, sits at a rail or does not change raises :class:`SensorFault` naming
the corner and its GPIOs.  Mid-session the source does not stop: the
:class:`CellHealth` of that cell emits a ``sensor_fault`` event (docs/events.md)
with ``ok: false``, the frames carry the cell's **last good value, held**
(finite, so the analysis never sees NaN; the event tells the service which
values are held), and when the cell reads plausibly again a second event with
``ok: true`` reports the recovery.  Events go to :attr:`HardwareSource.faults`
(a deque the consumer pops) and to the optional ``on_fault`` callback.
"""

from __future__ import annotations

import collections
import time
from typing import Any, Callable, Iterator, Mapping

from ..frames import CELLS, CellCalibration, Frame, SourceInfo
from .errors import SensorFault, where
from .hx711 import RAIL_HIGH, RAIL_LOW, LinuxHX711, NotReady, PowerDownDuringRead

#: counts per kg assumed when no calibration is stored (4-wire 50 kg cell,
#: 1 mV/V, 3.3 V excitation, gain 128): frames in counts need *some* scale.
NOMINAL_COUNTS_PER_KG = 20_000.0


class CellHealth:
    """Judges one cell's readings; pure logic, fed by the source.

    - the first ``settle_reads`` readings after start, a power-down or a
      recovery are dropped (the datasheet's settling, plus one read for a
      gain change at 64/32);
    - ``rail_reads`` readings in a row at 0x7FFFFF or -0x800000: fault ``rail``;
    - ``frozen_reads`` identical readings in a row: fault ``frozen``;
    - no reading for ``ready_timeout_s``: fault ``not_ready``.

    :meth:`reading` and :meth:`check` return a ``sensor_fault`` event dict
    when the cell fails or recovers, else None.  :attr:`value` is the value
    a frame should carry (the last good one).
    """

    def __init__(self, cell: str, dout: int, sck: int, *, ready_timeout_s: float,
                 settle_reads: int = 5, rail_reads: int = 8, frozen_reads: int = 40) -> None:
        self.cell, self.dout, self.sck = cell, dout, sck
        self.ready_timeout_s = ready_timeout_s
        self.settle_reads, self.rail_reads, self.frozen_reads = settle_reads, rail_reads, frozen_reads
        self.value: float | None = None
        self.fault: SensorFault | None = None
        self.last_read_t: float | None = None
        self._settle = settle_reads
        self._rail_run = 0
        self._same_run = 0
        self._prev: int | None = None
        self._waking = False
        self.dropped = 0

    def start(self, t: float) -> None:
        self.last_read_t = t

    def power_down(self) -> None:
        """The chip may have reset: settle again."""
        self._settle = self.settle_reads
        self.dropped += 1

    def _fail(self, t: float, kind: str, detail: str) -> dict | None:
        if self.fault is not None and self.fault.kind == kind:
            return None
        self.fault = SensorFault(self.cell, self.dout, self.sck, kind, detail)
        return self.fault.event(t)

    def _recover(self, t: float) -> dict | None:
        if self.fault is None:
            return None
        was, self.fault = self.fault, None
        return {"type": "sensor_fault", "t": t, "cell": self.cell, "gpio": self.dout,
                "kind": was.kind, "ok": True,
                "message": f"{where(self.cell, self.dout, self.sck)}: reading again (was: {was.detail})"}

    def reading(self, t: float, counts: int) -> dict | None:
        """A new reading arrived; returns an event on failure or recovery."""
        self.last_read_t = t
        if self.fault is not None and self.fault.kind == "not_ready" and not self._waking:
            self._waking = True  # it answers again, but was off: settle before trusting it
            self._settle = self.settle_reads
        if self._settle > 0:
            self._settle -= 1
            self.dropped += 1
            return None
        self._rail_run = self._rail_run + 1 if counts in (RAIL_HIGH, RAIL_LOW) else 0
        self._same_run = self._same_run + 1 if counts == self._prev else 1
        self._prev = counts
        if self._rail_run >= self.rail_reads:
            top = "top" if counts == RAIL_HIGH else "bottom"
            return self._fail(t, "rail", f"reads {counts} ({counts & 0xFFFFFF:#08x}, the {top} of the "
                              f"range) {self._rail_run} times in a row: a loose or broken wire between "
                              f"the load cell and the HX711 (E+/E-/A+/A-), or the cell is overloaded")
        if self._same_run >= self.frozen_reads:
            return self._fail(t, "frozen", f"returned exactly {counts} {self._same_run} times in a row: "
                              f"a live load cell always shows some noise; the HX711 may be latched up "
                              f"(power-cycle it) or DOUT is shorted")
        if self._rail_run:
            return None  # a rail reading or a few: hold the last good value
        self.value = counts
        self._waking = False
        return self._recover(t)

    def check(self, t: float) -> dict | None:
        """Called while waiting: a fault if the cell has been silent too long."""
        if self.last_read_t is None or t - self.last_read_t <= self.ready_timeout_s:
            return None
        return self._fail(t, "not_ready", f"no reading for {t - self.last_read_t:.1f} s (ready "
                          f"timeout {self.ready_timeout_s:g} s): DOUT stays high. Check the board's "
                          f"VCC and GND, the DT wire to GPIO {self.dout}, the SCK wire to GPIO "
                          f"{self.sck}, and [pins.{self.cell}] in the config")


class HardwareSource:
    """Four HX711 as a FrameSource of raw counts (see the module docstring).

    Build it with :meth:`from_settings`; the constructor takes already-made
    drivers so tests and the doctor can wire their own.

    :param drivers: corner -> (:class:`LinuxHX711`, dout GPIO, sck GPIO).
    :param info: the SourceInfo to expose (units ``counts``).
    :param closers: things to ``close()`` with the source (gpiozero devices).
    """

    def __init__(self, drivers: Mapping[str, tuple[LinuxHX711, int, int]], info: SourceInfo, *,
                 rate_hz: int = 80, ready_timeout_s: float = 0.5,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, poll_s: float = 0.001,
                 on_fault: Callable[[dict], None] | None = None, closers: tuple = (),
                 health_options: Mapping[str, Any] | None = None) -> None:
        self.drivers = {c: drivers[c][0] for c in CELLS}
        self.health = {c: CellHealth(c, drivers[c][1], drivers[c][2], ready_timeout_s=ready_timeout_s,
                                     **(health_options or {})) for c in CELLS}
        self.info = info
        self.rate_hz = rate_hz
        self.period = 1.0 / rate_hz
        self.ready_timeout_s = ready_timeout_s
        self._clock, self._sleep, self.poll_s = clock, sleep, poll_s
        self.on_fault = on_fault
        self.faults: collections.deque[dict] = collections.deque(maxlen=256)
        self._closers = closers
        self._closed = False
        self._fresh = dict.fromkeys(CELLS, False)
        self.frames = 0
        self.reads = dict.fromkeys(CELLS, 0)

    # -- construction ----------------------------------------------------------

    @classmethod
    def from_settings(cls, settings, *, pin_factory=None, clock: Callable[[], float] = time.monotonic,
                      sleep: Callable[[float], None] = time.sleep, on_fault=None, calibration=None,
                      check: bool = True, **options) -> "HardwareSource":
        """The source for ``settings``: pins from ``[pins.*]``, rate/gain/timeout from ``[sensor]``.

        ``pin_factory``: a gpiozero factory (default: lgpio on ``[sensor]
        gpiochip``; tests and ``--emulate`` pass an EmulatedMat's MockFactory).
        ``calibration``: a :class:`device.calibration.Calibration`, else the
        stored one, else nominal (tare from the first readings).
        ``check``: run :meth:`open`'s start-up checks (raise on a dead cell).
        """
        from gpiozero import DigitalInputDevice, DigitalOutputDevice

        sensor = settings.sensor
        if pin_factory is None:
            from .gpio import open_factory

            pin_factory = open_factory(sensor.gpiochip)
        drivers, closers = {}, []
        try:
            for c in CELLS:
                pins = getattr(settings.pins, c)
                dout = DigitalInputDevice(pins.dout, pull_up=True, pin_factory=pin_factory)
                closers.append(dout)
                sck = DigitalOutputDevice(pins.sck, initial_value=False, pin_factory=pin_factory)
                closers.append(sck)
                hx = LinuxHX711(dout, sck, gain=sensor.gain, clock=clock, sleep=sleep)
                drivers[c] = (hx, pins.dout, pins.sck)
        except Exception:
            for d in closers:
                d.close()
            raise
        if calibration is None:
            from ..calibration import load_calibration

            try:
                calibration = load_calibration(settings.data_dir)
            except Exception:  # an unreadable store must not stop the mat; say so in metadata
                calibration = None
        metadata = {"source": "hardware", "gain": str(sensor.gain)}
        cal = None
        if calibration is not None:
            cal = calibration.cells()
            metadata.update(calibrated=calibration.created, calibration_mode=calibration.mode)
        info = SourceInfo(units="counts", rate_hz=sensor.rate_hz, width_m=settings.mat.width_m,
                          length_m=settings.mat.length_m, exercise=settings.analysis.exercise,
                          calibration=cal or {c: CellCalibration(0.0, NOMINAL_COUNTS_PER_KG)
                                              for c in CELLS}, metadata=metadata)
        source = cls(drivers, info, rate_hz=sensor.rate_hz, ready_timeout_s=sensor.ready_timeout_s,
                     clock=clock, sleep=sleep, on_fault=on_fault, closers=tuple(closers), **options)
        if check:
            try:
                source.open(nominal_tare=cal is None)
            except Exception:
                source.close()
                raise
        return source

    # -- start-up ---------------------------------------------------------------

    def open(self, reads: int = 16, nominal_tare: bool = False) -> dict[str, list[int]]:
        """Start-up check: every cell answers, settles and gives ``reads`` live readings.

        Raises :class:`SensorFault` for the first cell that does not (a dead
        cell, a rail, a frozen value).  Returns the readings per cell.
        With ``nominal_tare`` the uncalibrated SourceInfo takes its tare from them.
        """
        got = self.collect(reads)
        for c, values in got.items():
            self.judge(c, values)
            self.health[c].value = values[-1]
        if nominal_tare:
            cal = {c: CellCalibration(sum(v) / len(v), NOMINAL_COUNTS_PER_KG) for c, v in got.items()}
            self.info.calibration = cal
            self.info.metadata["calibrated"] = "no (nominal scale, tare at start)"
        return got

    def judge(self, cell: str, values: list[int]) -> None:
        """Raise :class:`SensorFault` if a run of readings is all rails or all identical."""
        h = self.health[cell]
        if values and all(v in (RAIL_HIGH, RAIL_LOW) for v in values):
            raise SensorFault(cell, h.dout, h.sck, "rail",
                              f"reads {values[-1]} (a rail) on every one of {len(values)} readings: a "
                              f"loose or broken wire between the load cell and the HX711 (E+/E-/A+/A-), "
                              f"or the cell is overloaded")
        if len(values) >= 8 and len(set(values)) == 1:
            raise SensorFault(cell, h.dout, h.sck, "frozen",
                              f"returned exactly {values[0]} on all {len(values)} readings: a live cell "
                              f"always shows noise; power-cycle the HX711, check DOUT for a short")

    def collect(self, n: int, cells=CELLS, settle: bool = True) -> dict[str, list[int]]:
        """``n`` readings from each of ``cells``, interleaved as they become ready.

        With ``settle`` the settling reads are dropped first (after start-up
        or a power-down; a read that may have powered the chip down always
        restarts the settling).  A cell silent for ``ready_timeout_s`` raises
        :class:`SensorFault` (``not_ready``).
        """
        out: dict[str, list[int]] = {c: [] for c in cells}
        skip = {c: self.health[c].settle_reads if settle else 0 for c in cells}
        last = {c: self._clock() for c in cells}
        while any(len(out[c]) < n for c in cells):
            progressed = False
            now = self._clock()
            for c in cells:
                if len(out[c]) >= n:
                    continue
                hx, h = self.drivers[c], self.health[c]
                if hx.ready:
                    try:
                        v = hx.read_raw()
                    except PowerDownDuringRead:
                        skip[c] = h.settle_reads
                        continue
                    last[c] = self._clock()
                    progressed = True
                    if skip[c] > 0:
                        skip[c] -= 1
                    else:
                        out[c].append(v)
                elif now - last[c] > self.ready_timeout_s:
                    raise SensorFault(c, h.dout, h.sck, "not_ready",
                                      f"no data within {self.ready_timeout_s:g} s: DOUT never went low. "
                                      f"Check the board's VCC and GND, the DT wire to GPIO {h.dout}, "
                                      f"the SCK wire to GPIO {h.sck}, and [pins.{c}] in the config")
            if not progressed:
                self._sleep(self.poll_s)
        return out

    # -- frames -------------------------------------------------------------------

    def _emit(self, event: dict | None) -> None:
        if event is None:
            return
        self.faults.append(event)
        if self.on_fault is not None:
            self.on_fault(event)

    def _frame(self) -> Frame:
        self._fresh = dict.fromkeys(CELLS, False)
        self.frames += 1
        v = [self.health[c].value for c in CELLS]
        return Frame(self._clock(), *(float(x) if x is not None else float("nan") for x in v))

    def __iter__(self) -> Iterator[Frame]:
        now = self._clock()
        for h in self.health.values():
            h.start(now)
        last_frame = now
        while not self._closed:
            progressed = False
            for c in CELLS:
                hx, h = self.drivers[c], self.health[c]
                if not hx.ready:
                    self._emit(h.check(self._clock()))
                    continue
                if self._fresh[c]:
                    # c has its next reading before the others caught up: emit first.
                    last_frame = self._clock()
                    yield self._frame()
                    if self._closed:
                        return
                try:
                    counts = hx.read_raw()
                except PowerDownDuringRead:
                    h.power_down()
                    continue
                self.reads[c] += 1
                progressed = True
                self._emit(h.reading(self._clock(), counts))
                if h.fault is None:
                    self._fresh[c] = True
            now = self._clock()
            working = [c for c in CELLS if self.health[c].fault is None]
            if (working and all(self._fresh[c] for c in working)) or now - last_frame >= 2 * self.period:
                last_frame = now
                yield self._frame()
            elif not progressed:
                self._sleep(self.poll_s)

    def close(self) -> None:
        """Stop iteration and release the pins."""
        self._closed = True
        for d in self._closers:
            try:
                d.close()
            except Exception:
                pass
        self._closers = ()

    def __enter__(self) -> "HardwareSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
