from device.frames import Frame, SourceInfo
from device.recording import write_recording
from device.sources.pacing import paced
from device.sources.replay import ReplaySource


def test_replay_loops_with_increasing_time(tmp_path):
    p = tmp_path / "r.csv"
    write_recording(p, SourceInfo(rate_hz=10), [Frame(5 + 0.1 * i, 1, 2, 3, 4) for i in range(3)])
    src = ReplaySource(str(p), loop=True)
    out = []
    for f in src:
        out.append(f.t)
        if len(out) == 7:
            src.close()
    assert len(out) == 7
    assert all(b > a for a, b in zip(out, out[1:]))
    assert abs(out[3] - 5.3) < 1e-9


def test_paced_follows_clock():
    now = [100.0]
    slept = []

    def sleep(dt):
        slept.append(dt)
        now[0] += dt

    frames = [Frame(t, 0, 0, 0, 0) for t in (1.0, 1.5, 2.0)]
    out = list(paced(frames, speed=2.0, clock=lambda: now[0], sleep=sleep))
    assert out == frames
    assert slept == [0.25, 0.25]
