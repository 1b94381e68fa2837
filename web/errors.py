"""Every error is a clear 4xx (or 503) in JSON for the API and for scripts, HTML for people.

Bad input never reaches a 500: views check what they take, and anything
Werkzeug rejects (a huge body, a malformed form, an unknown route) comes
through here.  An unexpected exception is logged and answered with a plain
500 that reveals nothing.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from device.store import StoreError

log = logging.getLogger("smartmat.web")


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/events")):
        return True
    if request.headers.get("X-CSRF-Token") is not None:
        return True  # a fetch from our own scripts
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, message: str, title: str | None = None) -> Response:
    if wants_json():
        resp = jsonify({"error": message})
        resp.status_code = status
    else:
        resp = Response(render_template("error.html", status=status, title=title or "Error",
                                        message=message), status=status, mimetype="text/html")
    return resp


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        resp = error_response(exc.code or 400, exc.description or exc.name, exc.name)
        for k, v in exc.get_headers():
            if k.lower() not in ("content-type", "content-length"):
                resp.headers[k] = v
        retry = getattr(exc, "retry_after", None)
        if retry is not None:
            resp.headers["Retry-After"] = str(int(retry))
        return resp

    @app.errorhandler(StoreError)
    def store_error(exc: StoreError) -> Response:
        return error_response(503, f"session store unavailable: {exc}", "Store unavailable")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal error (logged on the device)", InternalServerError.name)
