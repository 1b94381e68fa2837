"""Pairing PIN, signed session cookie, CSRF tokens, PIN rate limit, security headers.

The model (ARCHITECTURE.md "Security model"): anyone on the network may
watch (every GET is open); every change is a POST that needs

* a paired session: the phone sent the pairing PIN to ``POST /pair`` once and
  holds Flask's signed session cookie (secret key generated once, kept in
  ``<data_dir>/web-secret-key``, mode 0600).  The cookie carries a
  fingerprint of the PIN, so changing the PIN unpairs every phone;
* a CSRF token: per session, sent back as the ``csrf_token`` form field or
  the ``X-CSRF-Token`` header, compared in constant time.

Wrong PINs are limited per client IP (``PIN_ATTEMPTS`` per ``PIN_WINDOW_S``),
then ``429`` with ``Retry-After``.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from functools import wraps
from pathlib import Path
from typing import Any, Callable

from flask import Flask, abort, current_app, request, session

log = logging.getLogger("smartmat.web")

SECRET_FILE = "web-secret-key"
PIN_FILE = "web-pin"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; font-src 'self'; manifest-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _write_private(path: Path, text: str) -> None:
    """Create ``path`` with mode 0600 (never readable by others, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _read_or_create(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    try:
        value = path.read_text().strip()
        if value:
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
            return value, False
        path.unlink()
    except FileNotFoundError:
        pass
    value = make()
    try:
        _write_private(path, value + "\n")
    except FileExistsError:  # another process won the race: use theirs
        return path.read_text().strip(), False
    return value, True


def load_secret_key(data_dir: Path) -> str:
    key, _ = _read_or_create(Path(data_dir) / SECRET_FILE, lambda: secrets.token_hex(32))
    return key


def load_pin(configured: str, data_dir: Path) -> tuple[str, str]:
    """The pairing PIN and where it comes from ("config" or the file's path)."""
    if configured:
        return configured, "config"
    path = Path(data_dir) / PIN_FILE
    pin, created = _read_or_create(path, lambda: f"{secrets.randbelow(10**6):06d}")
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValueError(f"{path}: the pairing PIN must be 4-8 digits; delete the file for a new one")
    if created:
        log.warning("pairing PIN: %s (new; kept in %s; set [web] pin in the config to choose one)", pin, path)
    else:
        log.info("pairing PIN: %s (from %s)", pin, path)
    return pin, str(path)


def pin_fingerprint(app: Flask) -> str:
    return hmac.new(app.config["SECRET_KEY"].encode(), b"pin:" + app.config["PAIRING_PIN"].encode(),
                    hashlib.sha256).hexdigest()[:32]


def is_paired() -> bool:
    fp = session.get("paired")
    return isinstance(fp, str) and hmac.compare_digest(fp, pin_fingerprint(current_app))


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def pair(pin: str) -> bool:
    if not hmac.compare_digest(pin.encode(), current_app.config["PAIRING_PIN"].encode()):
        return False
    session.clear()
    session.permanent = True
    session["paired"] = pin_fingerprint(current_app)
    session["csrf"] = secrets.token_urlsafe(32)  # a new token after login
    return True


def unpair() -> None:
    session.clear()


def requires_pin(f: Callable[..., Any]) -> Callable[..., Any]:
    """The view changes something: a paired phone only (the CSRF check runs for every POST)."""

    @wraps(f)
    def inner(*args: Any, **kwargs: Any) -> Any:
        if not is_paired():
            abort(403, description="pair this phone first: enter the device's PIN at /pair")
        return f(*args, **kwargs)

    return inner


class PinLimiter:
    """Wrong PIN attempts per client, in a sliding window (in memory: one web process)."""

    def __init__(self, attempts: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts, self.window_s, self.clock = attempts, window_s, clock
        self._fails: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> collections.deque[float]:
        q = self._fails.setdefault(client, collections.deque())
        while q and now - q[0] >= self.window_s:
            q.popleft()
        return q

    def retry_after(self, client: str) -> int:
        """Seconds to wait before another attempt is heard; 0: go ahead."""
        with self._lock:
            now = self.clock()
            q = self._recent(client, now)
            if len(q) < self.attempts:
                return 0
            return max(1, int(q[0] + self.window_s - now + 0.999))

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(client, now).append(now)
            if len(self._fails) > 10000:  # forget idle clients
                for k in [k for k, v in self._fails.items() if not v]:
                    del self._fails[k]


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    token = session.get("csrf")
    if not (isinstance(token, str) and token and hmac.compare_digest(sent.encode(), token.encode())):
        abort(400, description="missing or stale CSRF token: reload the page and try again")


def _headers(response: Any) -> Any:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "no-referrer")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    h.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static" and "Cache-Control" not in h:
        h["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.extensions["smartmat_pin_limiter"] = PinLimiter(app.config["PIN_ATTEMPTS"], app.config["PIN_WINDOW_S"])
    app.before_request(_check_csrf)
    app.after_request(_headers)

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        return {"csrf_token": csrf_token, "paired": is_paired()}
