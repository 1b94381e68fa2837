"""Run every bench/bench_*.py in turn; each prints its own figures.

Benchmarks print figures and never fail on a number: these machines are
shared and noisy, so goals are compared by a person (or as ratios printed
within one run), not asserted.
"""

import runpy
import sys
import time
from pathlib import Path

here = Path(__file__).resolve().parent
names = sys.argv[1:]
for path in sorted(here.glob("bench_*.py")):
    if names and not any(n in path.stem for n in names):
        continue
    print(f"\n===== {path.stem} =====", flush=True)
    started = time.perf_counter()
    sys.argv = [str(path)]  # the names picked benchmarks; they are not the benchmark's own options
    runpy.run_path(str(path), run_name="__main__")
    print(f"({path.stem} took {time.perf_counter() - started:.1f} s)", flush=True)
