"""JSON API and exports (SPEC section 4), and the device commands (POST, PIN)."""

from __future__ import annotations

import tempfile
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file

from device.bus.client import BusError, request as bus_request
from device.config import EXERCISES

from .. import data
from ..security import requires_pin
from .util import MAX_ID, device_status, float_arg, hub, int_arg, parse_id

bp = Blueprint("api", __name__, url_prefix="/api")

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "recording": ("text/csv; charset=utf-8", "recording.csv"),
}


@bp.get("/health")
def health() -> Response:
    h = hub()
    cfg = current_app.config
    s = data.store()
    return jsonify({"status": "ok", "device": "connected" if h.connected else "disconnected",
                    "store": "ok" if s is not None else "missing",
                    "mat": {"width_m": cfg["MAT_WIDTH_M"], "length_m": cfg["MAT_LENGTH_M"]},
                    "tilt_margin_pct": cfg["TILT_MARGIN_PCT"], "live": h.stats()})


@bp.get("/status")
def status() -> Response:
    st = device_status()
    if st is None:
        abort(503, description="the device service is not answering")
    return jsonify(st)


@bp.get("/profiles")
def profiles() -> Response:
    return jsonify([{k: p[k] for k in ("id", "name", "mass_kg", "created")} for p in data.profiles()])


@bp.get("/sessions")
def sessions() -> Response:
    profile = int_arg("profile", None, 1, MAX_ID)
    limit = int_arg("limit", 100, 1, 500)
    offset = int_arg("offset", 0, 0, MAX_ID)
    return jsonify(data.sessions(profile, limit=limit, offset=offset))


@bp.get("/sessions/<sid>")
def session(sid: str) -> Response:
    s = data.session_or_404(parse_id(sid, "session"))
    s["comparison"] = data.side_summary(data.all_reps(s))
    return jsonify(s)


@bp.get("/sessions/<sid>/chart")
def session_chart(sid: str) -> Response:
    session_id = parse_id(sid, "session")
    data.session_or_404(session_id)
    return jsonify(data.chart(session_id))


@bp.get("/sessions/<sid>/export")
def export(sid: str) -> Response:
    session_id = parse_id(sid, "session")
    fmt = request.args.get("format", "csv")
    if fmt not in EXPORTS:
        abort(400, description=f"unknown export format {fmt[:40]!r}: csv, json or recording")
    s = data.session_or_404(session_id)
    mimetype, ext = EXPORTS[fmt]
    body = {"csv": lambda: data.reps_csv(s), "json": lambda: data.result_json(session_id),
            "recording": lambda: data.recording(session_id)}[fmt]()
    resp = Response(body, mimetype=mimetype.split(";")[0])
    resp.headers["Content-Type"] = mimetype
    resp.headers["Content-Disposition"] = f'attachment; filename="smartmat-session-{session_id}.{ext}"'
    return resp


@bp.get("/profiles/<pid>/export")
def profile_export(pid: str) -> Response:
    profile = data.profile_or_404(parse_id(pid, "profile"))
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    data.profile_zip(profile, spool)
    spool.seek(0)
    return send_file(spool, mimetype="application/zip", as_attachment=True,
                     download_name=f"smartmat-profile-{profile['id']}.zip")


@bp.get("/trends")
def trends() -> Response:
    profile = int_arg("profile", None, 1, MAX_ID)
    limit = int_arg("limit", 50, 1, 500)
    return jsonify(data.trend(data.sessions(profile, limit=limit)))


# ---- device commands --------------------------------------------------------

def _choice(form: Any, name: str, choices: tuple[str, ...]) -> str | None:
    v = (form.get(name) or "").strip()
    if v == "":
        return None
    if v not in choices:
        abort(400, description=f"{name} must be one of {', '.join(choices)} (or empty), got {v[:40]!r}")
    return v


def _fields(cmd: str, form: Any) -> dict[str, Any]:
    if cmd in ("start_set", "stop_set", "tare", "end_session"):
        return {}
    if cmd == "set_exercise":
        return {"exercise": _choice(form, "exercise", EXERCISES)}
    if cmd == "set_leg":
        return {"leg": _choice(form, "leg", ("left", "right"))}
    if cmd == "set_target":
        return {"reps": int_arg("reps", None, 1, 1000, form), "sets": int_arg("sets", None, 1, 100, form)}
    if cmd == "select_profile":
        return {"profile": int_arg("profile", None, 1, MAX_ID, form)}
    if cmd == "calibrate":
        known = float_arg("known_kg", 0.1, 500.0, form)
        return {} if known is None else {"known_kg": known}
    abort(404, description=f"unknown device command {cmd[:40]!r}")


def _form() -> Any:
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, description="the body must be a JSON object")
        return {k: ("" if v is None else str(v)) for k, v in body.items()}
    return request.form


def send_command(cmd: str, fields: dict[str, Any]) -> dict:
    """Send a command to the device service; 503 if it is away, 409 with its words if it refuses."""
    try:
        reply = bus_request(current_app.config["SOCKET_PATH"], cmd, timeout=5.0, **fields)
    except BusError as exc:
        if exc.reply is not None:
            abort(409, description=str(exc))
        abort(503, description="the device service is not running or not reachable")
    except (TimeoutError, OSError):
        abort(503, description="the device service did not answer in time")
    return {k: v for k, v in reply.items() if k not in ("type", "id")}


@bp.post("/device/<cmd>")
@requires_pin
def device_command(cmd: str) -> Response:
    fields = _fields(cmd, _form())
    return jsonify(send_command(cmd, fields))
