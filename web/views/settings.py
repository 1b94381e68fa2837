"""Pairing, the calibration wizard, the PIN, profiles: every change here needs the PIN."""

from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)

from .. import data, security
from .api import send_command
from .util import float_arg, parse_id

bp = Blueprint("settings", __name__)


def _client() -> str:
    return request.remote_addr or "?"


def _safe_next(target: str | None) -> str:
    # only a local path: never an open redirect to another site
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("live.index")


@bp.get("/pair")
def pair_form() -> str:
    return render_template("pair.html", next=_safe_next(request.args.get("next")))


@bp.post("/pair")
def pair() -> Response | tuple[str, int]:
    limiter = current_app.extensions["smartmat_pin_limiter"]
    wait = limiter.retry_after(_client())
    if wait:
        exc = _too_many(wait)
        abort(exc)
    pin = (request.form.get("pin") or "").strip()
    nxt = _safe_next(request.form.get("next"))
    if not pin.isascii() or not pin.isdigit() or len(pin) > 8 or not security.pair(pin):
        limiter.failed(_client())
        return render_template("pair.html", next=nxt, error="That is not the PIN."), 403
    flash("This phone is paired: it can start sets, tare and change settings.")
    return redirect(nxt)


def _too_many(wait: int) -> Response:
    from ..errors import error_response

    resp = error_response(429, f"too many wrong PINs: wait {wait} s and try again", "Too many attempts")
    resp.headers["Retry-After"] = str(wait)
    return resp


@bp.post("/unpair")
def unpair() -> Response:
    security.unpair()
    return redirect(url_for("live.index"))


@bp.get("/settings")
def index() -> str:
    cfg = current_app.config
    return render_template("settings.html", profiles=data.profiles(), pin=cfg["PAIRING_PIN"],
                           pin_source=cfg["PAIRING_PIN_SOURCE"], data_dir=cfg["DATA_DIR"],
                           config_path=cfg["SMARTMAT_SETTINGS"].source_path)


@bp.post("/settings/calibrate")
@security.requires_pin
def calibrate() -> Response:
    step = request.form.get("step")
    if step == "tare":
        send_command("tare", {})
        flash("Tared: the empty mat reads zero now.")
    elif step == "calibrate":
        known = float_arg("known_kg", 0.1, 500.0, request.form)
        if known is None:
            abort(400, description="enter the known weight in kg")
        try:
            send_command("calibrate", {"known_kg": known})
        except Exception as exc:  # 409: the device refused, show its words in the wizard
            code = getattr(exc, "code", None)
            if code in (409, 503):
                flash(f"Calibration refused: {exc.description}", "error")
                return redirect(url_for("settings.index") + "#calibrate")
            raise
        flash(f"Calibrated with {known:g} kg.")
    else:
        abort(400, description="step must be tare or calibrate")
    return redirect(url_for("settings.index") + "#calibrate")


def _mass(form) -> float | None:
    return float_arg("mass_kg", 20.0, 300.0, form)


@bp.post("/settings/profiles")
@security.requires_pin
def create_profile() -> Response:
    name = (request.form.get("name") or "").strip()
    try:
        p = data.writable_store().create_profile(name, _mass(request.form))
    except ValueError as exc:
        abort(400, description=str(exc))
    flash(f"Profile {p['name']} created.")
    return redirect(url_for("settings.index") + "#profiles")


@bp.post("/settings/profiles/<pid>")
@security.requires_pin
def update_profile(pid: str) -> Response:
    profile = data.profile_or_404(parse_id(pid, "profile"))
    name = (request.form.get("name") or "").strip()
    try:
        data.writable_store().update_profile(profile["id"], name=name, mass_kg=_mass(request.form))
    except ValueError as exc:
        abort(400, description=str(exc))
    except KeyError:
        abort(404, description=f"no profile {profile['id']}")
    flash(f"Profile {name} saved.")
    return redirect(url_for("settings.index") + "#profiles")


@bp.get("/settings/profiles/<pid>/delete")
def confirm_delete(pid: str) -> str:
    profile = data.profile_or_404(parse_id(pid, "profile"))
    n = len(data.sessions(profile["id"], limit=500))
    return render_template("confirm_delete.html", profile=profile, sessions=n)


@bp.post("/settings/profiles/<pid>/delete")
@security.requires_pin
def delete_profile(pid: str) -> Response:
    profile = data.profile_or_404(parse_id(pid, "profile"))
    if request.form.get("confirm") != "yes":
        abort(400, description="deleting a profile needs confirm=yes")
    data.writable_store().delete_profile(profile["id"])
    flash(f"Profile {profile['name']} deleted; its sessions are kept without a name.")
    return redirect(url_for("settings.index") + "#profiles")
