"""The dashboard as it runs: waitress, a real device service on the simulator, SSE over HTTP."""

from __future__ import annotations

import json
from collections import Counter
import urllib.request

from service_helpers import cleanup, short_tmp, wait_for
from web_helpers import SSEReader, free_port, smartmat, stderr_of, stop, wait_http


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
        return json.load(r)


def what_phones_saw(readers: list[SSEReader], port: int) -> str:
    """For a failure message: what each phone received and what the dashboard says of itself."""
    seen = [f"{'reading' if r.reading else 'stopped'} {dict(Counter(e.get('type') for _, e in list(r.events)))}"
            for r in readers]
    try:
        state = health(port)
    except OSError as exc:
        state = f"no answer ({exc})"
    return f"phones {seen}; health {state}"


def test_run_starts_device_and_dashboard_and_stops_both():
    d, port = short_tmp(), free_port()
    proc = smartmat("run", "--sim", "--port", str(port), "--data-dir", str(d), env={"SMARTMAT_SPEED": "10"})
    try:
        wait_http(f"http://127.0.0.1:{port}/api/health")
        wait_for(lambda: health(port)["device"] == "connected", 15, "device connected")
        reader = SSEReader("127.0.0.1", port)
        wait_for(lambda: reader.of_type("rep"), 30, "a rep over SSE")
        rep = reader.of_type("rep")[0]
        assert {"start", "end", "leg", "lift_s", "tilt", "set", "count"} <= set(rep)
        assert reader.of_type("hello")[0]["device"] == "connected"
        reader.close()
    finally:
        err = stop(proc)
        cleanup(d)
    assert proc.returncode == 0, err[-2000:]
    try:
        health(port)
        raise AssertionError("the dashboard outlived smartmat run")
    except OSError:
        pass


def test_many_phones_get_every_event_and_see_the_device_go_away():
    d, port = short_tmp(), free_port()
    device = smartmat("device", "--sim", "--data-dir", str(d), env={"SMARTMAT_SPEED": "10"})
    web = smartmat("web", "--port", str(port), "--data-dir", str(d))
    readers: list[SSEReader] = []
    try:
        wait_http(f"http://127.0.0.1:{port}/api/health")
        wait_for(lambda: health(port)["device"] == "connected", 15, "device connected")
        readers = [SSEReader("127.0.0.1", port) for _ in range(6)]
        assert all(r.status == 200 for r in readers)
        wait_for(lambda: health(port)["live"]["clients"] == 6, 5, "6 clients")
        try:
            wait_for(lambda: all(len(r.of_type("rep")) >= 2 for r in readers), 40, "reps at every phone")
        except AssertionError:
            raise AssertionError(f"timed out waiting for reps at every phone: {what_phones_saw(readers, port)}\n"
                                 f"device: {stderr_of(device)[-1500:]}\nweb: {stderr_of(web)[-1500:]}") from None
        stop(device)
        wait_for(lambda: all({"type": "bus", "connected": False} in r.of_type("bus") for r in readers), 10,
                 "every phone told the device is gone")
        assert health(port)["device"] == "disconnected"
        first = [(e["set"], e["count"], e["start"]) for e in readers[0].of_type("rep")]
        for r in readers[1:]:
            mine = [(e["set"], e["count"], e["start"]) for e in r.of_type("rep")]
            assert mine[:len(first)] == first[:len(mine)]  # same events, same order
    finally:
        for r in readers:
            r.close()
        stop(device)
        err = stop(web)
        cleanup(d)
    assert "Traceback" not in err, err[-2000:]
