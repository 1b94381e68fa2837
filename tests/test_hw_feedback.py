"""Button, LED and buzzer on gpiozero's MockFactory.

Timing: real gpiozero threads run here, so the tests wait for *events*
(callbacks, queued beeps played) and compare durations only with wide margins
(a 0.6 s beep against 0.05 s ones).
"""

from __future__ import annotations

import threading
import time

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from device.config import Settings
from device.hardware.feedback import Feedback

BUTTON, LED, BUZZER = 17, 27, 22


@pytest.fixture
def factory():
    old = Device.pin_factory
    Device.pin_factory = f = MockFactory()
    yield f
    f.reset()
    Device.pin_factory = old


@pytest.fixture
def fb(factory):
    calls = {"toggle": threading.Event(), "tare": threading.Event(), "n_toggle": 0, "n_tare": 0}

    def toggle():
        calls["n_toggle"] += 1
        calls["toggle"].set()

    def tare():
        calls["n_tare"] += 1
        calls["tare"].set()

    s = Settings().with_overrides(controls={"long_press_s": 0.5})
    f = Feedback(s, toggle, tare)  # pin_factory=None: Device.pin_factory, the MockFactory
    f.calls = calls
    yield f
    f.close()


def pulses(pin) -> list[float]:
    """Durations of the high pulses recorded on a mock pin."""
    out, start = [], None
    t = 0.0
    for st in pin.states:
        t += st.timestamp
        if st.state and start is None:
            start = t
        elif not st.state and start is not None:
            out.append(t - start)
            start = None
    return out


def test_short_press_toggles_the_set(fb, factory):
    pin = factory.pin(BUTTON)
    pin.drive_low()
    time.sleep(0.05)
    pin.drive_high()
    assert fb.calls["toggle"].wait(2)
    time.sleep(0.6)  # past the hold time: a short press must not also tare
    assert fb.calls["n_toggle"] == 1 and fb.calls["n_tare"] == 0


def test_long_press_tares_and_does_not_toggle(fb, factory):
    pin = factory.pin(BUTTON)
    pin.drive_low()
    assert fb.calls["tare"].wait(3)
    pin.drive_high()
    time.sleep(0.1)
    assert fb.calls["n_tare"] == 1 and fb.calls["n_toggle"] == 0


def test_led_steady_when_ready(fb, factory):
    assert fb.led_mode == "ready" and factory.pin(LED).state


def test_led_slow_blink_while_recording_and_fast_on_sensor_fault(fb, factory):
    led = factory.pin(LED)
    fb.handle({"type": "set", "t": 1.0, "event": "start", "set": 1, "leg": "left"})
    assert fb.led_mode == "recording"
    led.clear_states()
    time.sleep(1.3)
    slow = [s.timestamp for s in led.states[2:]]
    fb.handle({"type": "sensor_fault", "t": 2.0, "cell": "fl", "gpio": 5, "message": "x", "ok": False})
    assert fb.led_mode == "fault"
    led.clear_states()
    time.sleep(0.7)
    fast = [s.timestamp for s in led.states[2:]]
    assert len(fast) >= 3 and max(fast) < 0.35  # toggling every ~0.1 s
    assert slow and min(slow) > 0.35  # toggling every ~0.5 s
    fb.handle({"type": "sensor_fault", "t": 3.0, "cell": "fl", "gpio": 5, "message": "y", "ok": True})
    assert fb.led_mode == "recording"  # back to what it was doing
    fb.handle({"type": "set", "t": 4.0, "event": "end", "set": 1, "leg": "left", "reps": 3})
    assert fb.led_mode == "ready"
    time.sleep(0.05)
    assert led.state


def test_rep_beeps_once_and_faults_have_their_own_patterns(fb, factory):
    buz = factory.pin(BUZZER)
    buz.clear_states()
    fb.handle({"type": "rep", "t": 1.0, "count": 1, "set": 1})
    fb.handle({"type": "fault", "t": 1.0, "fault": "tilt", "side": "left", "set": 1, "count": 1})
    fb.handle({"type": "fault", "t": 1.0, "fault": "momentum", "set": 1, "count": 1})
    assert fb.wait_idle(5)
    p = pulses(buz)
    assert len(p) == 1 + 3 + 1  # rep, then tilt's three, then momentum's one: none cut short
    assert all(x < 0.3 for x in p[:4]) and p[4] > 0.5
    assert not buz.state


def test_no_rep_beep_when_disabled(factory):
    s = Settings().with_overrides(controls={"beep_per_rep": False})
    fb = Feedback(s, lambda: None, lambda: None, pin_factory=factory)
    try:
        buz = factory.pin(BUZZER)
        buz.clear_states()
        fb.handle({"type": "rep", "t": 1.0, "count": 1, "set": 1})
        fb.handle({"type": "sensor_fault", "t": 1.0, "cell": "br", "gpio": 23, "message": "x", "ok": False})
        fb.handle({"type": "sensor_fault", "t": 1.1, "cell": "br", "gpio": 23, "message": "x", "ok": False})
        assert fb.wait_idle(5)
        assert len(pulses(buz)) == 2  # only the sensor fault's two long beeps, reported once
    finally:
        fb.close()


def test_absent_controls_are_fine(factory):
    s = Settings().with_overrides(controls={"button": "", "led": "", "buzzer": ""})
    assert s.controls.button is None
    fb = Feedback(s, lambda: None, lambda: None, pin_factory=factory)
    fb.handle({"type": "rep", "t": 1.0})
    fb.handle({"type": "sensor_fault", "t": 1.0, "cell": "fl", "ok": False})
    assert fb.led_mode == "fault"
    fb.close()
