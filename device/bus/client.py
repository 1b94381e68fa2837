"""Clients of the device bus, for the web process, tools and tests.

* :func:`request`: one command on a fresh connection, returns the reply.
  Cheap (a Unix socket), so a web request handler can just call it.
* :class:`BusClient`: one connection; ``request()`` and ``subscribe()`` on
  the same socket (events that arrive while waiting for a reply are kept
  for ``events()``).  Not thread-safe: one thread per client.
* :class:`BusFollower`: a thread that stays subscribed, calls
  ``on_event(event)`` for each event and reconnects (with back-off) when
  the device service restarts; it reports ``{"type": "bus", "connected":
  true|false}`` so a dashboard can show the device as disconnected.
"""

from __future__ import annotations

import collections
import itertools
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from .protocol import MAX_LINE, encode


class BusError(RuntimeError):
    """An error reply, or the connection failed; ``reply`` holds the error line if there was one."""

    def __init__(self, message: str, reply: dict | None = None) -> None:
        super().__init__(message)
        self.reply = reply


class BusClient:
    def __init__(self, path: str | Path, timeout: float = 5.0) -> None:
        self.path = str(path)
        self.timeout = timeout
        self._buf = bytearray()
        self._pending: collections.deque[dict] = collections.deque()
        self._ids = itertools.count(1)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.settimeout(timeout)
            self.sock.connect(self.path)
        except OSError as exc:
            self.sock.close()
            raise BusError(f"cannot connect to the device bus at {self.path}: {exc.strerror or exc}") from None
        self.closed = False

    def __enter__(self) -> "BusClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.closed = True
        self.sock.close()

    def send(self, message: dict) -> None:
        try:
            self.sock.sendall(encode(message))
        except OSError as exc:
            raise BusError(f"device bus: send failed: {exc}") from None

    def request(self, cmd: str, timeout: float | None = None, **fields: Any) -> dict:
        """Send a command, wait for its reply; raises :class:`BusError` on an error reply."""
        rid = next(self._ids)
        self.send({"id": rid, "cmd": cmd, **fields})
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            msg = self._read(deadline)
            if msg is None:
                raise BusError(f"device bus closed the connection before replying to {cmd}")
            if msg.get("type") == "reply" and msg.get("id") == rid:
                return msg
            if msg.get("type") == "error" and (msg.get("id") == rid or msg.get("fatal")):
                raise BusError(msg.get("error", "error"), msg)
            self._pending.append(msg)

    def subscribe(self, frames: bool = True) -> None:
        self.request("subscribe", frames=frames)

    def events(self, timeout: float | None = None) -> Iterator[dict]:
        """Events as they come, until the service closes the connection.

        ``timeout``: give up (raise ``TimeoutError``) if nothing arrives for that long.
        """
        while True:
            if self._pending:
                yield self._pending.popleft()
                continue
            msg = self._read(None if timeout is None else time.monotonic() + timeout)
            if msg is None:
                return
            yield msg

    def next_event(self, timeout: float = 5.0, where: Callable[[dict], bool] | None = None) -> dict:
        """The next event (matching ``where``); ``TimeoutError`` if none in ``timeout``."""
        deadline = time.monotonic() + timeout
        for msg in self.events(timeout):
            if where is None or where(msg):
                return msg
            if time.monotonic() > deadline:
                break
        raise TimeoutError("no matching event from the device bus")

    def _read(self, deadline: float | None) -> dict | None:
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[:nl + 1]
                if line.strip():
                    return json.loads(line)
                continue
            if len(self._buf) > MAX_LINE:
                raise BusError("device bus sent an over-long line")
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("device bus: timed out")
                self.sock.settimeout(left)
            else:
                self.sock.settimeout(None)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("device bus: timed out") from None
            except OSError as exc:
                raise BusError(f"device bus: {exc}") from None
            if not data:
                return None
            self._buf += data


def request(path: str | Path, cmd: str, timeout: float = 5.0, **fields: Any) -> dict:
    """One command on its own connection; the reply, or :class:`BusError`."""
    with BusClient(path, timeout) as client:
        return client.request(cmd, **fields)


class BusFollower:
    """Stay subscribed across device restarts; ``on_event`` runs on the follower's thread."""

    def __init__(self, path: str | Path, on_event: Callable[[dict], None], frames: bool = True,
                 retry_s: tuple[float, float] = (0.2, 5.0)) -> None:
        self.path, self.on_event, self.frames, self.retry_s = path, on_event, frames, retry_s
        self.connected = False
        self._stop = threading.Event()
        self._client: BusClient | None = None
        self._thread = threading.Thread(target=self._run, name="bus-follower", daemon=True)

    def start(self) -> "BusFollower":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        client = self._client
        if client is not None:
            try:
                client.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(5)

    def _set_connected(self, up: bool) -> None:
        if up != self.connected:
            self.connected = up
            self.on_event({"type": "bus", "connected": up})

    def _run(self) -> None:
        delay = self.retry_s[0]
        while not self._stop.is_set():
            try:
                with BusClient(self.path) as client:
                    self._client = client
                    client.subscribe(self.frames)
                    self._set_connected(True)
                    delay = self.retry_s[0]
                    for event in client.events():
                        if self._stop.is_set():
                            break
                        self.on_event(event)
            except (BusError, OSError, ValueError):
                pass
            finally:
                self._client = None
            self._set_connected(False)
            self._stop.wait(delay)
            delay = min(delay * 2, self.retry_s[1])
