"""Dashboard figures: event latency to SSE clients, with 1 and 25 phones, and the live page's weight.

A device service runs in this process on the simulator (paced at --speed
times real time); each frame is stamped with time.monotonic() as the source
hands it to the service.  The web server (waitress, ``smartmat web``) runs as
its own process, as on the Pi; SSE clients read /events over loopback and
stamp each event on arrival.  CLOCK_MONOTONIC is shared by all processes of
the machine, so arrival - stamp is the latency from a frame entering the
device service to the event it caused reaching a phone: analysis, the device
bus, (for reps) the SQLite commit, the web process's fan-out, HTTP.

Prints figures; asserts nothing.

    .venv/bin/python bench/bench_web.py [--seconds 20] [--speed 4] [--clients 25]
"""

from __future__ import annotations

import argparse
import bisect
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from device.config import Settings, StorageSettings  # noqa: E402
from device.service.cli import open_device_source  # noqa: E402
from device.service.service import DeviceService  # noqa: E402
from web_helpers import SSEReader, free_port, smartmat, stop, wait_http  # noqa: E402

GOALS = {"p99_1": 50.0, "p99_25": 100.0, "page_kb": 150.0}


class Stamped:
    """A frame source that notes when each frame enters the service."""

    def __init__(self, source) -> None:
        self.source, self.info = source, source.info
        self.ts: list[float] = []
        self.monos: list[float] = []

    def __iter__(self):
        for f in self.source:
            self.ts.append(f.t)
            self.monos.append(time.monotonic())
            yield f

    def entered(self, t: float) -> float | None:
        """When the first frame at or after ``t`` entered the service: the event could not exist before.

        (Event times are the analysis's own sample times, rounded to 1 ms; they fall between frames.)
        """
        i = bisect.bisect_left(self.ts, t - 0.0006)
        if i < len(self.ts) and self.ts[i] - t <= 0.05:
            return self.monos[i]
        return None

    def close(self) -> None:
        self.source.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


def latencies(readers: list[SSEReader], stamps: Stamped, kind: str) -> list[float]:
    out = []
    for r in readers:
        for arrived, e in list(r.events):
            if e.get("type") == kind and e.get("t") is not None:
                s = stamps.entered(e["t"])
                if s is not None:
                    out.append((arrived - s) * 1000)
    return out


def measure(port: int, stamps: Stamped, n: int, seconds: float) -> None:
    readers = [SSEReader("127.0.0.1", port) for _ in range(n)]
    time.sleep(seconds)
    for r in readers:
        r.close()
    frames = latencies(readers, stamps, "frame")
    reps = latencies(readers, stamps, "rep")
    rep_sets = [tuple((e["set"], e["count"], e["start"]) for e in r.of_type("rep")) for r in readers]
    common = set(rep_sets[0]).intersection(*map(set, rep_sets[1:])) if rep_sets else set()
    union = set().union(*map(set, rep_sets)) if rep_sets else set()
    # a rep at the very edge of the window may reach some clients only: count those apart
    print(f"  {n:2d} client(s), {seconds:.0f} s: frame events {len(frames)}, "
          f"p50 {statistics.median(frames) if frames else float('nan'):.1f} ms, p99 {pct(frames, 99):.1f} ms, "
          f"max {max(frames) if frames else float('nan'):.1f} ms")
    print(f"     rep events {len(reps)} ({len(union)} distinct reps, {len(common)} seen by every client), "
          f"p50 {statistics.median(reps) if reps else float('nan'):.1f} ms, p99 {pct(reps, 99):.1f} ms")
    all_lat = frames + reps
    goal = GOALS["p99_1"] if n == 1 else GOALS["p99_25"]
    print(f"     all events p99 {pct(all_lat, 99):.1f} ms (goal <= {goal:.0f} ms)")


def page_weight(base: str) -> None:
    seen: dict[str, int] = {}
    external: list[str] = []

    def get(path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            body = r.read()
        seen[path] = len(body)
        return body

    html = get("/").decode()
    # what a browser loads for the page: scripts, stylesheets, the manifest and icons (not the nav links)
    assets = re.findall(r'<script[^>]* src="([^"]+)"', html) + re.findall(r'<link[^>]* href="([^"]+)"', html)
    external += re.findall(r'(?:src|href|action)="((?:https?:)?//[^"]+)"', html)
    for url in assets:
        if re.match(r"^(https?:)?//", url):
            external.append(url)
        elif url.startswith("/") and url not in seen:
            body = get(url)
            if url.endswith(".css"):
                external += re.findall(r"url\((?:'|\")?(https?://[^)'\"]+)", body.decode())
    total = sum(seen.values())
    print(f"  live page: {len(seen)} requests, {total / 1024:.1f} KB uncompressed "
          f"(goal <= {GOALS['page_kb']:.0f} KB), external requests: {len(external)} {external or ''}")
    for path, size in sorted(seen.items(), key=lambda kv: -kv[1]):
        print(f"     {size / 1024:7.1f} KB  {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--speed", type=float, default=4.0, help="simulator pace (x real time): more reps per second")
    ap.add_argument("--clients", type=int, default=25)
    args = ap.parse_args()

    d = Path(tempfile.mkdtemp(prefix="smtb", dir="/tmp"))
    settings = Settings(storage=StorageSettings(data_dir=str(d)))
    src, kind = open_device_source(settings, "sim", None, args.speed)
    stamped = Stamped(src)
    service = DeviceService(settings, stamped, kind)
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    port = free_port()
    web = smartmat("web", "--port", str(port), "--data-dir", str(d))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api/health")
        deadline = time.monotonic() + 15
        while b'"connected"' not in urllib.request.urlopen(base + "/api/health").read():
            if time.monotonic() > deadline:
                raise SystemExit("the dashboard never connected to the device bus")
            time.sleep(0.1)
        time.sleep(2)  # the simulated person gets on the mat
        print(f"bench_web: simulator at {args.speed:g}x real time ({80 * args.speed:.0f} frames/s in, "
              f"{10 * args.speed:.0f} frame events/s out), waitress on loopback")
        measure(port, stamped, 1, args.seconds)
        measure(port, stamped, args.clients, args.seconds)
        page_weight(base)
    finally:
        stop(web)
        service.stop()
        thread.join(10)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
