"""The ``smartmat`` command line (click).

Each command lives in the module that owns its job and is imported only when
it runs, so ``smartmat analyze`` never loads Flask and nothing loads the
hardware libraries unless the hardware is used.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command
COMMANDS = {
    "simulate": "device.sim.cli:simulate",
    "analyze": "device.analysis.cli:analyze",
    "stream": "device.stream:stream",
    "doctor": "device.hardware.doctor:doctor",
    "calibrate": "device.hardware.calibrate:calibrate",
    "device": "device.service.cli:device",
    "web": "web.cli:web",
    "run": "device.service.cli:run",
    "config": "device.config_cli:config",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            # A command whose module is not written yet is simply not offered;
            # a missing dependency inside a written module is a real error.
            if exc.name and module.startswith(exc.name):
                return None
            raise


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smartmat")
def main() -> None:
    """smartmat: a load-cell exercise mat that counts and coaches rear leg raises."""
