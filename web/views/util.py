"""Small checks shared by the views: every bad input becomes a clear 400/404, never a 500."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request

from device.bus.client import BusError, request as bus_request

MAX_ID = 2**31 - 1  # SQLite would overflow on larger; no store has that many rows


def parse_id(value: Any, what: str) -> int:
    """A row id from a URL part: a positive integer, else 400 (a non-numeric id) / 404 (none such)."""
    text = str(value)
    if not text.isascii() or not text.isdigit():
        abort(400, description=f"{what} id must be a positive whole number, got {text[:40]!r}")
    n = int(text) if len(text) <= 12 else MAX_ID + 1
    if not 1 <= n <= MAX_ID:
        abort(404, description=f"no {what} {text[:40]}")
    return n


def int_arg(name: str, default: int | None, lo: int, hi: int, source: Any = None) -> int | None:
    """An optional integer query/form field within ``lo..hi``; 400 with the field's name otherwise."""
    src = request.args if source is None else source
    raw = src.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    text = str(raw).strip()
    try:
        value = int(text)
    except ValueError:
        abort(400, description=f"{name} must be a whole number, got {text[:40]!r}")
    if not lo <= value <= hi:
        abort(400, description=f"{name} must be between {lo} and {hi}, got {value}")
    return value


def float_arg(name: str, lo: float, hi: float, source: Any) -> float | None:
    raw = source.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip()
    try:
        value = float(text)
    except ValueError:
        abort(400, description=f"{name} must be a number, got {text[:40]!r}")
    if not (lo <= value <= hi):  # also rejects nan
        abort(400, description=f"{name} must be between {lo:g} and {hi:g}, got {text[:40]}")
    return value


def device_status(timeout: float = 1.0) -> dict | None:
    """The device service's ``status`` reply, or None when it does not answer."""
    try:
        reply = bus_request(current_app.config["SOCKET_PATH"], "status", timeout=timeout)
    except (BusError, TimeoutError, OSError, ValueError):
        return None
    reply.pop("type", None), reply.pop("id", None), reply.pop("ok", None)
    return reply


def hub():
    return current_app.extensions["smartmat_hub"]
