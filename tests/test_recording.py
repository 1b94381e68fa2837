import io

import pytest
from hypothesis import given, settings, strategies as st

from device.frames import CellCalibration, Frame, SourceInfo
from device.recording import RecordingError, read_recording, write_recording

GOOD = """# smartmat-recording v1
# rate_hz=80
# units=kg
# exercise=quadruped
# mat_id=A7
t,fl,fr,bl,br
0.0000,11.02,10.87,13.40,13.51
0.0125,11.05,10.85,13.38,13.49
"""


def write(tmp_path, text, name="r.csv"):
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


def test_reads_spec_example(tmp_path):
    r = read_recording(write(tmp_path, GOOD))
    assert r.info.rate_hz == 80 and r.info.units == "kg" and r.info.exercise == "quadruped"
    assert r.info.width_m == 0.60 and r.info.length_m == 1.80  # SPEC defaults
    assert r.info.metadata == {"mat_id": "A7"}  # unknown keys kept
    assert r.frames == [Frame(0.0, 11.02, 10.87, 13.40, 13.51), Frame(0.0125, 11.05, 10.85, 13.38, 13.49)]


def test_columns_in_any_order_and_rate_estimated(tmp_path):
    text = "t,br,bl,fr,fl\n0,4,3,2,1\n0.1,4,3,2,1\n0.3,4,3,2,1\n0.4,4,3,2,1\n"
    r = read_recording(write(tmp_path, text))
    assert r.frames[0] == Frame(0, 1, 2, 3, 4)
    assert r.info.rate_hz == pytest.approx(10.0)


def test_counts_convert_to_kg(tmp_path):
    meta = "".join(f"# tare_{c}=100\n# scale_{c}=20\n" for c in ("fl", "fr", "bl", "br"))
    r = read_recording(write(tmp_path, "# units=counts\n" + meta + "t,fl,fr,bl,br\n0,120,140,100,80\n"))
    assert r.info.to_kg(r.frames[0]) == Frame(0, 1.0, 2.0, 0.0, -1.0)


BAD = [
    ("", 1, "empty file"),
    ("# smartmat-recording v1\n# units=kg\n", 2, "no header line"),
    ("# smartmat-recording v2\nt,fl,fr,bl,br\n0,1,1,1,1\n", 1, "unsupported format"),
    ("# just a comment\nt,fl,fr,bl,br\n0,1,1,1,1\n", 1, "metadata line must be"),
    ("# units=grams\nt,fl,fr,bl,br\n0,1,1,1,1\n", 1, "units must be kg or counts"),
    ("# rate_hz=fast\nt,fl,fr,bl,br\n0,1,1,1,1\n", 1, "rate_hz is not a number"),
    ("# width_m=-1\nt,fl,fr,bl,br\n0,1,1,1,1\n", 1, "width_m must be positive"),
    ("# exercise=plank\nt,fl,fr,bl,br\n0,1,1,1,1\n", 1, "exercise must be one of"),
    ("t,fl,fr,bl\n0,1,1,1\n", 1, "missing column br"),
    ("t,fl,fr,bl,br,fl\n0,1,1,1,1,1\n", 1, "repeats column fl"),
    ("t,fl,fr,bl,br\n0,1,1,1\n", 2, "expected 5 values, got 4"),
    ("t,fl,fr,bl,br\n0,1,1,1,1\n0.1,1,x,1,1\n", 3, "column fr is not a number"),
    ("t,fl,fr,bl,br\n0,1,1,1,inf\n", 2, "column br is not finite"),
    ("t,fl,fr,bl,br\n0.2,1,1,1,1\n0.1,1,1,1,1\n", 3, "t goes backwards"),
    ("t,fl,fr,bl,br\n", 1, "no frames"),
    ("t,fl,fr,bl,br\n0,1,1,1,1\n\n0.1,1,1,1,1\n", 3, "blank line between frames"),
    ("# units=counts\n# tare_fl=0\nt,fl,fr,bl,br\n0,1,1,1,1\n", 1, "needs scale_fl"),
    ("# units=counts\n" + "".join(f"# tare_{c}=0\n# scale_{c}=0\n" for c in ("fl", "fr", "bl", "br"))
     + "t,fl,fr,bl,br\n0,1,1,1,1\n", 3, "scale_fl must not be zero"),
    ("# units=counts\n" + "".join(f"# tare_{c}=0\n# scale_{c}=1\n" for c in ("fl", "fr", "bl", "br"))
     + "t,fl,fr,bl,br\n0,1.5,1,1,1\n", 11, "not a signed 24-bit count"),
    (b"t,fl,fr,bl,br\n0,1,1,1,1\n0.1,\xe9,1,1,1\n", 3, "not UTF-8"),
]


@pytest.mark.parametrize("text, line, fragment", BAD)
def test_malformed_names_line(tmp_path, text, line, fragment):
    p = write(tmp_path, text)
    with pytest.raises(RecordingError) as err:
        read_recording(p)
    assert err.value.line == line, str(err.value)
    assert fragment in str(err.value)
    assert f"{p}, line {line}:" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(RecordingError, match="cannot open"):
        read_recording(tmp_path / "none.csv")


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), finite, finite, finite, finite), min_size=1, max_size=30),
       st.sampled_from([None, "prone", "standing"]),
       st.floats(1, 200))
def test_round_trip_is_lossless(rows, exercise, rate):
    rows.sort(key=lambda r: r[0])
    frames = [Frame(*r) for r in rows]
    info = SourceInfo(rate_hz=rate, width_m=0.615, length_m=1.8125, exercise=exercise, metadata={"note": "x y"})
    buf = io.StringIO()
    write_recording(buf, info, frames)
    import tempfile, pathlib
    with tempfile.TemporaryDirectory() as d:
        p = pathlib.Path(d) / "r.csv"
        p.write_text(buf.getvalue(), encoding="utf-8")
        back = read_recording(p)
    assert back.frames == frames
    assert back.info == info


def test_counts_round_trip(tmp_path):
    cal = {c: CellCalibration(tare=1000.5 * i, scale=21000.25) for i, c in enumerate(("fl", "fr", "bl", "br"))}
    info = SourceInfo(units="counts", rate_hz=10, calibration=cal)
    frames = [Frame(0.1 * i, 8388607, -8388608, 5 * i, -i) for i in range(5)]
    write_recording(tmp_path / "c.csv", info, frames)
    back = read_recording(tmp_path / "c.csv")
    assert back.frames == frames and back.info == info


def test_shared_samples_read_and_round_trip(shared_data, tmp_path):
    for p in sorted(shared_data.glob("sample-*.csv")):
        r = read_recording(p)
        assert len(r.frames) > 1000 and r.info.exercise in ("prone", "quadruped", "standing")
        write_recording(tmp_path / p.name, r.info, r.frames)
        assert read_recording(tmp_path / p.name).frames == r.frames
