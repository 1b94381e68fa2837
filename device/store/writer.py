"""StoreWriter: the store's writes on their own thread, so the sensor loop never waits on the SD card.

The sensor loop calls the same method names as :class:`SessionStore`
(``writer.add_rep(sid, rep)``); each call is queued and returns at once.  The
writer thread owns the only writable connection and runs the calls in order,
each in its own transaction (so each rep, each second of frames is committed
when it arrives).  A failing write is logged and the loop goes on: losing a
write is better than stopping the count.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import Any, Callable

from .store import SessionStore

log = logging.getLogger(__name__)
_STOP = object()


class StoreWriter:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self.errors = 0
        # Open (and migrate) here so a bad file is an error at start-up, not in a thread.
        self._store = SessionStore(self.path)
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name.startswith("_") or not callable(getattr(SessionStore, name, None)):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> None:
            self._q.put((name, args, kwargs, None))

        return call

    def call(self, fn: Callable[[SessionStore], Any]) -> "queue.SimpleQueue":
        """Run ``fn(store)`` on the writer thread; returns a queue that receives (ok, result)."""
        reply: queue.SimpleQueue = queue.SimpleQueue()
        self._q.put((None, (fn,), {}, reply))
        return reply

    def then(self, fn: Callable[[], Any]) -> None:
        """Run ``fn()`` on the writer thread once everything queued before is committed.

        The service announces a rep on the bus this way: what the dashboard
        was told is on disk, even if the process is killed the next instant.
        """
        self._q.put((None, (lambda store: fn(),), {}, None))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued write is committed."""
        try:
            self.call(lambda s: None).get(timeout=timeout)
            return True
        except queue.Empty:
            return False

    def backlog(self) -> int:
        return self._q.qsize()

    def close(self, timeout: float = 10.0) -> None:
        self._q.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        store = self._store
        try:
            while True:
                item = self._q.get()
                if item is _STOP:
                    return
                name, args, kwargs, reply = item
                try:
                    result = args[0](store) if name is None else getattr(store, name)(*args, **kwargs)
                    if reply is not None:
                        reply.put((True, result))
                except Exception as exc:  # noqa: BLE001 - keep counting, report the failure
                    self.errors += 1
                    log.exception("store write %s failed", name or "call")
                    if reply is not None:
                        reply.put((False, exc))
        finally:
            store.close()
