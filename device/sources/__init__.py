"""Frame sources: ``sim`` (simulated user), ``replay`` (a recording), ``hardware`` (four HX711).

:func:`open_source` picks one by name; the hardware module is imported only
when it is chosen, so everything else runs on any laptop.
"""

from __future__ import annotations

from ..config import Settings
from ..frames import FrameSource


def open_source(settings: Settings, kind: str | None = None, *, replay_path: str | None = None,
                realtime: bool = True, **options) -> FrameSource:
    """The source named ``kind`` (default: the config's ``[sensor] source``)."""
    kind = kind or settings.sensor.source
    if kind == "auto":
        kind = "replay" if replay_path else "sim"
    if kind == "replay":
        if not replay_path:
            raise ValueError("the replay source needs a recording file (--replay FILE)")
        from .replay import ReplaySource

        return ReplaySource(replay_path, realtime=realtime, **options)
    if kind == "sim":
        from .sim import SimSource

        return SimSource.from_settings(settings, realtime=realtime, **options)
    if kind == "hardware":
        from ..hardware.source import HardwareSource

        return HardwareSource.from_settings(settings, **options)
    raise ValueError(f"unknown source {kind!r} (sim, replay or hardware)")
