"""smartmat dashboard: a Flask app (application factory + blueprints).

``create_app(settings_or_config)`` builds the app from a
:class:`device.config.Settings`, a path to a config TOML, or None (the
system config or the defaults).  ``smartmat web`` serves it with waitress
(``web.cli``).  See docs/dashboard.md.

Blueprints: ``live`` (the live page and the SSE stream), ``history``
(sessions, a session's report), ``api`` (JSON and exports), ``settings``
(pairing, calibration, profiles).  The one device-bus connection of the
process is the :class:`web.hub.Hub` in ``app.extensions["smartmat_hub"]``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from device.config import Settings, load_config

log = logging.getLogger("smartmat.web")

# Limits (docs/dashboard.md "Limits"); each is a Flask config key, overridable.
DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 64 * 1024,      # no form or JSON body here needs more
    "SSE_MAX_CLIENTS": 25,                # phones watching at once; the 26th gets 503
    "SSE_QUEUE": 256,                     # events buffered per phone before it is cut off
    "SSE_KEEPALIVE_S": 15.0,              # comment line when nothing else was sent
    "SSE_RETRY_MS": 2000,                 # EventSource reconnect hint
    "PIN_ATTEMPTS": 5,                    # wrong PINs per client IP ...
    "PIN_WINDOW_S": 60.0,                 # ... per this many seconds, then 429
    "BUS_AUTOSTART": True,                # start the device-bus follower with the app
    "SESSION_COOKIE_NAME": "smartmat",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "PERMANENT_SESSION_LIFETIME": 90 * 24 * 3600,  # a paired phone stays paired for 90 days
    "JSON_SORT_KEYS": False,
}


def _settings(settings_or_config: Settings | str | os.PathLike[str] | None) -> Settings:
    if isinstance(settings_or_config, Settings):
        return settings_or_config
    return load_config(settings_or_config)


def create_app(settings_or_config: Settings | str | os.PathLike[str] | None = None,
               test_config: Mapping[str, Any] | None = None) -> Flask:
    """The dashboard app.  ``test_config`` overrides Flask config keys (tests)."""
    from . import security
    from .errors import register_error_handlers
    from .hub import Hub

    settings = _settings(settings_or_config)
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(DEFAULTS)
    data_dir = Path(settings.data_dir)
    app.config.update(SMARTMAT_SETTINGS=settings, DATA_DIR=str(data_dir),
                      SOCKET_PATH=str(settings.socket_path),
                      MAT_WIDTH_M=settings.mat.width_m, MAT_LENGTH_M=settings.mat.length_m,
                      TILT_MARGIN_PCT=settings.analysis.tilt_margin_pct)
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = security.load_secret_key(data_dir)
    if not app.config.get("PAIRING_PIN"):
        pin, where = security.load_pin(settings.web.pin, data_dir)
        app.config["PAIRING_PIN"], app.config["PAIRING_PIN_SOURCE"] = pin, where
    app.config.setdefault("PAIRING_PIN_SOURCE", "test")

    hub = Hub(app.config["SOCKET_PATH"], queue_size=app.config["SSE_QUEUE"],
              max_clients=app.config["SSE_MAX_CLIENTS"])
    app.extensions["smartmat_hub"] = hub
    if app.config["BUS_AUTOSTART"]:
        hub.start()

    security.init_app(app)
    register_error_handlers(app)

    from .views import api, history, live, settings as settings_bp

    app.register_blueprint(live.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(settings_bp.bp)
    app.teardown_appcontext(_close_store)
    return app


def _close_store(exc: BaseException | None) -> None:
    from flask import g

    for name in ("store_ro", "store_rw"):
        store = g.pop(name, None)
        if store is not None:
            store.close()
