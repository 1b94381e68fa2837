"""The device service in-process: live reps reach the bus and the store alike, sessions, commands, sd_notify."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from device.analysis.pipeline import analyze_frames
from device.bus import BusClient, BusError
from device.config import Settings
from device.recording import read_recording
from device.service.cli import _Paced
from device.service.profiles import pick_profile
from device.service.sdnotify import Notifier
from device.service.service import DeviceService
from device.sources.replay import ReplaySource
from device.store import SessionStore

from service_helpers import cleanup, rep_view, sample, short_tmp, wait_for
from test_analysis_common import as_revised


# ---- sd_notify -------------------------------------------------------------

@pytest.fixture
def notify_socket():
    d = short_tmp()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(d / "notify"))
    sock.settimeout(5)
    yield sock, str(d / "notify")
    sock.close()
    cleanup(d)


def test_sd_notify_ready_and_watchdog(notify_socket):
    sock, path = notify_socket
    now = [100.0]
    n = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000"}, clock=lambda: now[0])
    assert n.ready("waiting")
    assert sock.recv(4096) == b"READY=1\nSTATUS=waiting"
    assert n.pet() and sock.recv(4096) == b"WATCHDOG=1"
    now[0] += 0.5
    assert not n.pet()  # not due: half of WatchdogSec=2 s
    now[0] += 0.6
    assert n.pet() and sock.recv(4096) == b"WATCHDOG=1"
    n.close()


def test_sd_notify_abstract_socket_and_absent():
    name = f"smartmat-test-{time.monotonic_ns()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(5)
    assert Notifier({"NOTIFY_SOCKET": "@" + name}).stopping()
    assert sock.recv(100) == b"STOPPING=1"
    sock.close()
    off = Notifier({"WATCHDOG_USEC": "1000000"})
    assert not off.enabled and not off.ready() and not off.pet()
    other = Notifier({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"})
    assert other.watchdog_s is None  # the watchdog is someone else's


def test_pick_profile():
    ps = [{"id": 1, "mass_kg": 60.0}, {"id": 2, "mass_kg": 63.0}, {"id": 3, "mass_kg": 90.0}, {"id": 4, "mass_kg": None}]
    assert pick_profile(ps, 4, 90.0)["id"] == 4  # selected wins
    assert pick_profile(ps, None, 88.0)["id"] == 3
    assert pick_profile(ps, None, 61.5) is None  # two match: no guess
    assert pick_profile(ps, None, 75.0) is None
    assert pick_profile(ps, None, None) is None


# ---- the service on a sped-up recording --------------------------------------

class Running:
    def __init__(self, data_dir, speed=40.0, notify_path=None, loop=False, **kw):
        self.settings = Settings().with_overrides(storage={"data_dir": str(data_dir)})
        src = _Paced(ReplaySource(str(sample()), loop=loop), speed)
        env = {"NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": "100000"} if notify_path else {}
        self.service = DeviceService(self.settings, src, "replay", notifier=Notifier(env), **kw)
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.settings.socket_path.exists() and self.service.bus is not None, what="bus")

    def _run(self):
        try:
            self.service.run()
        except BaseException as exc:  # noqa: BLE001
            self.error = exc

    def join(self, timeout=60):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "service did not finish"
        assert self.error is None, self.error


def test_live_reps_are_on_the_bus_and_in_the_store_and_the_export_reanalyses_the_same(notify_socket):
    sock, npath = notify_socket
    d = short_tmp()
    try:
        with SessionStore.in_dir(d) as st:
            ann = st.create_profile("Ann", 55.0)
            st.create_profile("Bob", 90.0)
        notes = []

        def listen():
            try:
                while True:
                    notes.append(sock.recv(4096))
            except OSError:
                pass

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        run = Running(d, notify_path=npath)
        events = []
        with BusClient(run.settings.socket_path) as sub:
            sub.subscribe(frames=False)
            for e in sub.events(timeout=30):
                events.append(e)
        run.join()
        wait_for(lambda: b"STOPPING=1" in notes, 5, "STOPPING=1")
        assert notes[0].startswith(b"READY=1") and b"WATCHDOG=1" in notes and b"STOPPING=1" in notes
        reps = as_revised(events)  # as the session's end judged them: what the store keeps
        starts = [e for e in events if e["type"] == "session" and e["event"] == "start"]
        assert len(reps) >= 10 and len(starts) == 1
        # This recording has reps the session's end judged again: the store must keep that too.
        assert any(e["type"] == "rep_revised" for e in events)
        mass = starts[0]["mass_kg"]
        assert starts[0]["profile_name"] == ("Ann" if abs(mass - 55.0) <= 5 else None)
        with SessionStore.in_dir(d, readonly=True) as st:
            [s] = st.list_sessions()
            assert not s["open"] and not s["interrupted"] and s["reps_total"] == len(reps)
            stored = [r for x in st.get_session(s["id"])["sets"] for r in x["reps"]]
            assert [rep_view(r) for r in stored] == [rep_view(r) for r in reps]
            (d / "export.csv").write_text(st.export_recording(s["id"]))
            result = st.session_result(s["id"])
            if starts[0]["profile"] == ann["id"]:
                assert st.get_profile(ann["id"])["reference"] is not None
        rec = read_recording(d / "export.csv")
        again = analyze_frames(rec.info, rec.frames, run.settings.analysis)
        assert again["sets"] == result["sets"] and again["reps_total"] == len(reps)
    finally:
        cleanup(d)


def test_commands_over_the_bus_and_a_killed_subscriber(tmp_path):
    d = short_tmp()
    try:
        run = Running(d, speed=20.0, loop=True)  # looped: a slow machine must not see the recording end first
        path = run.settings.socket_path
        doomed = BusClient(path)
        doomed.subscribe()
        with BusClient(path) as c, BusClient(path) as sub:
            sub.subscribe(frames=False)
            st = c.request("status")
            assert st["source"] == "replay" and st["subscribers"] == 2
            with pytest.raises(BusError, match="no profile"):
                c.request("select_profile", profile="Nobody")
            with pytest.raises(BusError, match="exercise must be"):
                c.request("set_exercise", exercise="yoga")
            c.sock.sendall(b"not json\n")
            c.request("set_target", reps=10, sets=3)
            assert c.request("status")["target"] == {"reps": 10, "sets": 3}
            first = sub.next_event(30, lambda e: e["type"] == "rep")
            doomed.sock.close()  # a subscriber dies mid-set
            later = sub.next_event(30, lambda e: e["type"] == "rep" and e["end"] > first["end"] + 10)
            assert later["count"] >= 1
            try:
                assert c.request("status")["frames"] > 0  # the service still answers
            except BusError as exc:
                raise AssertionError(f"{exc}; service thread alive {run.thread.is_alive()}, error {run.error!r}, "
                                     f"bus clients {len(run.service.bus._clients)}") from None
        run.service.stop()
        run.join()
    finally:
        cleanup(d)


def test_start_set_without_anyone_opens_a_session_and_shutdown_closes_it():
    d = short_tmp()
    try:
        run = Running(d, speed=2.0)  # slow: the sample starts with an empty mat for seconds
        with BusClient(run.settings.socket_path) as c:
            sid = c.request("start_set")["session"]
            assert c.request("status")["session"] == sid
            c.request("end_session")
            with pytest.raises(BusError, match="no session"):
                c.request("end_session")
            assert c.request("status")["session"] is None
        run.service.stop()
        run.join()
        with SessionStore.in_dir(d, readonly=True) as st:
            [s] = st.list_sessions()
            assert s["id"] == sid and not s["open"] and not s["interrupted"]
    finally:
        cleanup(d)
