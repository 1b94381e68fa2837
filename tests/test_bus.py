"""The device bus: commands and replies, events, slow and dead subscribers, bad input."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest

from device.bus import BusClient, BusError, BusFollower, BusInUse, BusServer, MAX_LINE, request
from device.bus.protocol import ProtocolError, parse_request


@pytest.fixture
def sock_path():
    d = tempfile.mkdtemp(prefix="smb", dir="/tmp")  # AF_UNIX paths are limited to 108 bytes
    yield Path(d) / "run" / "device.sock"
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def server(sock_path):
    commands = []

    def on_command(req):
        commands.append(req)
        if req.cmd == "status":
            srv.reply(req, state="idle")
        elif req.cmd == "tare":
            srv.fail(req, "tare: nobody may be on the mat")
        else:
            srv.reply(req)

    srv = BusServer(sock_path, on_command, frame_backlog=8, max_backlog=200, linger_s=2.0).start()
    srv.commands = commands
    yield srv
    srv.close()


def test_socket_is_created_with_mode_0660(server, sock_path):
    st = sock_path.stat()
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660


def test_commands_get_replies(server, sock_path):
    with BusClient(sock_path) as c:
        assert c.request("ping")["pong"] is True
        r = c.request("set_exercise", exercise="prone")
        assert r == {"type": "reply", "id": r["id"], "ok": True}
        assert c.request("status")["state"] == "idle"
        with pytest.raises(BusError, match="nobody"):
            c.request("tare")
        c.request("set_target", reps=12, sets=None)
    assert [(r.cmd, r.args) for r in server.commands] == [
        ("set_exercise", {"exercise": "prone"}), ("status", {}), ("tare", {}),
        ("set_target", {"reps": 12, "sets": None})]
    assert request(sock_path, "select_profile", profile="Ann")["ok"]


@pytest.mark.parametrize("line, error", [
    (b"this is not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"id": 3, "cmd": "fly"}', "unknown cmd"),
    (b'{"id": 4, "cmd": "set_exercise", "exercise": 5}', "exercise must be one of"),
    (b'{"id": 5, "cmd": "set_target", "reps": "ten"}', "reps must be an integer"),
    (b'{"id": 6, "cmd": "set_target", "reps": true}', "reps must be an integer"),
    (b'{"id": 7, "cmd": "set_leg"}', "missing field"),
    (b'{"id": 8, "cmd": "start_set", "now": 1}', "unknown field"),
    (b'{"id": {"a": 1}, "cmd": "status"}', "id must be"),
    (b'\xff\xfe{}', "not JSON"),
])
def test_malformed_requests_get_an_error_and_the_connection_stays(server, sock_path, line, error):
    with BusClient(sock_path) as c:
        c.sock.sendall(line + b"\n")
        msg = next(c.events(timeout=5))
        assert msg["type"] == "error" and error in msg["error"]
        expected_id = json.loads(line)["id"] if line.startswith(b'{"id": ') and b"{\"a\"" not in line else None
        assert msg["id"] == expected_id
        assert c.request("ping")["ok"]  # same connection still served
    assert not server.commands


def test_a_10mb_line_is_refused_and_the_server_keeps_running(server, sock_path):
    c = BusClient(sock_path, timeout=10)
    big = b'{"id": 1, "cmd": "status", "pad": "' + b"x" * (10 << 20) + b'"}\n'
    sender = threading.Thread(target=lambda: _try(lambda: c.sock.sendall(big)), daemon=True)
    sender.start()
    msgs = list(c.events(timeout=10))
    assert msgs[-1]["type"] == "error" and "longer than" in msgs[-1]["error"] and msgs[-1]["fatal"]
    sender.join(10)
    c.close()
    with BusClient(sock_path) as c2:
        assert c2.request("ping")["ok"]


def test_a_line_exactly_at_the_limit_is_read(server, sock_path):
    with BusClient(sock_path) as c:
        head = b'{"id": 2, "cmd": "ping", "pad": "'
        line = head + b"x" * (MAX_LINE - len(head) - 3) + b'"}\n'
        assert len(line) == MAX_LINE
        c.sock.sendall(line)
        msg = next(c.events(timeout=5))
        assert "unknown field pad" in msg["error"]  # parsed, not cut off


def _try(fn):
    try:
        fn()
    except OSError:
        pass


def test_subscribers_get_events_in_order_and_unsubscribed_clients_do_not(server, sock_path):
    with BusClient(sock_path) as sub, BusClient(sock_path) as idle, BusClient(sock_path) as nofr:
        sub.subscribe()
        nofr.subscribe(frames=False)
        for i in range(50):
            server.publish({"type": "frame", "t": i / 10, "total": 60.0})
            if i % 10 == 9:
                server.publish({"type": "rep", "t": i / 10, "count": i // 10 + 1, "ai_peak": float("nan")})
        got = [next(sub.events(timeout=5)) for _ in range(55)]
        assert [m["t"] for m in got if m["type"] == "frame"] == [i / 10 for i in range(50)]
        assert [m["count"] for m in got if m["type"] == "rep"] == [1, 2, 3, 4, 5]
        assert got[10]["ai_peak"] is None  # NaN is not JSON
        assert [m["count"] for m in (next(nofr.events(timeout=5)) for _ in range(5))] == [1, 2, 3, 4, 5]
        assert idle.request("ping")["ok"]  # its first line is the reply, no events
        assert server.subscribers == 2


def test_a_publish_while_the_bus_thread_wakes_is_not_lost(server, sock_path, monkeypatch):
    """An event published just as the bus thread drains its wake-up pipe, and every one after it, arrive.

    The interleaving is forced: the publish runs inside the bus thread's read
    of the pipe.  Clearing the wake-up flag before that read let it swallow
    the publish's byte with the flag left set, and later publishes skipped
    waking a thread asleep in ``select``: the bus fell silent for good.
    """
    real_read, fired = os.read, []

    def read_with_a_publish_in_between(fd, n):
        if fd == server._wake_r and not fired and threading.current_thread().name == "device-bus":
            fired.append(True)
            server.publish({"type": "rep", "count": 1})
        return real_read(fd, n)

    with BusClient(sock_path) as sub:
        sub.subscribe(frames=False)
        monkeypatch.setattr(os, "read", read_with_a_publish_in_between)
        server.publish({"type": "rep", "count": 0})
        assert next(sub.events(timeout=5))["count"] == 0
        assert next(sub.events(timeout=5))["count"] == 1 and fired
        monkeypatch.setattr(os, "read", real_read)
        server.publish({"type": "rep", "count": 2})
        assert next(sub.events(timeout=5))["count"] == 2


def test_a_stalled_subscriber_loses_frames_then_is_cut_off_without_stalling_publish(server, sock_path):
    slow = BusClient(sock_path)
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.subscribe()
    fast = BusClient(sock_path)
    fast.subscribe(frames=False)
    pad = "x" * 500
    n = 3000
    counts = []
    reader = threading.Thread(target=lambda: counts.extend(
        next(fast.events(timeout=10)).get("count") for _ in range(n)), daemon=True)
    reader.start()
    started = time.monotonic()
    sleeping = 0.0
    for i in range(n):
        server.publish({"type": "frame", "t": i, "pad": pad})
        server.publish({"type": "rep", "t": i, "count": i, "pad": pad})
        if i % 20 == 19:  # a live rate (if a brisk one), so the reading subscriber can keep up on a busy CI box
            time.sleep(0.005)
            sleeping += 0.005
    publish_s = time.monotonic() - started - sleeping
    assert publish_s < 5.0  # publish never waits for a client
    # the reading subscriber receives every rep
    reader.join(30)
    assert counts == list(range(n))
    # the stalled one, reading at last: some events, then a final error line, then EOF
    msgs = list(slow.events(timeout=10))
    assert msgs[-1]["type"] == "error" and "too slow" in msgs[-1]["error"]
    reps = [m["count"] for m in msgs if m["type"] == "rep"]
    assert reps == list(range(len(reps))) and len(reps) < n  # no rep lost before the cut, in order
    assert server.disconnected_slow == 1
    with BusClient(sock_path) as c:
        assert c.request("ping")["ok"]
    slow.close()
    fast.close()


def test_a_killed_subscriber_is_forgotten(server, sock_path):
    dead = BusClient(sock_path)
    dead.subscribe()
    dead.sock.close()
    with BusClient(sock_path) as live:
        live.subscribe()
        for i in range(200):
            server.publish({"type": "rep", "t": i, "count": i})
        assert [next(live.events(timeout=5))["count"] for _ in range(200)] == list(range(200))
    deadline = time.monotonic() + 5
    while server.subscribers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.subscribers == 0


def test_stale_socket_is_replaced_but_a_live_one_is_not(sock_path):
    a = BusServer(sock_path).start()
    with pytest.raises(BusInUse, match="already running"):
        BusServer(sock_path).start()
    a.close()
    # a socket file left by a killed service
    sock_path.parent.mkdir(parents=True, exist_ok=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock_path))
    s.close()
    b = BusServer(sock_path).start()
    with BusClient(sock_path) as c:
        assert c.request("ping")["ok"]
        with pytest.raises(BusError, match="no device"):
            c.request("status")
    b.close()
    assert not sock_path.exists()


def test_follower_reconnects_after_a_restart(sock_path):
    got = []
    a = BusServer(sock_path).start()
    f = BusFollower(sock_path, got.append, retry_s=(0.05, 0.2)).start()
    _wait(lambda: a.subscribers == 1)
    a.publish({"type": "rep", "count": 1})
    _wait(lambda: {"type": "rep", "count": 1} in got)
    a.close()
    _wait(lambda: {"type": "bus", "connected": False} in got)
    b = BusServer(sock_path).start()
    _wait(lambda: b.subscribers == 1)
    b.publish({"type": "rep", "count": 2})
    _wait(lambda: {"type": "rep", "count": 2} in got)
    assert [g for g in got if g["type"] == "bus"] == [{"type": "bus", "connected": v} for v in (True, False, True)]
    f.stop()
    b.close()


def test_connect_to_nothing_is_a_clear_error(sock_path):
    with pytest.raises(BusError, match="cannot connect"):
        BusClient(sock_path)


def test_parse_request_normalises_arguments():
    assert parse_request(b'{"cmd": "subscribe"}').args == {"frames": True}
    with pytest.raises(ProtocolError):
        parse_request(b'{"cmd": "select_profile", "profile": 0}')


def _wait(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
