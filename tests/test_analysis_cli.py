"""`smartmat analyze FILE [--exercise] [--leg] [--json]` (SPEC section 3)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from device.analysis.pipeline import analyze_frames
from device.cli import main
from device.frames import SourceInfo
from device.recording import write_recording

from test_analysis_common import session

REP_KEYS = {"start", "end", "leg", "lift_s", "hold_s", "lower_s", "tilt", "tilt_side", "ai_peak", "momentum"}


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    info, frames, labels = session(exercise="quadruped", seed=7, sets=2)
    path = tmp_path_factory.mktemp("cli") / "quad.csv"
    write_recording(path, info, frames)
    return path, info, frames


def run(*args):
    return CliRunner().invoke(main, ["analyze", *map(str, args)])


def test_json_is_one_object_conforming_to_spec(recording):
    path, info, frames = recording
    r = run(path, "--json")
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert obj["format"] == "smartmat-analysis v1"
    assert obj["exercise"] == "quadruped"
    assert obj["frames"] == len(frames)
    assert obj["duration_s"] == pytest.approx(frames[-1].t - frames[0].t, abs=0.001)
    assert isinstance(obj["glitches"], int) and obj["glitches"] >= 0
    assert obj["reps_total"] == sum(len(s["reps"]) for s in obj["sets"]) > 0
    for st in obj["sets"]:
        assert {"leg", "start", "end", "reps"} <= st.keys()
        assert st["leg"] in ("left", "right")
        assert st["start"] <= st["end"]
        for rep in st["reps"]:
            assert REP_KEYS <= rep.keys()
            assert st["start"] <= rep["start"] < rep["end"] <= st["end"]
            assert rep["leg"] in ("left", "right")
            assert isinstance(rep["tilt"], bool) and isinstance(rep["momentum"], bool)
            if rep["tilt"]:
                assert rep["tilt_side"] in ("left", "right")
            else:
                assert rep["tilt_side"] is None
            for k in ("lift_s", "hold_s", "lower_s", "ai_peak", "start", "end"):
                assert isinstance(rep[k], (int, float))
    # exactly what the library gives (the same code as the device)
    assert obj == json.loads(json.dumps(analyze_frames(info, frames, exercise="quadruped")))


def test_exercise_option_overrides_the_metadata(recording):
    path, _, _ = recording
    obj = json.loads(run(path, "--json", "--exercise", "prone").stdout)
    assert obj["exercise"] == "prone"


def test_exercise_detected_without_metadata(tmp_path):
    info, frames, _ = session(exercise="quadruped", seed=4)
    path = tmp_path / "noex.csv"
    write_recording(path, SourceInfo(rate_hz=info.rate_hz), frames)
    r = run(path, "--json")
    assert r.exit_code == 0
    obj = json.loads(r.stdout)
    assert obj["exercise"] in ("prone", "quadruped", "standing", None)
    assert obj["reps_total"] == sum(len(s["reps"]) for s in obj["sets"])


def test_prone_leg_option(tmp_path):
    info, frames, _ = session(exercise="prone", seed=1)
    path = tmp_path / "prone.csv"
    write_recording(path, info, frames)
    obj = json.loads(run(path, "--json", "--leg", "right").stdout)
    assert obj["reps_total"] > 0
    assert all(r["leg"] == "right" for s in obj["sets"] for r in s["reps"])


def test_without_json_a_readable_summary(recording):
    path, _, _ = recording
    r = run(path)
    assert r.exit_code == 0
    obj = json.loads(run(path, "--json").stdout)
    text = r.stdout
    assert not text.lstrip().startswith("{")
    assert "quadruped" in text and f"{obj['reps_total']} reps" in text
    assert text.count("set ") >= len(obj["sets"])


def assert_clear_error(r, *words):
    assert r.exit_code != 0
    err = r.stderr.strip()
    assert err and "\n" not in err, err
    assert "Traceback" not in r.output and "Traceback" not in r.stderr
    for w in words:
        assert w in err, err
    assert r.stdout == ""


def test_missing_file_is_a_clear_error(tmp_path):
    r = run(tmp_path / "nope.csv", "--json")
    assert_clear_error(r, "nope.csv")


@pytest.mark.parametrize("bad_row,problem", [
    ("0.05,1.0,x,1.0,1.0", "not a number"),
    ("0.05,1.0,1.0,1.0", None),
    ("0.0001,1.0,1.0,1.0,1.0", "backwards"),
])
def test_a_bad_row_names_its_line(tmp_path, bad_row, problem):
    path = tmp_path / "bad.csv"
    lines = ["# smartmat-recording v1", "# rate_hz=80", "t,fl,fr,bl,br"]
    lines += [f"{i * 0.0125:.4f},17.5,17.5,17.5,17.5" for i in range(10)]
    lines.insert(8, bad_row)  # line 9 of the file
    path.write_text("\n".join(lines) + "\n")
    r = run(path, "--json")
    assert_clear_error(r, "line 9", *( [problem] if problem else []))


def test_an_empty_recording_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("# smartmat-recording v1\nt,fl,fr,bl,br\n")
    assert_clear_error(run(path, "--json"))


def test_bad_exercise_option_is_refused(recording):
    path, _, _ = recording
    r = run(path, "--exercise", "plank")
    assert r.exit_code != 0 and "Traceback" not in r.output
