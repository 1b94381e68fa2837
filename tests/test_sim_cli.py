"""``smartmat simulate`` and ``smartmat stream`` from the command line."""

import json

import pytest
from click.testing import CliRunner

from device.cli import main
from device.recording import read_recording


def test_simulate_writes_a_readable_recording_and_labels(tmp_path):
    out = tmp_path / "s.csv"
    res = CliRunner().invoke(main, ["simulate", "--exercise", "standing", "--seed", "7", "--out", str(out),
                                    "--sets", "1", "--reps", "3", "--units", "counts", "--rate", "10"])
    assert res.exit_code == 0, res.output
    rec = read_recording(out)
    assert rec.info.units == "counts" and rec.info.exercise == "standing" and rec.info.rate_hz == 10
    labels = json.loads((tmp_path / "s.labels.json").read_text())
    assert labels["exercise"] == "standing" and len(labels["sets"][0]["reps"]) == 3
    kg = [rec.info.to_kg(f) for f in rec.frames]
    settled = [sum(f[1:]) for f in kg if labels["on"][1] + 1 < f.t < labels["sets"][0]["start"]]
    assert abs(sorted(settled)[len(settled) // 2] - labels["person"]["mass"]) < 0.03 * labels["person"]["mass"]
    text = out.read_text().splitlines()
    assert text[text.index("t,fl,fr,bl,br") + 1].count(".") == 1     # t has decimals, counts are integers


def test_simulate_kg_uses_fixed_decimals(tmp_path):
    out = tmp_path / "q.csv"
    res = CliRunner().invoke(main, ["simulate", "--seed", "3", "--out", str(out), "--sets", "1", "--reps", "2",
                                    "--x-offset", "0.05", "--y-offset", "-0.1", "--mass", "80"])
    assert res.exit_code == 0, res.output
    row = out.read_text().splitlines()[-1].split(",")
    assert len(row[0].split(".")[1]) == 4 and all(len(v.split(".")[1]) == 3 for v in row[1:])
    labels = json.loads((tmp_path / "q.labels.json").read_text())
    assert labels["person"]["mass"] == 80 and labels["person"]["ox"] == 0.05


@pytest.mark.parametrize("args, message", [
    (["--exercise", "plank"], "'plank' is not one of"),
    (["--rate", "40"], "'40' is not one of"),
    (["--tilt-rate", "1.5"], "--tilt-rate"),
    (["--reps", "abc"], "not a number of reps"),
    (["--reps", "9-3"], "MIN <= MAX"),
    (["--mass", "10"], "--mass"),
    (["--exercise", "prone", "--variant", "straight"], "straight-leg variant"),
    (["--exercise", "standing", "--arch-rate", "0.3"], "lumbar arch"),
    (["--out", "x.txt"], "must end in .csv"),
])
def test_bad_options_fail_clearly(tmp_path, args, message):
    base = ["simulate", "--out", str(tmp_path / "x.csv")]
    res = CliRunner().invoke(main, base + args)
    assert res.exit_code == 2 and message in res.output, res.output
    assert not (tmp_path / "x.csv").exists()


def test_stream_prints_a_line_per_second_when_piped(shared_data):
    res = CliRunner().invoke(main, ["stream", "--replay", str(shared_data / "sample-quadruped.csv"),
                                    "--speed", "1000", "--seconds", "12"])
    assert res.exit_code == 0, res.output
    lines = [l for l in res.output.splitlines() if l.startswith("t ")]
    assert 10 <= len(lines) <= 13
    assert "total" in lines[-1] and "ai" in lines[-1] and "CoP x" in lines[-1]


def test_stream_summary_follows_spec_section_1():
    from device.frames import Frame, SourceInfo
    from device.stream import summary

    line = summary(SourceInfo(width_m=0.6, length_m=1.8), [Frame(1.0, 10, 20, 30, 40)])
    # total 100; cop_x = 0.3*(60-40)/100 m; cop_y = 0.9*(30-70)/100 m; ai = 100*(40-60)/100
    assert "total  100.00" in line and "x   +6.0" in line and "y  -36.0" in line and "ai  -20.0" in line
