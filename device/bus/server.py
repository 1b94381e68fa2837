"""BusServer: the device bus on its own thread (selectors), fed without blocking by the sensor loop.

Threads and queues, because the sensor loop must never wait on a client:

* ``publish(event)`` and ``reply(request, ...)`` only append to a deque and
  poke a wake-up pipe; they are safe from any thread and never block.
* The bus thread serialises each event once and copies the line into every
  subscriber's own bounded queue.  A subscriber whose queue holds more than
  ``frame_backlog`` lines stops getting ``frame`` summaries until it catches
  up; one more than ``max_backlog`` lines (or ``max_bytes``) behind is cut
  off: its queue is discarded, a final error line says why, the socket is
  half-closed once that line is out, and closed when the client hangs up
  (or after ``linger_s``).  Input from a client being cut off is read and
  discarded meanwhile: closing a Unix socket with unread input resets it
  and the client would never see the reason.
* Requests are parsed and checked here; ``subscribe``/``unsubscribe``/
  ``ping`` are answered here, the rest go to ``on_command(request)`` (the
  service queues them for its loop and replies later through ``reply``).
"""

from __future__ import annotations

import collections
import errno
import logging
import os
import selectors
import socket
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .protocol import DROPPABLE, MAX_LINE, ProtocolError, Request, encode, parse_request

log = logging.getLogger(__name__)


class BusInUse(RuntimeError):
    """Another process is serving the bus socket."""


@dataclass
class _Client:
    cid: int
    sock: socket.socket
    inbuf: bytearray = field(default_factory=bytearray)
    out: collections.deque = field(default_factory=collections.deque)
    out_bytes: int = 0
    subscribed: bool = False
    frames: bool = True
    closing_at: float | None = None   # set: input is discarded; closed on EOF or at this time
    dropped: int = 0


