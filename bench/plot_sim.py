"""Plot a simulated set: the four cells, the total, the asymmetry index, reps shaded.

    python bench/plot_sim.py [--exercise quadruped] [--seed 7] [--set 0]

Writes bench/out/sim-<exercise>-<seed>.png.  Needs matplotlib (the project's
``bench`` extra: ``pip install matplotlib``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from device.sim import SessionSpec, simulate  # noqa: E402

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("plot_sim needs matplotlib: pip install matplotlib (or pip install -e '.[bench]')")

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--exercise", default="quadruped", choices=("prone", "quadruped", "standing"))
parser.add_argument("--seed", type=int, default=7)
parser.add_argument("--set", type=int, default=0, help="which set to show")
parser.add_argument("--rate", type=int, default=80, choices=(10, 80))
parser.add_argument("--noise", default="low", choices=("low", "high"))
args = parser.parse_args()

info, frames, labels = simulate(SessionSpec(exercise=args.exercise, seed=args.seed, rate_hz=args.rate,
                                            noise=args.noise, tilt_rate=0.3, momentum_rate=0.2, pulses_rate=0.15))
the_set = labels["sets"][args.set]
lo, hi = the_set["start"] - 4, the_set["end"] + 4
m = (frames[:, 0] >= lo) & (frames[:, 0] <= hi)
t, cells = frames[m, 0], frames[m, 1:]
total = cells.sum(axis=1)
ai = 100 * ((cells[:, 0] + cells[:, 2]) - (cells[:, 1] + cells[:, 3])) / total
cop_y = 100 * info.length_m / 2 * ((cells[:, 0] + cells[:, 1]) - (cells[:, 2] + cells[:, 3])) / total

fig, axes = plt.subplots(4, 1, figsize=(14, 10), sharex=True)
for name, col in zip(("fl", "fr", "bl", "br"), cells.T):
    axes[0].plot(t, col, lw=0.7, label=name)
axes[0].set_ylabel("cell, kg")
axes[0].legend(loc="upper right", ncol=4)
axes[1].plot(t, total, lw=0.7, color="k")
axes[1].set_ylabel("total, kg")
mass = labels["person"]["mass"]
axes[1].set_ylim(mass - 8, mass + 8)
axes[2].plot(t, ai, lw=0.7, color="tab:purple")
axes[2].set_ylabel("asymmetry, % (+ left)")
axes[3].plot(t, cop_y, lw=0.7, color="tab:green")
axes[3].set_ylabel("CoP y, cm")
axes[3].set_xlabel("t, s")
for rep in the_set["reps"]:
    for ax in axes:
        ax.axvspan(rep["start"], rep["end"], color="tab:red" if rep["tilt"] or rep["momentum"] else "tab:blue",
                   alpha=0.12, lw=0)
    faults = [k for k in ("tilt", "momentum", "arch") if rep[k]] + ([f"p{rep['pulses']}"] if rep["pulses"] else [])
    if faults:
        axes[2].annotate(",".join(faults) + (f"->{rep['tilt_side'][0]}" if rep["tilt"] else ""),
                         (rep["start"], 1.0), xycoords=("data", "axes fraction"), fontsize=7, va="top")
fig.suptitle(f"simulated {args.exercise}, seed {args.seed}, {the_set['leg']} leg, {len(the_set['reps'])} reps, "
             f"{mass:.0f} kg, {args.rate} sps, noise {args.noise} (red: labelled fault)")
out = Path(__file__).resolve().parent / "out" / f"sim-{args.exercise}-{args.seed}.png"
out.parent.mkdir(exist_ok=True)
fig.tight_layout()
fig.savefig(out, dpi=90)
print(out)
