"""Glitch rejection: isolated HX711 read errors go, everything real stays exactly as it was."""

from __future__ import annotations

import numpy as np
import pytest

from device.analysis.glitch import GlitchFilter
from device.analysis.pipeline import Analyzer
from device.frames import Frame, SourceInfo

from test_analysis_common import session

GLITCH_INDEX = 75  # line 76 of hx711-scale-readings.txt: 52.0 between 305.3 and 305.4


def run_filter(frames, **kw) -> tuple[list[Frame], GlitchFilter]:
    g = GlitchFilter(**kw)
    out = [f for f in (g.feed(f) for f in frames) if f is not None]
    last = g.flush()
    if last is not None:
        out.append(last)
    return out, g


@pytest.fixture
def readings(shared_data) -> list[float]:
    values = [float(x) for x in (shared_data / "hx711-scale-readings.txt").read_text().split()]
    assert len(values) == 768
    assert values[GLITCH_INDEX] == 52.0
    return values


def as_frames(values, cells=(1, 1, 1, 1), rate_hz: float = 80.0) -> list[Frame]:
    """Each reading on the chosen cells (1) or a constant 10 (0)."""
    return [Frame(i / rate_hz, *(v if c else 10.0 for c in cells)) for i, v in enumerate(values)]


@pytest.mark.parametrize("cells", [(1, 1, 1, 1), (1, 0, 0, 0), (0, 0, 0, 1)], ids=["all", "fl", "br"])
def test_real_log_drops_exactly_the_glitch_and_keeps_everything_else(readings, cells):
    frames = as_frames(readings, cells)
    out, g = run_filter(frames)
    assert g.glitches == 1
    expected = frames[:GLITCH_INDEX] + frames[GLITCH_INDEX + 1:]
    # not one value or timestamp touched: the drift and the noise stay as they were
    assert out == expected


def test_real_log_in_kg_through_the_analyzer_reports_one_glitch(readings):
    """The same log as one cell's load in the Analyzer (values as kg: a person on one corner)."""
    a = Analyzer(SourceInfo(rate_hz=80.0))
    for f in as_frames(readings, (1, 0, 0, 0)):
        a.feed(f)
    a.finish()
    res = a.result()
    assert res["glitches"] == 1
    assert res["frames"] == 768


def noisy_base(n: int, seed: int = 0, level: float = 17.5, sd: float = 0.02, rate_hz: float = 80.0) -> list[Frame]:
    rng = np.random.default_rng(seed)
    loads = level + sd * rng.standard_normal((n, 4))
    return [Frame(i / rate_hz, *map(float, row)) for i, row in enumerate(loads)]


@pytest.mark.parametrize("step", [20.0, -12.0, 3.0])
@pytest.mark.parametrize("at", [1, 50, 399])
def test_a_step_in_load_passes_untouched_and_on_time(step, at):
    """A real step (it stays) is not a glitch: every frame comes out, same values, same t."""
    frames = noisy_base(400)
    frames = frames[:at] + [Frame(f.t, f.fl + step, f.fr, f.bl, f.br) for f in frames[at:]]
    out, g = run_filter(frames)
    assert g.glitches == 0
    assert out == frames
    # the first frame of the new level carries its own timestamp: no smear, no delay
    assert out[at].t == frames[at].t and out[at].fl == frames[at].fl


def test_a_step_on_all_cells_at_once_passes_untouched():
    frames = noisy_base(200)
    frames = frames[:100] + [Frame(f.t, f.fl + 5, f.fr + 5, f.bl + 5, f.br + 5) for f in frames[100:]]
    out, g = run_filter(frames)
    assert g.glitches == 0 and out == frames


def test_glitches_are_released_one_frame_late_never_reordered():
    """Each feed returns the previous frame (or None): outputs keep input order and timestamps."""
    frames = noisy_base(50)
    g = GlitchFilter()
    released = []
    for i, f in enumerate(frames):
        r = g.feed(f)
        if i == 0:
            assert r is None
        else:
            assert r == frames[i - 1]
        released.append(r)
    assert g.flush() == frames[-1]
    assert g.flush() is None


@pytest.mark.parametrize("size", [50.0, -40.0, 5.0])
def test_isolated_spike_is_dropped_and_counted(size):
    frames = noisy_base(300)
    k = 150
    f = frames[k]
    frames[k] = Frame(f.t, f.fl, f.fr + size, f.bl, f.br)
    out, g = run_filter(frames)
    assert g.glitches == 1
    assert out == frames[:k] + frames[k + 1:]


def test_two_sample_spike_is_not_mangled_into_half_a_spike():
    """Two frames out and back is not an isolated read error: the filter must not drop one
    of them and keep the other.  This filter passes both (and counts nothing)."""
    frames = noisy_base(300)
    k = 150
    for i in (k, k + 1):
        f = frames[i]
        frames[i] = Frame(f.t, f.fl + 30.0, f.fr, f.bl, f.br)
    out, g = run_filter(frames)
    assert g.glitches == 0
    assert out == frames


def test_a_glitch_right_after_a_big_step_is_still_caught():
    """One step must not raise the noise bar so far that the next read error slips through."""
    frames = noisy_base(400)
    frames = frames[:100] + [Frame(f.t, f.fl + 20.0, f.fr, f.bl, f.br) for f in frames[100:]]
    k = 140  # half a second after the step
    f = frames[k]
    frames[k] = Frame(f.t, f.fl - 15.0, f.fr, f.bl, f.br)
    out, g = run_filter(frames)
    assert g.glitches == 1
    assert out == frames[:k] + frames[k + 1:]


def test_empty_mat_quantisation_is_never_a_glitch():
    """Alternating one-count steps of an idle mat are below any sensible floor."""
    frames = [Frame(i / 80, 0.0, 0.0, 0.0, 0.01 * ((i % 3) == 1)) for i in range(300)]
    out, g = run_filter(frames)
    assert g.glitches == 0 and out == frames


def test_analyzer_counts_simulated_glitches():
    """Simulated read glitches (labelled) are what result()['glitches'] reports, near enough."""
    info, frames, labels = session(exercise="quadruped", seed=3, glitches_per_min=6.0)
    a = Analyzer(info, exercise="quadruped")
    for f in frames:
        a.feed(f)
    a.finish()
    n = labels["glitches"]
    assert n >= 3
    got = a.result()["glitches"]
    # a glitch can hide in a movement or two can touch; nothing real may be thrown away wholesale
    assert abs(got - n) <= max(1, n // 5), (got, n)


def test_below_the_floor_one_cell_alone_is_a_read_error_but_a_load_on_two_is_not():
    """At 10 samples/s the floor is high (a leg landing is averaged into one conversion), yet a
    misread bit reaches one cell only, while a load on the board reaches several."""
    frames = noisy_base(300, rate_hz=10.0)
    k = 150
    f = frames[k]
    lone = frames[:k] + [Frame(f.t, f.fl + 3.0, f.fr, f.bl, f.br)] + frames[k + 1:]
    out, g = run_filter(lone, floor=6.0, lone_floor=1.0)
    assert g.glitches == 1 and out == lone[:k] + lone[k + 1:]
    shared = frames[:k] + [Frame(f.t, f.fl + 3.0, f.fr + 1.5, f.bl, f.br)] + frames[k + 1:]
    out, g = run_filter(shared, floor=6.0, lone_floor=1.0)
    assert g.glitches == 0 and out == shared
    # and without the rule, the lone one passes as the floor says
    out, g = run_filter(lone, floor=6.0)
    assert g.glitches == 0
