"""``smartmat web``: the dashboard alone, served by waitress (not Flask's development server)."""

from __future__ import annotations

import logging
import os
import sys

import click

from device.cli_options import config_option, data_dir_option, settings_from

log = logging.getLogger("smartmat.web")

# One waitress thread per open live page (SSE holds its thread), plus these for
# ordinary requests: pages, the API, exports.  See docs/dashboard.md "Limits".
REQUEST_THREADS = 8


def serve(app, host: str, port: int) -> None:
    import waitress

    cfg = app.config
    threads = cfg["SSE_MAX_CLIENTS"] + REQUEST_THREADS
    try:
        waitress.serve(app, host=host, port=port, threads=threads, connection_limit=threads + 64,
                       channel_timeout=max(60, int(cfg["SSE_KEEPALIVE_S"] * 4)), asyncore_use_poll=True,
                       ident="smartmat", clear_untrusted_proxy_headers=True)
    finally:
        app.extensions["smartmat_hub"].stop()


@click.command()
@config_option
@data_dir_option
@click.option("--port", type=int, default=None, help="Port (default from config, 8080).")
@click.option("--host", default=None, help="Address to listen on (default from config, 0.0.0.0).")
def web(config_path, data_dir, port, host) -> None:
    """The dashboard: live page, history, exports, settings (run by systemd on a Pi)."""
    fmt = "%(levelname)s %(name)s: %(message)s" if os.environ.get("INVOCATION_ID") else \
        "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=logging.INFO, format=fmt, stream=sys.stderr)
    settings = settings_from(config_path, data_dir, port=port, host=host)
    from . import create_app

    try:
        app = create_app(settings)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    log.info("dashboard on http://%s:%d/ (device bus %s, data %s)", settings.web.host, settings.web.port,
             settings.socket_path, settings.data_dir)
    serve(app, settings.web.host, settings.web.port)
