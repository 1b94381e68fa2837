"""The device service as a real process: kill -9 mid-set, restart, SIGTERM, refusal of a bad store."""

from __future__ import annotations

import signal
import sqlite3

from device.bus import BusClient, BusError
from device.store import SessionStore

from service_helpers import cleanup, device_process, rep_view, short_tmp, stderr_of, wait_for


def _subscribe(sock):
    def connect():  # the socket file of a killed service lingers until the new one replaces it
        try:
            return BusClient(sock, timeout=10)
        except BusError:
            return None

    client = wait_for(connect, 30, "the device bus")
    client.subscribe()
    return client


def test_kill_9_mid_set_loses_nothing_that_was_announced():
    d = short_tmp()
    proc = device_process(d, "--sim", speed=10)
    try:
        bus = _subscribe(d / "device.sock")
        reps, last_frame_t = [], None
        for e in bus.events(timeout=60):
            if e["type"] == "frame":
                last_frame_t = e["t"]
            elif e["type"] == "rep":
                reps.append(e)
                if len(reps) >= 3:
                    break  # a rep just ended: the set is still open (it closes a set gap later)
        proc.kill()  # SIGKILL: no clean-up at all
        proc.wait(10)
        for e in bus.events(timeout=5):  # whatever was already in flight
            if e["type"] == "rep":
                reps.append(e)
            elif e["type"] == "frame":
                last_frame_t = e["t"]
        bus.close()
        sid = reps[0].get("session")
        with SessionStore.in_dir(d, readonly=True) as st:
            [s] = st.list_sessions()
            assert s["open"]  # nobody could close it
            frames = list(st.iter_frames(s["id"]))
            stored = [r for x in st.get_session(s["id"])["sets"] for r in x["reps"]]
        # every rep the bus announced is stored, with every figure
        assert [rep_view(r) for r in stored] == [rep_view(r) for r in reps]
        # raw frames committed up to (about) the last second before the kill
        assert frames[-1].t >= last_frame_t - 2.0
        assert all(b.t >= a.t for a, b in zip(frames, frames[1:]))

        # restart: the dead session is marked interrupted, a new one starts cleanly
        proc = device_process(d, "--sim", speed=10)
        bus = _subscribe(d / "device.sock")
        start = bus.next_event(60, lambda e: e["type"] == "session" and e["event"] == "start")
        assert start["session"] == s["id"] + 1
        with SessionStore.in_dir(d, readonly=True) as st:
            old = st.get_session(s["id"])
            assert old["interrupted"] and not old["open"] and old["end_t"] >= frames[-1].t
            assert old["reps_total"] == len(reps)
        bus.next_event(60, lambda e: e["type"] == "rep")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        bus.close()
        with SessionStore.in_dir(d, readonly=True) as st:
            new = st.get_session(start["session"])
            assert not new["open"] and not new["interrupted"] and new["reps_total"] >= 1
        assert sid is None or sid == s["id"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        cleanup(d)


def test_corrupt_or_newer_store_stops_the_service_with_a_clear_error():
    d = short_tmp()
    try:
        db = d / "smartmat.db"
        db.write_bytes(b"garbage, not SQLite" * 500)
        proc = device_process(d, "--sim", speed=10)
        proc.wait(60)
        err = stderr_of(proc)
        assert proc.returncode == 1 and str(db) in err and "not a smartmat database" in err
        assert db.read_bytes() == b"garbage, not SQLite" * 500
        db.unlink()
        con = sqlite3.connect(db)
        con.execute("PRAGMA user_version = 99")
        con.execute("CREATE TABLE future(x)")
        con.commit()
        con.close()
        before = db.read_bytes()
        proc = device_process(d, "--sim", speed=10)
        proc.wait(60)
        err = stderr_of(proc)
        assert proc.returncode == 1 and str(db) in err and "newer" in err
        assert db.read_bytes() == before
    finally:
        cleanup(d)
