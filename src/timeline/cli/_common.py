"""What every `timeline` command shares: the Typer app, opening the API, user
errors as one line, the `--known-at` option.  How answers are printed: `render`.

Command modules (one per group: log, projections, feeds, candidates, digest,
serve, daemon) import this module and register on `app`; `timeline.cli`
imports them all.  Nothing here imports a command module.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from timeline import parsing
from timeline.app import Timeline
from timeline.errors import TimelineError
from timeline.logging import configure_logging
from timeline.settings import Settings, config_file, load_settings

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    help="Event-sourced tracker of how jurisdictions govern AI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _user_errors_as_one_line(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a `TimelineError` into 'Error: ...' on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except TimelineError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def command(
    name: str | None = None, group: typer.Typer | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register a command (on `app`, or a command group) whose user errors print as one line."""

    def register(fn: Callable[P, R]) -> Callable[P, R]:
        (group or app).command(name)(_user_errors_as_one_line(fn))
        return fn

    return register


def settings_of(ctx: typer.Context) -> Settings:
    return ctx.ensure_object(dict)["settings"]  # type: ignore[no-any-return]


def open_timeline(ctx: typer.Context, *, read_only: bool = False) -> Timeline:
    return Timeline.open(settings_of(ctx), read_only=read_only)


@app.callback()
@_user_errors_as_one_line
def _main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(help="Settings file (default: ./config.toml or $TIMELINE_CONFIG)."),
    ] = None,
) -> None:
    settings = load_settings(config)
    configure_logging(settings.logging)
    ctx.ensure_object(dict)["settings"] = settings
    ctx.ensure_object(dict)["config_path"] = config_file(config)


def known_at_option(value: str | None) -> dt.datetime | None:
    return parsing.moment(value, "--known-at")
