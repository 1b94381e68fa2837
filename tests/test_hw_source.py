"""HardwareSource: four modelled HX711 on a MockFactory, a fake clock, real driver code."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from device.calibration import Calibration, save_calibration
from device.config import Settings
from device.frames import CELLS, Frame, FrameSource
from device.hardware.errors import SensorFault
from device.hardware.hx711 import RAIL_HIGH
from device.hardware.hx711_model import EMULATED_CELLS, EmulatedMat, FakeClock
from device.hardware.source import NOMINAL_COUNTS_PER_KG, CellHealth, HardwareSource

from device.hardware.testing import default_pins


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings().with_overrides(storage={"data_dir": str(tmp_path)})


def make(settings, clock=None, noise=3.0, **kw):
    # a little noise: a noise-free cell is, rightly, reported as frozen
    clock = clock or FakeClock()
    mat = EmulatedMat(default_pins(settings), clock=clock, noise_counts=noise)
    events: list[dict] = []
    src = HardwareSource.from_settings(settings, pin_factory=mat.factory, clock=clock,
                                       sleep=clock.sleep, on_fault=events.append, **kw)
    return src, mat, clock, events


def expected(corner: str, kg: float) -> float:
    offset, scale = EMULATED_CELLS[corner]
    return offset + scale * kg


def take(src, n: int) -> list[Frame]:
    return list(itertools.islice(iter(src), n))


def test_four_cells_in_one_frame_in_raw_counts(settings):
    src, mat, clock, events = make(settings)
    assert isinstance(src, FrameSource)
    assert src.info.units == "counts" and src.info.rate_hz == 80
    mat.press("fr", 10.0)
    mat.press("bl", 3.0)
    frames = take(src, 80)[-1:]
    f = frames[0]
    for c, kg in {"fl": 2.0, "fr": 12.0, "bl": 5.0, "br": 2.0}.items():
        assert getattr(f, c) == pytest.approx(expected(c, kg), abs=25)
    assert events == []
    src.close()


def test_about_80_frames_per_second_with_monotonic_timestamps(settings):
    src, mat, clock, _ = make(settings)
    t0 = clock()
    frames = take(src, 400)
    span = clock() - t0
    assert 400 / span == pytest.approx(80, rel=0.03)
    ts = [f.t for f in frames]
    assert all(b > a for a, b in zip(ts, ts[1:]))
    # every cell delivered a reading for (nearly) every frame: nothing lost, nothing doubled
    assert all(abs(src.reads[c] - 400) <= 2 for c in CELLS)


def test_uncalibrated_source_has_a_nominal_calibration_tared_at_start(settings):
    src, mat, _, _ = make(settings)
    cal = src.info.calibration
    assert cal["fl"].scale == NOMINAL_COUNTS_PER_KG
    assert cal["fl"].tare == pytest.approx(expected("fl", 2.0), abs=25)
    assert src.info.metadata["calibrated"].startswith("no")


def test_stored_calibration_is_used(settings, tmp_path):
    stored = Calibration(tare={c: 100.0 for c in CELLS}, scale={c: 21_000.0 for c in CELLS},
                         weight_kg=5.0)
    save_calibration(tmp_path, stored)
    src, mat, _, _ = make(settings)
    assert src.info.calibration == stored.cells()
    assert src.info.metadata["calibrated"] == stored.created


@pytest.mark.parametrize("fault, kind, text", [
    ("unplugged", "not_ready", "no data within 0.5 s"),
    ("stuck", "rail", "loose or broken wire"),
    ("frozen", "frozen", "exactly 123456"),
])
def test_startup_fault_names_the_corner_and_gpio(settings, fault, kind, text):
    clock = FakeClock()
    mat = EmulatedMat(default_pins(settings), clock=clock)
    mat.fault("bl", fault)
    with pytest.raises(SensorFault) as info:
        HardwareSource.from_settings(settings, pin_factory=mat.factory, clock=clock, sleep=clock.sleep)
    exc = info.value
    assert (exc.cell, exc.dout, exc.sck, exc.kind) == ("bl", 20, 21, kind)
    assert "bl (back-left)" in str(exc) and "DOUT GPIO 20" in str(exc) and text in str(exc)
    # the pins were released: the source can be built again once the cell is fixed
    mat.fault("bl", None)
    HardwareSource.from_settings(settings, pin_factory=mat.factory, clock=clock, sleep=clock.sleep).close()


def test_cell_unplugged_mid_session_faults_holds_value_and_recovers(settings):
    src, mat, clock, events = make(settings)
    take(src, 40)
    held = src.health["fr"].value
    mat.fault("fr", "unplugged")
    mat.press("fl", 5.0)
    frames = take(src, 120)  # 1.5 s: past the 0.5 s ready timeout
    assert [e["ok"] for e in events] == [False]
    e = events[0]
    assert (e["type"], e["cell"], e["gpio"], e["kind"]) == ("sensor_fault", "fr", 13, "not_ready")
    assert "fr (front-right)" in e["message"] and "GPIO 13" in e["message"]
    assert list(src.faults) == events
    # frames kept coming at the others' pace; fr held (finite), fl followed the load
    assert clock() - frames[0].t < 1.6
    assert all(f.fr == held and math.isfinite(f.fr) for f in frames)
    assert frames[-1].fl == pytest.approx(expected("fl", 7.0), abs=25)
    mat.fault("fr", None)  # plugged back in: settles, then reports recovery
    frames = take(src, 40)
    assert [e["ok"] for e in events] == [False, True] and events[1]["cell"] == "fr"
    assert frames[-1].fr == pytest.approx(expected("fr", 2.0), abs=25)


def test_stuck_cell_mid_session_is_a_rail_fault_and_frames_hold_the_last_good_value(settings):
    src, mat, clock, events = make(settings)
    take(src, 20)
    good = src.health["br"].value
    mat.fault("br", "stuck")
    frames = take(src, 40)
    assert len(events) == 1 and events[0]["kind"] == "rail" and events[0]["gpio"] == 23
    assert f"{RAIL_HIGH}" in events[0]["message"]
    assert all(f.br == good for f in frames)
    assert frames[-1].t - frames[0].t == pytest.approx(39 / 80, rel=0.05)
    mat.fault("br", None)
    take(src, 5)
    assert events[-1]["ok"] is True and events[-1]["cell"] == "br"


def test_frozen_cell_mid_session_is_reported(settings):
    src, mat, clock, events = make(settings, noise=40.0)
    take(src, 20)
    mat.fault("fl", "frozen")
    take(src, 60)
    assert [(e["cell"], e["kind"], e["ok"]) for e in events] == [("fl", "frozen", False)]


def test_a_noisy_live_cell_is_not_frozen(settings):
    src, mat, clock, events = make(settings, noise=40.0)
    take(src, 200)
    assert events == []


def test_slow_cell_does_not_slow_the_frames_or_fault(settings):
    src, mat, clock, events = make(settings)
    take(src, 10)
    mat.fault("bl", "slow")  # a conversion every 50 ms instead of 12.5
    mat.press("bl", 1.0)
    t0 = clock()
    frames = take(src, 160)
    assert 160 / (clock() - t0) == pytest.approx(80, rel=0.05)
    assert events == []
    assert frames[-1].bl == pytest.approx(expected("bl", 3.0), abs=25)
    changes = sum(1 for a, b in zip(frames, frames[1:]) if a.bl != b.bl)
    assert 35 <= changes <= 41  # a new bl reading every 4th frame, held in between


def test_power_down_mid_read_is_dropped_not_passed_on(settings):
    src, mat, clock, events = make(settings)
    take(src, 10)
    model = mat.models["fl"]
    orig, count = model.sck, [0]

    def sck(level):
        orig(level)
        if level:
            count[0] += 1
            if count[0] == 7:
                clock.advance(150e-6)

    model.sck = sck
    frames = take(src, 40)
    assert model.power_downs == 2  # the reset at start, and this one
    assert src.health["fl"].dropped >= 5
    ok = expected("fl", 2.0)
    assert all(f.fl == pytest.approx(ok, abs=25) for f in frames)  # no garbage reached a frame
    assert events == []


def test_close_ends_iteration(settings):
    src, mat, clock, _ = make(settings)
    it = iter(src)
    next(it)
    src.close()
    assert list(it) == []


def test_cell_health_unit():
    h = CellHealth("fl", 5, 6, ready_timeout_s=0.5, settle_reads=2, rail_reads=3, frozen_reads=4)
    h.start(0.0)
    assert [h.reading(0.01 * i, v) for i, v in enumerate([9, 9])] == [None, None]  # settling
    assert h.value is None
    assert h.reading(0.1, 10) is None and h.value == 10
    assert h.reading(0.2, RAIL_HIGH) is None and h.value == 10  # one rail reading: held
    h.reading(0.3, RAIL_HIGH)
    ev = h.reading(0.4, RAIL_HIGH)
    assert ev["kind"] == "rail" and ev["ok"] is False and h.value == 10
    assert h.reading(0.5, RAIL_HIGH) is None  # reported once
    assert h.reading(0.6, 11)["ok"] is True
    assert h.check(1.0) is None and h.check(1.2)["kind"] == "not_ready"
