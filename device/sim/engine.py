"""Render a session: body moves -> ground reaction -> four springs -> four HX711 readings."""

from __future__ import annotations

import numpy as np

from ..frames import SourceInfo
from .dynamics import ground_reaction
from .plate import Plate
from .sensor import Sensor
from .session import Scenario, SessionSpec, build_session

CHUNK_FRAMES = 4096


def mat_sensor(spec: SessionSpec) -> Sensor:
    """The mat's electronics depend on the mat seed only, so back-to-back sessions share a calibration."""
    seed = spec.seed if spec.mat_seed is None else spec.mat_seed
    return Sensor.draw(np.random.default_rng([seed, 1]), spec.rate_hz, spec.noise)


def true_loads(scenario: Scenario, plate: Plate, t: np.ndarray, window: float) -> np.ndarray:
    """Per-cell load (n, 4) in kg, each the mean over the conversion window ending at ``t``.

    The body is integrated on a uniform grid a few times finer than the frames
    (fine enough to resolve an impact of tens of ms), in chunks so memory stays small.
    """
    step = min(window / 4.0, 1.0 / 200.0)
    out = np.empty((len(t), 4))
    masses = scenario.body.masses
    for a in range(0, len(t), CHUNK_FRAMES):
        tk = t[a:a + CHUNK_FRAMES]
        grid = np.arange(tk[0] - window - 2 * step, tk[-1] + 2 * step, step)
        ch = scenario.channels(grid)
        fz, cx, cy = ground_reaction(scenario.body.segment_coms(ch), masses, step)
        g = grid[1:-1]
        cells = plate.cell_loads(fz * ch["on"][1:-1], cx, cy)
        # running integral, then the mean over [t - window, t] of each conversion
        integral = np.concatenate([np.zeros((4, 1)), np.cumsum((cells[:, 1:] + cells[:, :-1]) * 0.5 * step, axis=1)], axis=1)
        for c in range(4):
            out[a:a + len(tk), c] = (np.interp(tk, g, integral[c]) - np.interp(tk - window, g, integral[c])) / window
    return out


def simulate(spec: SessionSpec) -> tuple[SourceInfo, np.ndarray, dict]:
    """One session: its SourceInfo, frames (n, 5: t, fl, fr, bl, br in ``spec.units``) and labels."""
    scenario = build_session(spec)
    sensor = mat_sensor(spec)
    rng = np.random.default_rng([spec.seed, 2])
    t = sensor.sample_times(scenario.duration, rng)
    loads = true_loads(scenario, Plate(spec.width_m, spec.length_m, sensor.stiffness), t, sensor.period_s)
    counts, glitches = sensor.read(loads, t, rng, spec.glitches_per_min)
    if spec.units == "counts":
        values = counts.astype(float)
    else:
        values = (counts - sensor.tare) / sensor.scale
    labels = round_labels(scenario.labels | {"glitches": len(glitches), "glitch_list": glitches})
    info = SourceInfo(units=spec.units, rate_hz=spec.rate_hz, width_m=spec.width_m, length_m=spec.length_m,
                      exercise=spec.exercise, calibration=sensor.calibration() if spec.units == "counts" else None)
    return info, np.column_stack([t, values]), labels


def shift_labels(labels: dict, offset: float) -> dict:
    """The labels with every time moved by ``offset`` (a session streamed after others)."""

    def move(obj, key=None):
        if isinstance(obj, dict):
            return {k: move(v, k) for k, v in obj.items()}
        if isinstance(obj, list):
            return [move(v, key) for v in obj]
        if isinstance(obj, float) and key in ("start", "end", "on", "off", "t"):
            return round(obj + offset, 4)
        return obj

    return move(labels)


def round_labels(obj, decimals: int = 4):
    """Labels with times rounded to 0.1 ms, as they are written."""
    if isinstance(obj, float):
        return round(obj, decimals)
    if isinstance(obj, dict):
        return {k: round_labels(v, decimals) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_labels(v, decimals) for v in obj]
    if isinstance(obj, np.generic):
        return round_labels(obj.item(), decimals)
    return obj
