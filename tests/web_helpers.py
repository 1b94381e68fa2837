"""Shared by the dashboard tests: a seeded store, a fake device on the bus, pairing, free ports."""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import time
from pathlib import Path

from device.bus.protocol import Request
from device.bus.server import BusServer
from device.config import Settings, StorageSettings, WebSettings
from device.frames import Frame, SourceInfo
from device.store import SessionStore

from service_helpers import smartmat, stderr_of  # noqa: F401 (the dashboard tests' child processes too)

ROOT = Path(__file__).resolve().parent.parent
PIN = "2468"


def settings_for(data_dir: Path, pin: str = PIN) -> Settings:
    return Settings(storage=StorageSettings(data_dir=str(data_dir)), web=WebSettings(pin=pin))


def rep(start: float, leg: str, set_no: int, count: int, tilt: bool = False, side: str | None = None) -> dict:
    return {"type": "rep", "t": start + 3, "start": start, "end": start + 2.5, "leg": leg, "lift_s": 0.8,
            "hold_s": 0.7, "lower_s": 1.0, "tilt": tilt, "tilt_side": side, "ai_peak": 9.5 if tilt else -3.0,
            "momentum": False, "arch": False, "pulses": 0, "set": set_no, "count": count}


def seed_store(data_dir: Path) -> dict:
    """One profile and one finished session: 12 s of frames at 80/s, set 1 left (2 reps, one tilted), set 2 right."""
    with SessionStore.in_dir(data_dir) as s:
        ana = s.create_profile("Ana", 61.5)
        s.create_profile("Ben", 80.0)
        info = SourceInfo(units="kg", rate_hz=80, width_m=0.6, length_m=1.8, exercise="quadruped")
        sid = s.begin_session(profile_id=ana["id"], exercise="quadruped", source="sim", info=info,
                              started_mono=0.0, t0=0.0)
        frames = [Frame(i / 80, 16.0, 15.0, 15.0 + (i % 80) / 80, 15.5) for i in range(12 * 80)]
        for k in range(0, len(frames), 80):
            s.add_frames(sid, frames[k:k + 80])
        s.add_set(sid, {"type": "set", "event": "start", "set": 1, "leg": "left", "t": 1.0})
        s.add_rep(sid, rep(1.0, "left", 1, 1))
        s.add_rep(sid, rep(4.0, "left", 1, 2, tilt=True, side="right"))
        s.add_set(sid, {"type": "set", "event": "end", "set": 1, "leg": "left", "t": 7.0, "reps": 2})
        s.add_set(sid, {"type": "set", "event": "start", "set": 2, "leg": "right", "t": 8.0})
        s.add_rep(sid, rep(8.0, "right", 2, 1))
        s.end_session(sid, end_t=11.9875, glitches=0)
        return {"session": sid, "profile": ana["id"]}


class FakeDevice:
    """A device bus that answers commands like the service (no analysis): records what it was asked."""

    def __init__(self, path: Path) -> None:
        self.commands: list[tuple[str, dict]] = []
        self.server = BusServer(path, self._on)

    def _on(self, req: Request) -> None:
        self.commands.append((req.cmd, dict(req.args)))
        if req.cmd == "status":
            self.server.reply(req, source="sim", units="kg", session=None, profile=None, profile_name=None,
                              selected_profile=None, exercise="quadruped", leg=None, state="ready", set=0,
                              set_open=False, count=0, target=None)
        elif req.cmd == "calibrate":
            self.server.fail(req, "calibrate: known-weight calibration needs the hardware source")
        elif req.cmd == "start_set":
            self.server.reply(req, session=1)
        else:
            self.server.reply(req)

    def __enter__(self) -> "FakeDevice":
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()

    def publish(self, event: dict) -> None:
        self.server.publish(event)


CSRF_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_of(client, path: str = "/pair") -> str:
    html = client.get(path).get_data(as_text=True)
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def pair(client, pin: str = PIN) -> str:
    """Pair the test client; returns the (new) CSRF token."""
    token = csrf_of(client)
    r = client.post("/pair", data={"pin": pin, "csrf_token": token, "next": "/"})
    assert r.status_code == 302, r.get_data(as_text=True)
    return csrf_of(client, "/")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 15.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer")
        time.sleep(0.1)


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return stderr_of(proc)  # the file goes with the Popen object (stop may be called twice)


class SSEReader:
    """Reads ``/events`` over real HTTP on a thread; ``events`` holds (monotonic arrival, event dict)."""

    def __init__(self, host: str, port: int, path: str = "/events") -> None:
        import http.client
        import json
        import threading

        self._json = json
        self.events: list[tuple[float, dict]] = []
        self.comments = 0
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.conn.connect()
        self.sock = self.conn.sock  # http.client may drop its reference once the response starts
        self.conn.request("GET", path, headers={"Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        data = []
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    return
                line = line.rstrip(b"\r\n")
                if line.startswith(b"data: "):
                    data.append(line[6:])
                elif line.startswith(b":"):
                    self.comments += 1
                elif line == b"" and data:
                    self.events.append((time.monotonic(), self._json.loads(b"\n".join(data))))
                    data = []
        except (OSError, ValueError, AttributeError):  # closed under our feet
            return

    @property
    def reading(self) -> bool:
        return self._thread.is_alive()

    def of_type(self, kind: str) -> list[dict]:
        return [e for _, e in list(self.events) if e.get("type") == kind]

    def close(self) -> None:
        import socket as _socket

        sock = self.sock
        try:
            if sock is not None:
                sock.shutdown(_socket.SHUT_RDWR)  # wakes the reader thread (close() would wait for it)
        except OSError:
            pass
        self._thread.join(5)
        self.conn.close()
