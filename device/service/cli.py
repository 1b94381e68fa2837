"""``smartmat device`` (the service alone) and ``smartmat run`` (service and dashboard together).

``SMARTMAT_SPEED`` (or the hidden ``--speed``) plays the simulator or a
recording faster than real time: tests and benchmarks use it to get an hour
of data in minutes.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from typing import Any, Iterator

import click

from ..cli_options import config_option, data_dir_option, settings_from, source_options
from ..config import Settings
from ..frames import Frame, FrameSource

log = logging.getLogger("smartmat.device")


class _Paced:
    """A source replayed at ``speed`` times real time (the source itself unpaced)."""

    def __init__(self, source: FrameSource, speed: float) -> None:
        self.source, self.speed, self.info = source, speed, source.info

    def __iter__(self) -> Iterator[Frame]:
        from ..sources.pacing import paced

        return paced(iter(self.source), self.speed)

    def close(self) -> None:
        self.source.close()


def open_device_source(settings: Settings, source: str | None, replay: str | None, speed: float | None,
                       loop: bool = False) -> tuple[FrameSource, str]:
    """The frame source and its kind; hardware is chosen only when asked (flag or config)."""
    from ..sources import open_source

    kind = "replay" if replay else (source or settings.sensor.source)
    if kind == "auto":
        kind = "sim"
    options: dict[str, Any] = {"loop": True} if kind == "replay" and loop else {}
    if speed and kind in ("sim", "replay"):
        return _Paced(open_source(settings, kind, replay_path=replay, realtime=False, **options), speed), kind
    return open_source(settings, kind, replay_path=replay, realtime=True, **options), kind


def feedback_factory(settings: Settings, kind: str, wanted: bool | None):
    """A factory for the LED/buzzer/button driver, or None when not wanted or not available."""
    c = settings.controls
    if not (c.button is not None or c.led is not None or c.buzzer is not None):
        return None
    if not (wanted or (wanted is None and kind == "hardware")):
        return None

    def make(service):
        try:
            from ..hardware.feedback import Feedback
        except ImportError as exc:
            log.warning("no feedback (LED, buzzer, button): %s", exc)
            return None
        try:
            return Feedback(settings, on_toggle_set=lambda: service.command("toggle_set"),
                            on_tare=lambda: service.command("tare"), pin_factory=None)
        except Exception as exc:  # noqa: BLE001 - counting matters more than the buzzer
            log.warning("no feedback (LED, buzzer, button): %s", exc)
            return None

    return make


def _setup_logging() -> None:
    # systemd's journal adds the time; a terminal wants it.
    fmt = "%(levelname)s %(name)s: %(message)s" if os.environ.get("INVOCATION_ID") else \
        "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=logging.INFO, format=fmt, stream=sys.stderr)


def serve(settings: Settings, source: str | None, replay: str | None, speed: float | None,
          feedback: bool | None, loop_replay: bool = False) -> None:
    """Run the device service in this process until SIGTERM/SIGINT or the source ends."""
    from ..store import StoreError
    from ..bus.server import BusInUse
    from .service import DeviceService

    speed = speed or (float(os.environ["SMARTMAT_SPEED"]) if os.environ.get("SMARTMAT_SPEED") else None)
    try:
        src, kind = open_device_source(settings, source, replay, speed, loop_replay)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    service = DeviceService(settings, src, kind, feedback_factory=feedback_factory(settings, kind, feedback))

    def on_signal(signum: int, frame: Any) -> None:
        log.info("%s: stopping", signal.Signals(signum).name)
        service.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        service.run()
    except (StoreError, BusInUse) as exc:
        raise click.ClickException(str(exc)) from None


def _device_options(f):
    f = click.option("--speed", type=float, hidden=True, help="Play sim/replay this many times real time.")(f)
    f = click.option("--feedback/--no-feedback", default=None,
                     help="Drive the LED, buzzer and button (default: with --hardware only).")(f)
    return source_options(data_dir_option(config_option(f)))


@click.command()
@_device_options
def device(config_path, data_dir, source, replay, speed, feedback) -> None:
    """The device service: sensors, analysis, store, device bus (run by systemd on a Pi)."""
    _setup_logging()
    settings = settings_from(config_path, data_dir)
    serve(settings, source, replay, speed, feedback)


# ---- smartmat run ----------------------------------------------------------

def start_web(settings: Settings, config_path: str | None, data_dir: str | None) -> subprocess.Popen | None:
    """The dashboard in a child process, if the web part is installed; None otherwise."""
    try:
        import web.cli  # noqa: F401
    except ImportError:
        return None
    args = [sys.executable, "-c", "from device.cli import main; main()", "web", "--port", str(settings.web.port)]
    if config_path:
        args += ["--config", config_path]
    if data_dir:
        args += ["--data-dir", data_dir]
    return subprocess.Popen(args)


def dashboard_urls(settings: Settings) -> list[str]:
    host, port = settings.web.host, settings.web.port
    if host not in ("0.0.0.0", "::", ""):
        return [f"http://{host}:{port}/"]
    urls = [f"http://localhost:{port}/"]
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent; this only picks the LAN interface
            urls.append(f"http://{s.getsockname()[0]}:{port}/")
    except OSError:
        pass
    return urls


@click.command()
@_device_options
@click.option("--port", type=int, default=None, help="Dashboard port (default from config, 8080).")
def run(config_path, data_dir, source, replay, speed, feedback, port) -> None:
    """Device service and dashboard together, for a laptop or a demo."""
    _setup_logging()
    settings = settings_from(config_path, data_dir, port=port)
    web = start_web(settings, config_path, data_dir)
    if web is None:
        click.echo("smartmat: dashboard not installed yet; running the device service alone", err=True)
    else:
        for url in dashboard_urls(settings):
            click.echo(f"smartmat: dashboard at {url}", err=True)
    click.echo(f"smartmat: device bus at {settings.socket_path}, data in {settings.data_dir}", err=True)
    try:
        serve(settings, source, replay, speed, feedback, loop_replay=True)
    finally:
        if web is not None:
            web.terminate()
            try:
                web.wait(10)
            except subprocess.TimeoutExpired:
                web.kill()
