"""Accuracy of the analysis on simulated sessions the tuning never saw.

``python bench/bench_accuracy.py [--n 300] [--dev] [--exercise E] [--workers 2]``

The corpus is drawn from seeds >= 900000, kept apart from the seeds 1000-1999
used while developing (``--dev``).  It spans body mass 45-120 kg, the three
exercises (quadruped both variants), slow/normal/fast tempo, 10 and 80
samples/s, low and high noise, kg and raw counts, off-centre positions, and
every fault.  Prints per exercise the figures of the analysis issue, then
the pipeline's speed on one core.  Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from device.analysis.evaluate import Score, evaluate, median, pr  # noqa: E402
from device.analysis.pipeline import Analyzer, analyze_frames  # noqa: E402
from device.frames import Frame  # noqa: E402
from device.sim import SessionSpec, simulate  # noqa: E402

EXERCISES = ("quadruped", "prone", "standing")
CORPUS_SEED = 900000
DEV_SEED = 1000


def spec_for(seed: int, exercise: str) -> SessionSpec:
    """A varied session, drawn from the seed: the same seed gives the same spec."""
    r = random.Random(seed)
    return SessionSpec(
        exercise=exercise, seed=seed,
        mass_kg=r.uniform(45, 120),
        variant=r.choice(("bent", "straight")) if exercise == "quadruped" else "bent",
        tempo=r.choice(("slow", "normal", "normal", "fast")),
        tilt_rate=r.choice((0.0, 0.15, 0.3)),
        momentum_rate=r.choice((0.0, 0.1, 0.2)),
        arch_rate=r.choice((0.0, 0.1, 0.2)) if exercise == "prone" else None,
        pulses_rate=r.choice((0.0, 0.1, 0.2)),
        rate_hz=r.choice((10, 80)),
        noise=r.choice(("low", "high")),
        units=r.choice(("kg", "counts")),
        sets=r.choice((2, 3)),
        x_offset=r.uniform(-0.08, 0.08),
        y_offset=r.uniform(-0.15, 0.15),
    )


def run_one(args: tuple[int, str]) -> tuple[str, Score, dict]:
    seed, exercise = args
    spec = spec_for(seed, exercise)
    info, frames, labels = simulate(spec)
    result = analyze_frames(info, (Frame(*row) for row in frames.tolist()), exercise=exercise)
    return exercise, evaluate(result, labels), {"seed": seed, "spec": spec, "reps": result["reps_total"]}


def speed() -> float:
    """Frames per second through the whole pipeline on one core (an 80 Hz quadruped session).

    The best of seven runs, as timeit does: on a shared machine the other
    runs measure the neighbours.
    """
    info, frames, _ = simulate(SessionSpec(exercise="quadruped", seed=DEV_SEED, sets=3))
    rows = [Frame(*r) for r in frames.tolist()]
    best = 0.0
    for _ in range(7):
        a = Analyzer(info, exercise="quadruped")
        feed = a.feed
        t0 = time.process_time()
        for f in rows:
            feed(f)
        a.finish()
        dt = time.process_time() - t0
        best = max(best, len(rows) / dt)
    return best


def fmt(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "  n/a"
    return f"{100 * x:5.1f}%" if pct else f"{x:5.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="sessions in all (split over the exercises)")
    ap.add_argument("--dev", action="store_true", help="use the development seeds instead of the corpus")
    ap.add_argument("--first", type=int, default=DEV_SEED, metavar="SEED",
                    help=f"with --dev: the first development seed ({DEV_SEED}-1999)")
    ap.add_argument("--exercise", choices=EXERCISES)
    ap.add_argument("--workers", type=int, default=min(2, mp.cpu_count()))
    ap.add_argument("--verbose", action="store_true", help="print every session that is not perfect")
    args = ap.parse_args()
    if args.first != DEV_SEED and not args.dev:
        ap.error("--first picks development seeds: use it with --dev (the corpus is fixed)")
    if args.dev and not DEV_SEED <= args.first <= args.first + args.n - 1 <= 1999:
        ap.error(f"--first {args.first} --n {args.n} leaves the development seeds {DEV_SEED}-1999")
    base = args.first if args.dev else CORPUS_SEED
    exercises = (args.exercise,) if args.exercise else EXERCISES
    jobs = [(base + i, exercises[i % len(exercises)]) for i in range(args.n)]
    started = time.perf_counter()
    totals = {ex: Score(sessions=0) for ex in exercises}
    with mp.Pool(args.workers) as pool:
        for ex, sc, meta in pool.imap_unordered(run_one, jobs, chunksize=2):
            totals[ex].add(sc)
            if args.verbose and (sc.missed or sc.extra or sc.sets_exact < sc.sets or sc.fp["tilt"] or sc.fn["tilt"]
                                 or sc.fp["momentum"] or sc.fn["momentum"] or sc.legs_right < sc.legs_known):
                print(f"  seed {meta['seed']} {ex}: missed {sc.missed} extra {sc.extra} sets {sc.sets_exact}/{sc.sets} "
                      f"legs {sc.legs_right}/{sc.legs_known} tilt fp/fn {sc.fp['tilt']}/{sc.fn['tilt']} "
                      f"mom fp/fn {sc.fp['momentum']}/{sc.fn['momentum']} arch fp/fn {sc.fp['arch']}/{sc.fn['arch']}",
                      flush=True)
    wall = time.perf_counter() - started
    print(f"{'corpus' if not args.dev else 'development'} seeds {base}..{base + args.n - 1}: "
          f"{args.n} sessions, {wall:.0f} s wall on {args.workers} workers\n")
    rows = [
        ("sets whose rep count is exact", ">= 97%", lambda s: s.sets_exact / s.sets if s.sets else None, True),
        ("sets within +-1 rep", ">= 99.5%", lambda s: s.sets_within1 / s.sets if s.sets else None, True),
        ("working leg right", ">= 99%", lambda s: s.legs_right / s.legs_known if s.legs_known else None, True),
        ("tilt precision", ">= 0.95", lambda s: pr(s, "tilt")[0], False),
        ("tilt recall", ">= 0.95", lambda s: pr(s, "tilt")[1], False),
        ("momentum precision", ">= 0.90", lambda s: pr(s, "momentum")[0], False),
        ("momentum recall", ">= 0.90", lambda s: pr(s, "momentum")[1], False),
        ("arch precision (prone)", "", lambda s: pr(s, "arch")[0], False),
        ("arch recall (prone)", "", lambda s: pr(s, "arch")[1], False),
        ("lift: median abs error, s", "<= 0.15", lambda s: median(s.phase_err["lift_s"]), False),
        ("hold: median abs error, s", "<= 0.15", lambda s: median(s.phase_err["hold_s"]), False),
        ("lower: median abs error, s", "<= 0.15", lambda s: median(s.phase_err["lower_s"]), False),
        ("sessions, no rep from distractor/on/off", ">= 98%",
         lambda s: s.sessions_clean / s.sessions if s.sessions else None, True),
    ]
    head = f"| {'figure':42s} | {'goal':9s} | " + " | ".join(f"{ex:9s}" for ex in exercises) + " |"
    print(head)
    print("|" + "-" * 44 + "|" + "-" * 11 + "|" + "|".join("-" * 11 for _ in exercises) + "|")
    for name, goal, f, pct in rows:
        print(f"| {name:42s} | {goal:9s} | " + " | ".join(f"{fmt(f(totals[ex]), pct):>9s}" for ex in exercises) + " |")
    for ex in exercises:
        s = totals[ex]
        print(f"{ex}: {s.sessions} sessions, {s.sets} sets, {s.matched + s.missed} labelled reps, "
              f"{s.matched} found, {s.missed} missed, {s.extra} extra")
    fps = speed()
    print(f"\nanalysis speed: {fps:,.0f} frames/s on one core = {fps / 80:,.0f}x real time at 80 samples/s "
          f"(goal >= 1000x)")


if __name__ == "__main__":
    main()
