"""The live page and the live event stream (Server-Sent Events)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory

from .. import data
from ..hub import Overflow, sse_message
from .util import device_status, hub

bp = Blueprint("live", __name__)


@bp.get("/")
def index() -> str:
    return render_template("live.html", profiles=data.profiles(), exercises=("quadruped", "prone", "standing"))


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    resp = send_from_directory(current_app.static_folder, "manifest.webmanifest",
                               mimetype="application/manifest+json", max_age=3600)
    return resp


@bp.get("/events")
def events() -> Response:
    """``data: <json>`` per event; first a ``hello`` with the device's state, then the bus as it comes."""
    h = hub()
    client = h.subscribe()
    if client is None:
        exc = _too_many(h.max_clients)
        abort(exc)
    cfg = current_app.config
    keepalive, retry = cfg["SSE_KEEPALIVE_S"], int(cfg["SSE_RETRY_MS"])
    connected = h.connected
    hello = {"type": "hello", "device": "connected" if connected else "disconnected",
             "status": device_status() if connected else None,
             "mat": {"width_m": cfg["MAT_WIDTH_M"], "length_m": cfg["MAT_LENGTH_M"]},
             "tilt_margin_pct": cfg["TILT_MARGIN_PCT"]}

    def stream():
        yield f"retry: {retry}\n\n".encode()
        yield sse_message(hello)
        while True:
            try:
                message = client.get(keepalive)
            except Overflow:
                return  # cut off (too slow, or the server is stopping): the browser reconnects
            yield message if message is not None else b": keep-alive\n\n"

    resp = Response(stream(), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"
    resp.call_on_close(lambda: h.unsubscribe(client))
    return resp


def _too_many(limit: int) -> Response:
    from ..errors import error_response

    resp = error_response(503, f"too many live viewers ({limit}); try again in a minute", "Busy")
    resp.headers["Retry-After"] = "30"
    return resp
