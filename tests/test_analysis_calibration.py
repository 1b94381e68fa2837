"""Calibration: a recording in raw HX711 counts analyses to the same reps as the same session in kg."""

from __future__ import annotations

import pytest

from device.frames import CellCalibration, Frame, SourceInfo

from test_analysis_common import all_reps, analysed, session


@pytest.mark.parametrize("exercise,seed", [("quadruped", 1), ("quadruped", 4), ("standing", 4), ("prone", 2)])
def test_counts_and_kg_give_the_same_reps(exercise, seed):
    info_c, frames_c, _ = session(exercise=exercise, seed=seed, units="counts")
    info_k, frames_k, _ = session(exercise=exercise, seed=seed, units="kg")
    assert info_c.units == "counts" and info_c.calibration is not None
    # the counts really are raw: integers far from kg
    assert all(float(v).is_integer() for v in frames_c[100][1:])
    kg = all_reps(analysed(exercise=exercise, seed=seed, units="kg"))
    counts = all_reps(analysed(exercise=exercise, seed=seed, units="counts"))
    assert len(kg) > 0
    assert len(counts) == len(kg)
    assert [r["leg"] for r in counts] == [r["leg"] for r in kg]
    for a, b in zip(counts, kg):
        # the same frames in other units: the same reps to within rounding of the conversion
        assert a["start"] == pytest.approx(b["start"], abs=0.06)
        assert a["end"] == pytest.approx(b["end"], abs=0.06)


def test_to_kg_applies_tare_and_scale_per_cell():
    cal = {"fl": CellCalibration(1000, 20.0), "fr": CellCalibration(-500, -10.0),
           "bl": CellCalibration(0, 1.0), "br": CellCalibration(8_000_000, 400.0)}
    info = SourceInfo(units="counts", calibration=cal)
    kg = info.to_kg(Frame(1.5, 1200, -600, 7, 8_004_000))
    assert kg == Frame(1.5, 10.0, 10.0, 7.0, 10.0)


def test_counts_without_calibration_are_refused():
    with pytest.raises(ValueError, match="tare and scale"):
        SourceInfo(units="counts", calibration={"fl": CellCalibration(0, 1.0)})
