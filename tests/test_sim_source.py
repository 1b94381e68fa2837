"""SimSource: the endless simulated mat behind ``--sim``."""

import itertools

from device.config import Settings
from device.frames import Frame, FrameSource
from device.sim import SessionSpec
from device.sources import open_source
from device.sources.sim import SimSource

SHORT = dict(sets=1, reps=(2, 2), distractors=False)


def test_open_source_gives_a_framesource_from_settings():
    settings = Settings().with_overrides(sim={"exercise": "prone", "seed": 4, "mass_kg": 66.0}, sensor={"rate_hz": 10})
    src = open_source(settings, "sim", realtime=False, spec=SHORT)
    assert isinstance(src, FrameSource)
    assert src.info.rate_hz == 10 and src.info.exercise == "prone"
    frames = list(itertools.islice(iter(src), 50))
    assert all(isinstance(f, Frame) for f in frames)
    assert src.labels["person"]["mass"] == 66.0
    src.close()


def test_sessions_follow_each_other_with_time_increasing():
    src = SimSource(SessionSpec(seed=3, rate_hz=10, **SHORT), realtime=False, sessions=2)
    t = [f.t for f in src]
    assert all(b > a for a, b in zip(t, t[1:]))
    assert src.labels["session"] == 1
    assert src.labels["on"][0] > src.labels["offset_s"] > t[0] + 10     # labels are in stream time
    assert src.labels["seed"] == 4


def test_realtime_pacing_on_a_fake_clock():
    now = [100.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    src = SimSource(SessionSpec(seed=1, **SHORT), realtime=True, speed=2.0, clock=lambda: now[0], sleep=sleep)
    frames = list(itertools.islice(iter(src), 801))
    span = frames[-1].t - frames[0].t
    assert abs((now[0] - 100.0) - span / 2.0) < 0.02            # half the stream time at speed 2
    assert slept and max(slept) < 0.02
    src.close()
    assert list(itertools.islice(iter(src), 3)) == []
