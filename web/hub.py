"""One device-bus subscription per web process, fanned out to every phone.

A :class:`device.bus.client.BusFollower` thread stays subscribed (and
reconnects when the device service restarts); each event is encoded once as
an SSE message and offered to every connected client's own bounded queue.
Publishing never blocks: a client whose queue is half full stops getting
``frame`` summaries (the next one supersedes them anyway); a client whose
queue is full is cut off (its EventSource reconnects and starts afresh), so
one slow phone never holds up the others or the bus.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from typing import Any

from device.bus.client import BusFollower

DROPPABLE = frozenset({"frame"})


def sse_message(event: dict) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


class Overflow(Exception):
    """The client fell too far behind and was cut off."""


class Client:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: collections.deque[bytes] = collections.deque()
        self._cond = threading.Condition()
        self.overflow = False
        self.closed = False
        self.dropped = 0

    def offer(self, item: bytes, droppable: bool) -> None:
        with self._cond:
            if self.overflow or self.closed:
                return
            n = len(self._items)
            if n >= self.size:
                self.overflow = True
                self._items.clear()
            elif droppable and n >= self.size // 2:
                self.dropped += 1
                return
            else:
                self._items.append(item)
            self._cond.notify()

    def get(self, timeout: float) -> bytes | None:
        """The next message; None after ``timeout`` seconds of nothing; :class:`Overflow` if cut off."""
        with self._cond:
            if not self._items and not self.overflow and not self.closed:
                self._cond.wait(timeout)
            if self.overflow or self.closed:
                raise Overflow()
            return self._items.popleft() if self._items else None

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class Hub:
    def __init__(self, socket_path: str, queue_size: int = 256, max_clients: int = 25) -> None:
        self.socket_path = socket_path
        self.queue_size = queue_size
        self.max_clients = max_clients
        self._clients: set[Client] = set()
        self._lock = threading.Lock()
        self._follower: BusFollower | None = None
        self.events_in = 0
        self.last_event_mono: float | None = None

    # ---- the bus side ---------------------------------------------------

    def start(self) -> "Hub":
        if self._follower is None:
            self._follower = BusFollower(self.socket_path, self.publish, frames=True).start()
        return self

    def stop(self) -> None:
        if self._follower is not None:
            self._follower.stop()
            self._follower = None
        with self._lock:
            clients = list(self._clients)
        for c in clients:
            c.close()

    @property
    def connected(self) -> bool:
        return bool(self._follower and self._follower.connected)

    def publish(self, event: dict) -> None:
        """Offer one event to every client (the follower thread; tests call it directly)."""
        self.events_in += 1
        self.last_event_mono = time.monotonic()
        message = sse_message(event)
        droppable = event.get("type") in DROPPABLE
        with self._lock:
            clients = list(self._clients)
        for c in clients:
            c.offer(message, droppable)

    # ---- the SSE side ---------------------------------------------------

    def subscribe(self) -> Client | None:
        """A new client queue; None when ``max_clients`` are connected already."""
        with self._lock:
            if len(self._clients) >= self.max_clients:
                return None
            c = Client(self.queue_size)
            self._clients.add(c)
            return c

    def unsubscribe(self, client: Client) -> None:
        client.close()
        with self._lock:
            self._clients.discard(client)

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def stats(self) -> dict[str, Any]:
        return {"clients": self.clients, "max_clients": self.max_clients, "events": self.events_in}
