"""How fast the simulator renders a 30-minute session, as a multiple of real time on one core.

Goal: >= 500x, so tests, benches and the endless --sim stream never wait on it.
Prints figures only.
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")          # one core, as on a Pi under load
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from device.sim import SessionSpec, simulate  # noqa: E402

MINUTES = 30
for exercise in ("quadruped", "standing"):
    for rate in (80, 10):
        # 30 min: 8 sets of ~15 reps with rests, for the shape of a long session
        spec = SessionSpec(exercise=exercise, seed=1, rate_hz=rate, sets=8, reps=(20, 20), rest_s=(150, 170))
        started = time.perf_counter()
        info, frames, labels = simulate(spec)
        took = time.perf_counter() - started
        span = frames[-1, 0]
        scale = MINUTES * 60 / span
        print(f"{exercise:9s} {rate:2d} sps: {span / 60:5.1f} min, {len(frames):7d} frames in {took:5.2f} s "
              f"= {span / took:6.0f}x real time (30 min: {took * scale:4.2f} s)")
