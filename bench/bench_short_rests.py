"""The analysis on short sessions with short rests: three sets, 5-8 s between them.

``python bench/bench_short_rests.py [--seeds 60] [--exercise E] [--workers 2]``

The accuracy corpus rests 20-60 s between sets, as the guide's advice has
it; a person at home may rest a few seconds, and a distractor (a shift, a
hand lifted, a reach for the phone) then falls just before the next set.
These are the tests' short sessions (6-8 reps a set, seeds 1..N at 80 and
10 samples/s), and were used while developing: figures to compare between
versions, not a held-out measure.  Per exercise: reps missed and extra,
reps counted in distractors (by kind), and the reps missed in sets begun
under 12 s after a shift.  Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from device.analysis.evaluate import evaluate, match, overlap  # noqa: E402
from device.analysis.pipeline import analyze_frames  # noqa: E402
from device.frames import Frame  # noqa: E402
from device.sim import SessionSpec, simulate  # noqa: E402

EXERCISES = ("quadruped", "prone", "standing")
RATES = (80, 10)
AFTER_SHIFT_S = 12.0   # the change-of-place timeout: a set begun sooner is measured against the shift


def run_one(args: tuple[str, int, int]) -> dict:
    exercise, seed, rate = args
    spec = SessionSpec(exercise=exercise, seed=seed, rate_hz=rate, sets=3, reps=(6, 8), rest_s=(5.0, 8.0))
    info, frames, labels = simulate(spec)
    result = analyze_frames(info, (Frame(*row) for row in frames.tolist()), exercise=exercise)
    sc = evaluate(result, labels)
    found = [r for st in result["sets"] for r in st["reps"]]
    in_distractors = Counter(d["kind"] for r in found for d in labels["distractors"] if overlap(r, d) > 0)
    shifts = [d["end"] for d in labels["distractors"] if d["kind"] == "shift"]
    after = [st for st in labels["sets"] if any(0 < st["start"] - t < AFTER_SHIFT_S for t in shifts)]
    return {"exercise": exercise, "labelled": sum(len(st["reps"]) for st in labels["sets"]),
            "missed": sc.missed, "extra": sc.extra, "sets": sc.sets, "exact": sc.sets_exact,
            "in_distractors": in_distractors, "after_shift_sets": len(after),
            "after_shift_missed": sum(len(st["reps"]) - len(match(found, st["reps"])) for st in after)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=60, help="seeds 1..N, each at 80 and 10 samples/s")
    ap.add_argument("--exercise", choices=EXERCISES)
    ap.add_argument("--workers", type=int, default=min(2, mp.cpu_count()))
    args = ap.parse_args()
    exercises = (args.exercise,) if args.exercise else EXERCISES
    jobs = [(ex, seed, rate) for ex in exercises for seed in range(1, args.seeds + 1) for rate in RATES]
    started = time.perf_counter()
    with mp.Pool(args.workers) as pool:
        rows = pool.map(run_one, jobs, chunksize=4)
    print(f"short sessions, seeds 1..{args.seeds} at {' and '.join(map(str, RATES))} samples/s, three sets, "
          f"5-8 s rests: {len(jobs)} sessions, {time.perf_counter() - started:.0f} s wall on {args.workers} workers\n")
    print(f"| {'exercise':9} | labelled | missed | extra | sets exact | in distractors | "
          f"sets after a shift | missed there |")
    print(f"|{'-' * 11}|{'-' * 10}|{'-' * 8}|{'-' * 7}|{'-' * 12}|{'-' * 16}|{'-' * 20}|{'-' * 14}|")
    for ex in exercises:
        mine = [r for r in rows if r["exercise"] == ex]
        kinds = sum((r["in_distractors"] for r in mine), Counter())
        total = lambda key: sum(r[key] for r in mine)  # noqa: E731
        exact = f"{100 * total('exact') / total('sets'):.1f}%"
        print(f"| {ex:9} | {total('labelled'):8} | {total('missed'):6} | {total('extra'):5} | {exact:>10} | "
              f"{sum(kinds.values()):14} | {total('after_shift_sets'):18} | {total('after_shift_missed'):12} |")
        if kinds:
            print(f"    in distractors: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


if __name__ == "__main__":
    main()
