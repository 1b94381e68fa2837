"""``smartmat doctor`` and ``smartmat calibrate`` against the emulated mat (CliRunner)."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from device.calibration import Calibration, load_calibration, save_calibration
from device.cli import main
from device.frames import CELLS
from device.hardware.hx711_model import EMULATED_CELLS


@pytest.fixture
def run(tmp_path):
    def run(*args, input=None):
        return CliRunner().invoke(main, [*args, "--data-dir", str(tmp_path)], input=input)
    return run


def test_doctor_emulated_healthy_mat_passes(run):
    r = run("doctor", "--emulate")
    assert r.exit_code == 0, r.output
    assert "FAIL" not in r.output
    for c in CELLS:
        assert f"PASS  {c} responds" in r.output and f"PASS  wiring {c}" in r.output
    assert "uncalibrated" in r.output and "0 failed" in r.output


def test_doctor_names_the_unplugged_corner_and_fails(run):
    r = run("doctor", "--emulate", "--emulate-unplugged", "fl")
    assert r.exit_code == 1
    line = next(l for l in r.output.splitlines() if l.startswith("FAIL"))
    assert "fl (front-left)" in line and "DOUT GPIO 5" in line and "no data within" in line
    assert "PASS  fr responds" in r.output


def test_doctor_catches_swapped_cables_and_offers_the_pin_map(run):
    r = run("doctor", "--emulate", "--emulate-swap", "fl,fr")
    assert r.exit_code == 1
    assert "FAIL  wiring fl      pressed fl, but the cell on [pins.fr] answered" in r.output
    toml = r.output[r.output.index("use this pin map in the config:"):].split(":", 1)[1]
    import tomllib
    pins = tomllib.loads(toml.split(" checks, ")[0].rsplit("\n", 1)[0])
    assert pins["pins"]["fl"] == {"dout": 13, "sck": 19} and pins["pins"]["fr"] == {"dout": 5, "sck": 6}
    assert pins["pins"]["bl"] == {"dout": 20, "sck": 21}


def test_doctor_flags_a_reversed_cell_a_stuck_cell_and_a_slow_cell(run):
    r = run("doctor", "--emulate", "--emulate-reversed", "br")
    assert r.exit_code == 1 and "br answered but reads NEGATIVE" in r.output
    r = run("doctor", "--emulate", "--no-wiring", "--emulate-stuck", "bl", "--emulate-slow", "fr")
    assert "FAIL  bl responds" in r.output and "a rail" in r.output
    assert "FAIL  fr responds" in r.output and "about 20 readings/s" in r.output


def test_doctor_reports_grams_when_calibrated(run, tmp_path):
    save_calibration(tmp_path, Calibration(tare=dict.fromkeys(CELLS, 0.0),
                                           scale={c: s for c, (o, s) in EMULATED_CELLS.items()},
                                           weight_kg=10.0))
    r = run("doctor", "--emulate", "--no-wiring")
    assert r.exit_code == 0
    assert " g (limit 50 g)" in r.output and "uncalibrated" not in r.output


def test_doctor_without_gpio_fails_cleanly(run):
    r = run("doctor")
    assert r.exit_code == 1 and "FAIL  GPIO access" in r.output


def test_calibrate_corners_stores_scales_close_to_the_cells(run, tmp_path):
    r = run("calibrate", "--emulate", "--weight", "10", input="\n" * 5)
    assert r.exit_code == 0, r.output
    cal = load_calibration(tmp_path)
    assert cal.mode == "corners" and cal.weight_kg == 10.0
    for c, (offset, scale) in EMULATED_CELLS.items():
        assert cal.scale[c] == pytest.approx(scale, rel=0.01)
        assert cal.tare[c] == pytest.approx(offset + 2.0 * scale, abs=50)  # the board's 2 kg
    rows = sqlite3.connect(tmp_path / "smartmat.db").execute("SELECT id, created, data FROM calibration")
    assert len(rows.fetchall()) == 1


def test_calibrate_prompts_for_the_weight_and_does_centre(run, tmp_path):
    r = run("calibrate", "--emulate", "--mode", "centre", input="\n8\n\n")
    assert r.exit_code == 0, r.output
    assert "Known weight in kg" in r.output
    cal = load_calibration(tmp_path)
    assert cal.mode == "centre" and cal.scale["bl"] == pytest.approx(22_050, rel=0.02)


def test_newest_calibration_is_in_use(run, tmp_path):
    run("calibrate", "--emulate", "--weight", "10", input="\n" * 5)
    first = load_calibration(tmp_path)
    r = run("calibrate", "--emulate", "--weight", "20", input="\n" * 5)
    assert r.exit_code == 0
    assert load_calibration(tmp_path).weight_kg == 20.0 != first.weight_kg


@pytest.mark.parametrize("args, reason", [
    (["--emulate-reversed", "fr"], "reads NEGATIVE on fr (front-right): that cell is wired reversed"),
    (["--emulate-frozen", "bl"], "bl (back-left) HX711, DOUT GPIO 20"),
])
def test_implausible_or_faulty_calibration_is_refused_and_nothing_stored(run, tmp_path, args, reason):
    r = run("calibrate", "--emulate", "--weight", "10", *args, input="\n" * 5)
    assert r.exit_code == 1 and reason in r.output
    assert load_calibration(tmp_path) is None


def test_plausibility_rules():
    from device.hardware.calibrate import CalibrationRefused, plausibility
    ok = {"fl": 20_000.0, "fr": 21_000.0, "bl": 19_000.0, "br": 22_000.0}
    plausibility(ok, 10.0, dict.fromkeys(CELLS, 0.0))
    with pytest.raises(CalibrationRefused, match="barely registers on br"):
        plausibility(ok | {"br": 300.0}, 10.0, dict.fromkeys(CELLS, 3000.0))
    with pytest.raises(CalibrationRefused, match="differ by 4.2x"):
        plausibility(ok | {"br": 80_000.0}, 10.0, dict.fromkeys(CELLS, 0.0))


def test_calibration_round_trip_and_empty_store(tmp_path):
    assert load_calibration(tmp_path) is None
    cal = Calibration(tare=dict.fromkeys(CELLS, 1.5), scale=dict.fromkeys(CELLS, 2e4), weight_kg=5.0,
                      mode="centre")
    save_calibration(tmp_path / "new", cal)
    assert load_calibration(tmp_path / "new") == cal
    assert cal.cells()["fl"].to_kg(20_001.5) == pytest.approx(1.0)
