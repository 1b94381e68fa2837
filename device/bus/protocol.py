"""The device bus protocol: newline-delimited JSON over a Unix stream socket.

Every line is one JSON object (UTF-8, at most :data:`MAX_LINE` bytes with
its newline).  Full description with examples: docs/bus.md.

Client to service (a request)::

    {"id": 7, "cmd": "set_exercise", "exercise": "quadruped"}

``id`` is any JSON scalar the client picks (echoed back; may be omitted).
``cmd`` is one of :data:`COMMANDS`; the other fields are its arguments.

Service to client:

* ``{"type": "reply", "id": 7, "ok": true, ...}``: the request succeeded;
  some commands add fields (``status`` adds the device state).
* ``{"type": "error", "id": 7, "error": "..."}``: the request was refused
  (bad JSON, unknown command, bad field, not possible now).  ``id`` is null
  when the line had none or could not be parsed.  An error with
  ``"fatal": true`` is the last line before the service closes the
  connection (line too long, subscriber too far behind, too many clients).
* events, after ``subscribe``: the objects of docs/events.md (``type`` is
  ``rep``, ``set``, ``state``, ``phase``, ``fault``, ``cue``, ``frame``,
  ``sensor_fault``) plus the service's own ``session`` events
  (``{"type": "session", "event": "start"|"end", "session": id, "profile": id|null, ...}``)
  and ``profile`` (the selected profile changed).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable

MAX_LINE = 64 * 1024
EXERCISES = ("prone", "quadruped", "standing")
LEGS = ("left", "right")
# Events a slow subscriber may miss (the next one supersedes them); all others are always delivered.
DROPPABLE = frozenset({"frame"})


class ProtocolError(ValueError):
    """A request that cannot be honoured; the message goes back in the error line."""


def encode(message: dict) -> bytes:
    """One line; NaN and infinities (not JSON) become null."""
    try:
        text = json.dumps(message, separators=(",", ":"), allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(message), separators=(",", ":"), allow_nan=False)
    return text.encode() + b"\n"


def _finite(v: Any) -> Any:
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def _choice(name: str, choices: tuple, nullable: bool = True) -> Callable[[dict], Any]:
    def check(req: dict) -> Any:
        if name not in req:
            raise ProtocolError(f"{req['cmd']}: missing field {name!r}")
        v = req[name]
        if (v is None and nullable) or v in choices:
            return v
        raise ProtocolError(f"{req['cmd']}: {name} must be one of {', '.join(choices)}"
                            f"{' or null' if nullable else ''}, got {v!r}")
    return check


def _count(name: str, lo: int, hi: int) -> Callable[[dict], Any]:
    def check(req: dict) -> Any:
        v = req.get(name)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ProtocolError(f"{req['cmd']}: {name} must be an integer {lo}..{hi} or null, got {v!r}")
        return v
    return check


def _profile(req: dict) -> Any:
    v = req.get("profile")
    if v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0) or (isinstance(v, str) and 0 < len(v) <= 64):
        return v
    raise ProtocolError(f"select_profile: profile must be a profile id, a name or null, got {v!r}")


def _known_kg(req: dict) -> Any:
    v = req.get("known_kg")
    if v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 500):
        return v
    raise ProtocolError(f"calibrate: known_kg must be a number 0..500 or absent, got {v!r}")


def _flag(name: str) -> Callable[[dict], Any]:
    def check(req: dict) -> Any:
        v = req.get(name, True)
        if not isinstance(v, bool):
            raise ProtocolError(f"{req['cmd']}: {name} must be true or false, got {v!r}")
        return v
    return check


# command -> {argument: checker}
COMMANDS: dict[str, dict[str, Callable[[dict], Any]]] = {
    "subscribe": {"frames": _flag("frames")},   # receive events; frames=false: no frame summaries
    "unsubscribe": {},
    "ping": {},
    "status": {},
    "start_set": {},
    "stop_set": {},
    "set_exercise": {"exercise": _choice("exercise", EXERCISES)},
    "set_leg": {"leg": _choice("leg", LEGS)},
    "set_target": {"reps": _count("reps", 1, 1000), "sets": _count("sets", 1, 100)},
    "tare": {},
    "calibrate": {"known_kg": _known_kg},
    "select_profile": {"profile": _profile},
    "end_session": {},
}


@dataclass
class Request:
    """A checked request: ``cmd`` and its arguments; ``client`` says where the reply goes."""

    cmd: str
    args: dict = field(default_factory=dict)
    id: Any = None
    client: int | None = None


def parse_request(line: bytes) -> Request:
    """A :class:`Request` from one line, or :class:`ProtocolError` (with ``.id`` when known)."""
    try:
        req = json.loads(line)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _with_id(ProtocolError(f"not JSON: {exc}"), None) from None
    if not isinstance(req, dict):
        raise _with_id(ProtocolError("a request is a JSON object"), None)
    rid = req.get("id")
    if isinstance(rid, (dict, list)):
        raise _with_id(ProtocolError("id must be a string, number or null"), None)
    cmd = req.get("cmd")
    if cmd not in COMMANDS:
        known = ", ".join(COMMANDS)
        raise _with_id(ProtocolError(f"unknown cmd {cmd!r} (known: {known})"), rid)
    spec = COMMANDS[cmd]
    extra = set(req) - set(spec) - {"id", "cmd"}
    if extra:
        raise _with_id(ProtocolError(f"{cmd}: unknown field {', '.join(sorted(extra))}"), rid)
    try:
        args = {name: check(req) for name, check in spec.items()}
    except ProtocolError as exc:
        raise _with_id(exc, rid) from None
    return Request(cmd, args, rid)


def _with_id(exc: ProtocolError, rid: Any) -> ProtocolError:
    exc.id = rid  # type: ignore[attr-defined]
    return exc
