"""Device service on the simulator at 80 samples/s: CPU, memory, store size, bus latency.

    .venv/bin/python bench/bench_device.py            # 1 h of data (BENCH_HOURS=0.25 for less)

1. Throughput: the service fed an hour of simulated data as fast as it goes.
   CPU per second of data is the process CPU minus the simulator's own cost
   (measured alone on the same data), i.e. analysis + store + bus.
   Resident memory is read after the hour (all writes flushed).
2. Latency: the service paced in real time for BENCH_LATENCY_S seconds with
   a subscriber; from a frame leaving the source to its event (frame
   summary; rep, which waits for its commit) arriving at the subscriber.

Prints figures; asserts nothing (shared, noisy machines).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from device.bus import BusClient  # noqa: E402
from device.config import Settings  # noqa: E402
from device.service.service import DeviceService  # noqa: E402
from device.sources import open_source  # noqa: E402
from device.store import SessionStore  # noqa: E402

HOURS = float(os.environ.get("BENCH_HOURS", "1"))
LATENCY_S = float(os.environ.get("BENCH_LATENCY_S", "90"))
RATE = 80


class Stamping:
    """Analyzer proxy: each event carries when the frame that caused it left the source."""

    def __init__(self, inner, clock):
        self.inner, self.clock = inner, clock

    def feed(self, frame):
        events = self.inner.feed(frame)
        for e in events:
            e["bench_in"] = self.clock[0]
        return events

    def __getattr__(self, name):
        return getattr(self.inner, name)


class Limited:
    """The first ``seconds`` of a source; notes when each frame left it."""

    def __init__(self, source, seconds, stamps=None):
        self.source, self.info, self.seconds, self.stamps = source, source.info, seconds, stamps
        self.frames = 0

    def __iter__(self):
        t0 = None
        for f in self.source:
            t0 = f.t if t0 is None else t0
            if f.t - t0 > self.seconds:
                return
            self.frames += 1
            if self.stamps is not None:
                self.stamps[0] = time.perf_counter()
            yield f

    def close(self):
        self.source.close()


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


def main() -> None:
    d = Path(tempfile.mkdtemp(prefix="smb", dir="/tmp"))
    settings = Settings().with_overrides(storage={"data_dir": str(d)}, sensor={"rate_hz": RATE})
    seconds = HOURS * 3600
    try:
        # the simulator alone, to subtract its cost
        probe_s = min(seconds, 600)
        sim = Limited(open_source(settings, "sim", realtime=False), probe_s)
        c0 = time.process_time()
        for _ in sim:
            pass
        sim_cpu_per_s = (time.process_time() - c0) / probe_s

        print(f"simulator frames: units={sim.info.units}")
        print(f"rss before: {rss_mb():.0f} MB; simulator alone: {sim_cpu_per_s * 1000:.1f} ms CPU per s of data")
        src = Limited(open_source(settings, "sim", realtime=False), seconds)
        service = DeviceService(settings, src, "sim")
        c0, w0 = time.process_time(), time.perf_counter()
        service.run()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        data_s = src.frames / RATE
        with SessionStore.in_dir(d, readonly=True) as st:
            sessions = st.list_sessions(limit=10000)
            reps = sum(s["reps_total"] for s in sessions)
            frame_bytes = st.db.execute("SELECT sum(length(data)), sum(n) FROM frame_blocks").fetchone()
        size = sum(p.stat().st_size for p in d.glob("smartmat.db*"))
        device_cpu = cpu / data_s - sim_cpu_per_s
        print(f"throughput: {data_s / 3600:.2f} h of data ({src.frames} frames) in {wall:.0f} s "
              f"= {data_s / wall:.0f}x real time; {len(sessions)} sessions, {reps} reps")
        print(f"device CPU per second of data (analysis+store+bus, sim subtracted): {device_cpu * 1000:.1f} ms "
              f"= {device_cpu * 100:.1f}% of one core at 80 SPS (this machine)")
        print(f"resident memory after {data_s / 3600:.2f} h of data: {rss_mb():.0f} MB")
        print(f"store: {size / 1e6:.1f} MB on disk = {size / 1e6 / (data_s / 3600):.1f} MB per hour; frame blocks "
              f"{frame_bytes[0] / frame_bytes[1]:.2f} bytes/frame = {frame_bytes[0] / 1e6 / (data_s / 3600):.2f} MB/h; "
              f"a year of daily 30-min sessions: {size / (data_s / 3600) * 182.5 / 1e9:.2f} GB")

        # latency, paced in real time
        shutil.rmtree(d)
        d.mkdir()
        stamps = [0.0]
        src = Limited(open_source(settings, "sim", realtime=True), LATENCY_S, stamps)
        from device.service.service import default_analyzer_factory

        service = DeviceService(settings, src, "sim",
                                analyzer_factory=lambda *a: Stamping(default_analyzer_factory(*a), stamps))
        runner = threading.Thread(target=service.run)
        runner.start()
        while not settings.socket_path.exists():
            time.sleep(0.01)
        lat = {"frame": [], "rep": [], "phase": []}
        with BusClient(settings.socket_path) as sub:
            sub.subscribe()
            for e in sub.events(timeout=LATENCY_S + 30):
                now = time.perf_counter()
                kind = e.get("type")
                if kind in lat and "bench_in" in e:
                    lat[kind].append((now - e["bench_in"]) * 1000)
        runner.join()
        for kind, values in lat.items():
            print(f"latency frame in -> {kind} event at a subscriber: n={len(values)} "
                  f"p50 {pct(values, 50):.2f} ms, p99 {pct(values, 99):.2f} ms"
                  + (f", max {max(values):.2f} ms" if values else ""))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
