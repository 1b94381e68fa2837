"""Property tests: whatever finite numbers come in, the Analyzer does not crash and its reps stay sane."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings, strategies as st

from device.analysis.pipeline import Analyzer
from device.frames import Frame, SourceInfo

from test_analysis_common import all_reps, analysed, session, structural_problems

finite = st.floats(allow_nan=False, allow_infinity=False)
load = st.one_of(finite, st.floats(-50.0, 150.0), st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324]))
dt = st.one_of(st.just(0.0), st.floats(1e-6, 0.5), st.just(0.0125), st.floats(0.5, 1e6))


def check(info: SourceInfo, frames: list[Frame], **kw) -> dict:
    a = Analyzer(info, **kw)
    for f in frames:
        events = a.feed(f)
        assert isinstance(events, list)
    a.finish()
    res = a.result()
    assert res["frames"] == len(frames)
    reps = all_reps(res)
    for r in reps:
        assert r["start"] <= r["end"]
    for x, y in zip(reps, reps[1:]):
        assert x["end"] <= y["start"]
    json.dumps(res, allow_nan=False)  # SPEC section 3 is JSON: no NaN or Infinity in it
    return res


def build(dts, loads, t0=0.0):
    t, out = t0, []
    for d, row in zip(dts, loads):
        t += d
        out.append(Frame(t, *row))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(dt, st.tuples(load, load, load, load)), max_size=300),
       st.sampled_from([None, 10.0, 80.0]), st.sampled_from([None, "prone", "quadruped", "standing"]))
def test_any_finite_frames_never_crash(rows, rate, exercise):
    frames = build([r[0] for r in rows], [r[1] for r in rows])
    check(SourceInfo(rate_hz=rate), frames, exercise=exercise)


segment = st.tuples(st.floats(0.05, 4.0),                                  # how long, s
                    st.tuples(*[st.floats(-5.0, 60.0)] * 4))               # loads held
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(segment, min_size=1, max_size=25), st.sampled_from([10.0, 80.0]),
       st.sampled_from([None, "prone", "quadruped", "standing"]), st.floats(0.0, 0.3))
def test_piecewise_loads_like_a_person_never_crash(segments, rate, exercise, noise):
    """Long held loads and jumps between them: presence, excursions and measuring all run."""
    frames, t, k = [], 0.0, 0
    for dur, loads in segments:
        for _ in range(max(1, round(dur * rate))):
            wiggle = noise * math.sin(k * 0.7)
            frames.append(Frame(t, *(v + wiggle for v in loads)))
            t += 1.0 / rate
            k += 1
    res = check(SourceInfo(rate_hz=rate), frames, exercise=exercise)
    assert structural_problems(res) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 4),
                          st.sampled_from([math.nan, math.inf, -math.inf])), max_size=20))
def test_non_finite_values_are_ignored(bad):
    """A frame with nan/inf in any cell is skipped: the reps are those of the session without it."""
    info, frames, _ = session(exercise="quadruped", seed=1)
    frames = list(frames)
    for pos, cell, value in bad:
        i = pos % len(frames)
        row = list(frames[i])
        if cell == 0:
            cell = 1 + pos % 4  # keep t itself finite: t is the recording's clock
        row[cell] = value
        frames[i] = Frame(*row)
    hit = {pos % len(frames) for pos, _, _ in bad}
    a = Analyzer(info, exercise="quadruped")
    for f in frames:
        a.feed(f)
    a.finish()
    res = a.result()
    clean = [f for i, f in enumerate(frames) if i not in hit]
    b = Analyzer(info, exercise="quadruped")
    for f in clean:
        b.feed(f)
    b.finish()
    assert all_reps(res) == all_reps(b.result())
    assert res["frames"] == len(frames)


def test_a_frame_of_all_nan_and_a_nan_time_do_not_crash():
    a = Analyzer(SourceInfo(rate_hz=80.0))
    a.feed(Frame(0.0, math.nan, math.nan, math.nan, math.nan))
    a.feed(Frame(math.nan, 1.0, 1.0, 1.0, 1.0))
    a.feed(Frame(0.1, math.inf, 0.0, 0.0, 0.0))
    a.finish()
    res = a.result()
    assert res["frames"] == 3 and res["reps_total"] == 0
