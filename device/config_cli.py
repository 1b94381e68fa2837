"""``smartmat config``: print the defaults as a TOML file, or check a file."""

from __future__ import annotations

import click

from .cli_options import config_option, settings_from
from .config import default_config_toml


@click.group()
def config() -> None:
    """Show or check the configuration."""


@config.command("defaults")
def defaults() -> None:
    """Print every setting with its default, as a commented TOML file."""
    click.echo(default_config_toml(), nl=False)


@config.command("check")
@config_option
def check(config_path: str | None) -> None:
    """Load the config (as the services would) and say whether it is valid."""
    settings = settings_from(config_path)
    click.echo(f"{settings.source_path or 'built-in defaults'}: ok (data dir {settings.data_dir})")
