"""systemd readiness and watchdog notifications (sd_notify), without a dependency.

The protocol is one datagram of ``KEY=VALUE`` lines to the AF_UNIX socket
named by ``$NOTIFY_SOCKET`` (a leading ``@`` means the abstract namespace).
Outside systemd the variable is unset and every call is a cheap no-op.
"""

from __future__ import annotations

import os
import socket
import time


class Notifier:
    def __init__(self, environ: dict | None = None, clock=time.monotonic) -> None:
        env = os.environ if environ is None else environ
        addr = env.get("NOTIFY_SOCKET", "")
        self.address = "\0" + addr[1:] if addr.startswith("@") else addr
        self.clock = clock
        # WATCHDOG_USEC: the unit's WatchdogSec; pet at half of it, as sd_watchdog_enabled(3) advises.
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        mine = not pid or pid == str(os.getpid())
        self.watchdog_s = int(usec) / 1e6 / 2 if usec.isdigit() and int(usec) > 0 and mine else None
        self._next_pet = 0.0
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def notify(self, *lines: str) -> bool:
        """Send ``lines`` (``READY=1``, ``STATUS=...``); False if not under systemd or it failed."""
        if not self.address:
            return False
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                # Non-blocking: a busy receiver must never stall the sensor loop (a lost ping is harmless).
                self._sock.setblocking(False)
            self._sock.sendto("\n".join(lines).encode(), self.address)
            return True
        except OSError:
            return False

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, status: str) -> bool:
        return self.notify(f"STATUS={status}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def pet(self) -> bool:
        """``WATCHDOG=1`` if half the watchdog interval has passed; call it from the loop to be guarded."""
        if self.watchdog_s is None:
            return False
        now = self.clock()
        if now < self._next_pet:
            return False
        self._next_pet = now + self.watchdog_s
        return self.notify("WATCHDOG=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
