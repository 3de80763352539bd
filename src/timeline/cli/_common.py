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
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer

from timeline import parsing
from timeline.cli._help import GroupedHelp
from timeline.errors import TimelineError
from timeline.settings_file import config_file

if TYPE_CHECKING:
    from timeline.app import Timeline
    from timeline.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    cls=GroupedHelp,
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


# Commands that run until stopped: their info logs are their account of what they do.
SERVICES = frozenset({"daemon", "serve"})


def settings_of(ctx: typer.Context) -> Settings:
    """The settings, read and checked on first need (a command's `--help` never
    reads them), with logging configured from them then: nothing logs before."""
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        from timeline.logging import configure_logging
        from timeline.settings import load_settings

        settings = load_settings(obj["config_option"])
        service = ctx.find_root().invoked_subcommand in SERVICES
        configure_logging(settings.logging, service=service, log_json=obj["log_json"])
        obj["settings"] = settings
    return obj["settings"]  # type: ignore[no-any-return]


def open_timeline(ctx: typer.Context, *, read_only: bool = False) -> Timeline:
    from timeline.app import Timeline

    return Timeline.open(settings_of(ctx), read_only=read_only)


@app.callback()
def _main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(help="Settings file (default: ./config.toml or $TIMELINE_CONFIG)."),
    ] = None,
    log_json: Annotated[
        bool,
        typer.Option(
            "--log-json", help="Machine logs on stderr (JSON lines, info and up), for any command."
        ),
    ] = False,
) -> None:
    obj = ctx.ensure_object(dict)
    obj.update(config_option=config, log_json=log_json, config_path=config_file(config))


def known_at_option(value: str | None) -> dt.datetime | None:
    return parsing.moment(value, "--known-at")
