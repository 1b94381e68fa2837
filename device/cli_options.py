"""Options shared by several commands, and turning config errors into clean exits."""

from __future__ import annotations

import functools
from typing import Any, Callable

import click

from .config import ConfigError, Settings, load_config


def config_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--config", "config_path", type=click.Path(dir_okay=False),
                        help="Config TOML (default: /etc/smartmat/config.toml if present).")(f)


def data_dir_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--data-dir", type=click.Path(file_okay=False),
                        help="Directory of the SQLite store (default from config).")(f)


def source_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--hardware", "source", flag_value="hardware", help="Read the four HX711.")(f)
    f = click.option("--replay", "replay", type=click.Path(dir_okay=False, exists=True),
                     help="Play a recording (SPEC section 2) as the mat.")(f)
    f = click.option("--sim", "source", flag_value="sim", help="A simulated user on a simulated mat.")(f)
    return f


def settings_from(config_path: str | None, data_dir: str | None = None, **web: Any) -> Settings:
    """Load settings and apply command-line overrides; errors exit with the message."""
    try:
        settings = load_config(config_path)
        if data_dir is not None:
            settings = settings.with_overrides(storage={"data_dir": data_dir})
        if any(v is not None for v in web.values()):
            settings = settings.with_overrides(web=web)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    return settings


def clean_errors(*errors: type[BaseException]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn the given exceptions into a one-line error and exit status 1."""

    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return f(*args, **kwargs)
            except errors as exc:
                raise click.ClickException(str(exc)) from None

        return inner

    return wrap
