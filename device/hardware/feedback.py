"""Physical controls: one button in, a status LED and a buzzer out (gpiozero).

The user lies face down on the mat and cannot watch a phone, so the mat
answers by sound and light:

========================  ===================================================
button, short press       start/stop a set (``on_toggle_set()``)
button, long press        tare (``on_tare()``), after ``[controls] long_press_s``
LED steady                ready
LED slow blink (1 Hz)     a set is being recorded
LED fast blink (5 Hz)     a sensor fault (until every cell recovers)
one short beep            a rep counted (``[controls] beep_per_rep``)
three quick beeps         hip tilt in the rep that just ended
one long beep             momentum: the leg was swung or dropped
two medium beeps          back arched
two long beeps            a cell failed (with the fast-blinking LED)
========================  ===================================================

Beep patterns queue up and play in order (a rep's beep is not cut short by
the fault that follows it), on one small thread.  Each control is optional:
``None`` in ``[controls]`` means not fitted.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

#: beep patterns: (on_s, off_s) pairs
PATTERNS: dict[str, tuple[tuple[float, float], ...]] = {
    "rep": ((0.06, 0.10),),
    "tilt": ((0.05, 0.07),) * 3,
    "momentum": ((0.60, 0.15),),
    "arch": ((0.20, 0.12),) * 2,
    "sensor_fault": ((0.40, 0.25),) * 2,
}
#: LED modes: (on_s, off_s) for blinking, None for steady
LED_MODES = {"off": None, "ready": None, "recording": (0.5, 0.5), "fault": (0.1, 0.1)}


class BeepPlayer:
    """Plays beep patterns one after another on a gpiozero output, on its own thread."""

    def __init__(self, device) -> None:
        self.device = device
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="smartmat-beeper", daemon=True)
        self._thread.start()

    def play(self, pattern: tuple[tuple[float, float], ...]) -> None:
        self._idle.clear()
        self._queue.put(pattern)

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                pattern = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            for on_s, off_s in pattern:
                self.device.on()
                stopped = self._stop.wait(on_s)
                self.device.off()
                if stopped or self._stop.wait(off_s):
                    break
            if self._queue.empty():
                self._idle.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._idle.set()


class Feedback:
    """Button, LED and buzzer for the device service.

    :param settings: :class:`device.config.Settings`; pins from ``[controls]``.
    :param on_toggle_set: called (from gpiozero's thread) on a short press.
    :param on_tare: called on a long press.
    :param pin_factory: a gpiozero pin factory (tests: ``MockFactory()``).

    Feed it the analysis and service events with :meth:`handle`.
    """

    def __init__(self, settings, on_toggle_set: Callable[[], None], on_tare: Callable[[], None],
                 pin_factory=None) -> None:
        from gpiozero import LED, Button, Buzzer

        c = settings.controls
        self.beep_per_rep = c.beep_per_rep
        self.on_toggle_set, self.on_tare = on_toggle_set, on_tare
        self.button = self.led = self.buzzer = None
        self._player: BeepPlayer | None = None
        self._held = False
        self._recording = False
        self._faulted: set[str] = set()
        self.led_mode = "off"
        try:
            if c.button is not None:
                self.button = Button(c.button, pull_up=True, hold_time=c.long_press_s,
                                     pin_factory=pin_factory)
                self.button.when_pressed = self._pressed
                self.button.when_held = self._held_down
                self.button.when_released = self._released
            if c.led is not None:
                self.led = LED(c.led, pin_factory=pin_factory)
            if c.buzzer is not None:
                self.buzzer = Buzzer(c.buzzer, pin_factory=pin_factory)
                self._player = BeepPlayer(self.buzzer)
        except Exception:
            self.close()
            raise
        self._set_led("ready")

    # -- button ---------------------------------------------------------------

    def _pressed(self) -> None:
        self._held = False

    def _held_down(self) -> None:
        self._held = True
        self.on_tare()

    def _released(self) -> None:
        if not self._held:
            self.on_toggle_set()
        self._held = False

    # -- outputs --------------------------------------------------------------

    def _set_led(self, mode: str) -> None:
        if mode == self.led_mode:
            return
        self.led_mode = mode
        if self.led is None:
            return
        blink = LED_MODES[mode]
        if blink:
            self.led.blink(on_time=blink[0], off_time=blink[1], background=True)
        elif mode == "off":
            self.led.off()
        else:
            self.led.on()

    def _update_led(self) -> None:
        self._set_led("fault" if self._faulted else "recording" if self._recording else "ready")

    def beep(self, name: str) -> None:
        """Play one of :data:`PATTERNS` (queued after any pattern playing)."""
        if self._player is not None:
            self._player.play(PATTERNS[name])

    def handle(self, event: dict) -> None:
        """React to one event of docs/events.md; unknown types are ignored."""
        kind = event.get("type")
        if kind == "rep":
            if self.beep_per_rep:
                self.beep("rep")
        elif kind == "fault":
            if event.get("fault") in ("tilt", "momentum", "arch"):
                self.beep(event["fault"])
        elif kind == "set":
            self._recording = event.get("event") == "start"
        elif kind == "state":
            if event.get("state") == "empty":
                self._recording = False
        elif kind == "sensor_fault":
            cell = event.get("cell", "?")
            if event.get("ok"):
                self._faulted.discard(cell)
            elif cell not in self._faulted:
                self._faulted.add(cell)
                self.beep("sensor_fault")
        self._update_led()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until queued beeps have played (tests, shutdown)."""
        return self._player.wait_idle(timeout) if self._player else True

    def close(self) -> None:
        if self._player is not None:
            self._player.close()
        for dev in (self.button, self.led, self.buzzer):
            if dev is not None:
                dev.close()