class BusServer:
    def __init__(self, path: str | os.PathLike[str], on_command: Callable[[Request], None] | None = None, *,
                 frame_backlog: int = 64, max_backlog: int = 4096, max_bytes: int = 4 << 20,
                 max_clients: int = 32, linger_s: float = 5.0, mode: int = 0o660) -> None:
        self.path = Path(path)
        self.on_command = on_command
        self.frame_backlog, self.max_backlog, self.max_bytes = frame_backlog, max_backlog, max_bytes
        self.max_clients, self.linger_s, self.mode = max_clients, linger_s, mode
        self._outbox: collections.deque = collections.deque()
        self._clients: dict[int, _Client] = {}
        self._next_cid = 1
        self._woken = False
        self._running = False
        self._thread: threading.Thread | None = None
        self.disconnected_slow = 0

    # ---- any thread -----------------------------------------------------

    def start(self) -> "BusServer":
        self._listener = self._bind()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, "listen")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._running = True
        self._thread = threading.Thread(target=self._run, name="device-bus", daemon=True)
        self._thread.start()
        return self

    def publish(self, event: dict) -> None:
        """Send an event to every subscriber.  Never blocks."""
        self._outbox.append((None, event))
        self._wake()

    def reply(self, request: Request, **fields: Any) -> None:
        self._outbox.append((request.client, {"type": "reply", "id": request.id, "ok": True, **fields}))
        self._wake()

    def fail(self, request: Request, error: str) -> None:
        self._outbox.append((request.client, {"type": "error", "id": request.id, "error": error}))
        self._wake()

    @property
    def subscribers(self) -> int:
        return sum(1 for c in list(self._clients.values()) if c.subscribed)

    def close(self) -> None:
        if not self._running:
            return
        self._running = False
        self._wake(force=True)
        if self._thread:
            self._thread.join(5)
        try:
            if self.path.is_socket():
                self.path.unlink()
        except OSError:
            pass

    def _wake(self, force: bool = False) -> None:
        if self._woken and not force:
            return
        self._woken = True
        try:
            os.write(self._wake_w, b"!")
        except (BlockingIOError, OSError, AttributeError):
            pass

    # ---- setup ----------------------------------------------------------

    def _bind(self) -> socket.socket:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() or self.path.is_symlink():
            if not stat.S_ISSOCK(self.path.lstat().st_mode):
                raise BusInUse(f"{self.path} exists and is not a socket; not touching it")
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(str(self.path))
                raise BusInUse(f"{self.path}: another device service is already running")
            except (ConnectionRefusedError, FileNotFoundError):
                self.path.unlink()  # stale, left by a killed service
            finally:
                probe.close()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(self.path))
        os.chmod(self.path, self.mode)
        sock.listen(16)
        sock.setblocking(False)
        return sock

    # ---- the bus thread -------------------------------------------------

    def _run(self) -> None:
        try:
            while self._running:
                timeout = 1.0 if any(c.closing_at for c in self._clients.values()) else None
                for key, mask in self._sel.select(timeout):
                    if key.data == "listen":
                        self._accept()
                    elif key.data == "wake":
                        # Drain, then clear: cleared first, a publish in between would write a
                        # byte the drain swallows, leaving the flag set, the pipe empty, and
                        # every later publish skipping the wake-up (the bus fell silent).
                        try:
                            while os.read(self._wake_r, 4096):
                                pass
                        except BlockingIOError:
                            pass
                        self._woken = False
                    else:
                        client = self._clients.get(key.data)
                        if client is None:
                            continue
                        if mask & selectors.EVENT_READ:
                            self._read(client)
                        if mask & selectors.EVENT_WRITE and client.cid in self._clients:
                            self._flush(client)
                self._dispatch()
                now = time.monotonic()
                for c in list(self._clients.values()):
                    if c.closing_at is not None and now >= c.closing_at:
                        self._drop(c)
        except Exception:  # noqa: BLE001
            log.exception("device bus thread failed")
        finally:
            for c in list(self._clients.values()):
                self._drop(c)
            self._sel.close()
            self._listener.close()
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            sock.setblocking(False)
            client = _Client(self._next_cid, sock)
            self._next_cid += 1
            self._clients[client.cid] = client
            self._sel.register(sock, selectors.EVENT_READ, client.cid)
            if len(self._clients) > self.max_clients:
                self._close_with(client, f"too many clients (max {self.max_clients})")

    def _read(self, c: _Client) -> None:
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(c)
            return
        if c.closing_at is not None:
            return  # draining: closing a Unix socket with unread input would reset it, losing our last line
        c.inbuf += data
        while c.closing_at is None:
            nl = c.inbuf.find(b"\n")
            if nl < 0:
                if len(c.inbuf) >= MAX_LINE:
                    self._close_with(c, f"line longer than {MAX_LINE} bytes")
                return
            if nl + 1 > MAX_LINE:
                self._close_with(c, f"line longer than {MAX_LINE} bytes")
                return
            line = bytes(c.inbuf[:nl])
            del c.inbuf[:nl + 1]
            if line.strip():
                self._handle(c, line)

    def _handle(self, c: _Client, line: bytes) -> None:
        try:
            req = parse_request(line)
        except ProtocolError as exc:
            self._send(c, {"type": "error", "id": getattr(exc, "id", None), "error": str(exc)})
            return
        req.client = c.cid
        if req.cmd == "subscribe":
            c.subscribed, c.frames = True, req.args["frames"]
            self._send(c, {"type": "reply", "id": req.id, "ok": True})
        elif req.cmd == "unsubscribe":
            c.subscribed = False
            self._send(c, {"type": "reply", "id": req.id, "ok": True})
        elif req.cmd == "ping":
            self._send(c, {"type": "reply", "id": req.id, "ok": True, "pong": True})
        elif self.on_command is None:
            self._send(c, {"type": "error", "id": req.id, "error": f"{req.cmd}: no device attached"})
        else:
            try:
                self.on_command(req)
            except Exception as exc:  # noqa: BLE001 - a bad command must not kill the bus
                self._send(c, {"type": "error", "id": req.id, "error": f"{req.cmd}: {exc}"})

    def _dispatch(self) -> None:
        while self._outbox:
            target, message = self._outbox.popleft()
            if target is not None:
                c = self._clients.get(target)
                if c is not None and c.closing_at is None:
                    self._send(c, message)
                continue
            line = None
            droppable = message.get("type") in DROPPABLE
            for c in list(self._clients.values()):
                if not c.subscribed or c.closing_at is not None:
                    continue
                if droppable and not c.frames:
                    continue
                if droppable and len(c.out) >= self.frame_backlog:
                    c.dropped += 1
                    continue
                if len(c.out) >= self.max_backlog or c.out_bytes >= self.max_bytes:
                    self.disconnected_slow += 1
                    self._close_with(c, f"subscriber too slow: {len(c.out)} events behind; disconnected")
                    continue
                line = line or encode(message)
                self._queue(c, line)

    def _send(self, c: _Client, message: dict) -> None:
        self._queue(c, encode(message))

    def _queue(self, c: _Client, line: bytes) -> None:
        was_empty = not c.out
        c.out.append(line)
        c.out_bytes += len(line)
        if was_empty:
            self._flush(c)

    def _flush(self, c: _Client) -> None:
        while c.out:
            head = c.out[0]
            try:
                n = c.sock.send(head)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._drop(c)
                return
            c.out_bytes -= n
            if n < len(head):
                c.out[0] = head[n:]
                break
            c.out.popleft()
        if c.closing_at is not None and not c.out:
            try:
                c.sock.shutdown(socket.SHUT_WR)  # the client reads our last line, then EOF
            except OSError:
                pass
        events = (selectors.EVENT_WRITE if c.out else 0) | selectors.EVENT_READ
        try:
            self._sel.modify(c.sock, events, c.cid)
        except (KeyError, ValueError):
            pass

    def _close_with(self, c: _Client, why: str) -> None:
        """Discard the client's queue, send a final error line, then half-close and drain."""
        log.info("bus client %d: %s", c.cid, why)
        c.out.clear()
        c.out_bytes = 0
        c.subscribed = False
        c.closing_at = time.monotonic() + self.linger_s
        self._queue(c, encode({"type": "error", "id": None, "error": why, "fatal": True}))

    def _drop(self, c: _Client) -> None:
        if self._clients.pop(c.cid, None) is None:
            return
        try:
            self._sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        try:
            c.sock.close()
        except OSError:
            pass
