"""`timeline feeds list|add|remove|status`, `poll` and `extract`: the watched feeds."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from timeline.cli._common import (
    Format,
    app,
    command,
    open_timeline,
    settings_of,
    write_csv,
    write_json_array,
)
from timeline.errors import ConfigError
from timeline.feeds.config import add_feed, feed_url, remove_feed
from timeline.settings import FeedSettings

feeds_app = typer.Typer(help="The watched feeds: list, add, remove, health.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


@command("list", feeds_app)
def feeds_list(ctx: typer.Context) -> None:
    """List the feeds in config.toml."""
    if not settings_of(ctx).feeds:
        typer.echo(
            "no feeds yet: `timeline feeds add NAME URL` watches one (an http(s) URL, or a "
            "downloaded feed's path or file: URL to try it out); see `timeline feeds add --help`",
            err=True,
        )
        return
    table = Table(box=None)
    for header in ("name", "enabled", "interval", "jurisdiction", "language", "auto-accept", "url"):
        table.add_column(header)
    for feed in settings_of(ctx).feeds:
        table.add_row(
            feed.name,
            "yes" if feed.enabled else "no",
            f"{feed.interval}s",
            feed.jurisdiction or "",
            feed.language or "",
            "" if feed.auto_accept_threshold is None else f">= {feed.auto_accept_threshold:g}",
            feed.url,
        )
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@command("add", feeds_app)
def feeds_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Short stable name: lower-case, digits, . _ -")],
    url: Annotated[
        str,
        typer.Argument(
            help="The feed's http(s) URL, or a downloaded feed's path or file: URL "
            "(`timeline poll` reads it; the daemon only with daemon.poll_file_feeds)."
        ),
    ],
    jurisdiction: Annotated[
        str | None, typer.Option(help="Jurisdiction hint for items that name no place.")
    ] = None,
    language: Annotated[str | None, typer.Option(help="Language of the items (ja, fr...).")] = None,
    interval: Annotated[int, typer.Option(min=1, help="Seconds between polls.")] = 3600,
    auto_accept_threshold: Annotated[
        float | None, typer.Option(min=0, max=1, help="Accept at or above this confidence.")
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Listed but not polled.")] = False,
) -> None:
    """Add a feed to config.toml (comments and layout are kept)."""
    try:
        feed = FeedSettings(
            name=name,
            url=feed_url(url),
            jurisdiction=jurisdiction,
            language=language,
            interval=interval,
            enabled=not disabled,
            auto_accept_threshold=auto_accept_threshold,
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{where}: {first['msg'].removeprefix('Value error, ')}") from None
    path = ctx.ensure_object(dict)["config_path"]
    add_feed(path, feed)
    typer.echo(f"added feed {name} to {path}")


@command("remove", feeds_app)
def feeds_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The feed's name.")]
) -> None:
    """Remove a feed from config.toml; its candidates and health stay in the database."""
    path = ctx.ensure_object(dict)["config_path"]
    remove_feed(path, name)
    typer.echo(f"removed feed {name} from {path}")


@command("status", feeds_app)
def feeds_status(
    ctx: typer.Context, format_: Annotated[Format, typer.Option("--format", "-f")] = Format.table
) -> None:
    """Each feed's health: last success, last error, failures in a row, next due."""
    with open_timeline(ctx, read_only=True) as tl:
        statuses = tl.feed_status()
    rows = [status.as_dict() for status in statuses]
    if format_ is Format.json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if format_ is Format.csv:
        write_csv(rows)
        return
    table = Table(box=None)
    for header in ("feed", "state", "status", "fails", "last success", "next due", "problem"):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(
            row["feed"],
            row["state"] + ("" if row["configured"] else " (not in config)"),
            str(row.get("last_status") or ""),
            str(row.get("consecutive_failures", "")),
            row.get("last_success_at") or "",
            row.get("next_due_at") or "",
            row.get("last_error") or row.get("bozo_warning") or "",
        )
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@command()
def poll(
    ctx: typer.Context,
    feed: Annotated[
        str | None, typer.Argument(help="Only this feed (default: all enabled).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Poll even if backoff or Retry-After says later.")
    ] = False,
) -> None:
    """Poll the feeds that are due, once, in the foreground."""
    with open_timeline(ctx) as tl:
        outcomes = tl.poll(feed, force=force)
    for o in outcomes:
        if o.status == "failed":
            typer.echo(f"{o.feed}: failed: {o.error}")
        elif o.status == "skipped":
            due = o.next_due_at.isoformat(timespec="seconds") if o.next_due_at else "?"
            typer.echo(f"{o.feed}: not due until {due} (--force to poll now)")
        elif o.status == "not_modified":
            typer.echo(f"{o.feed}: not modified")
        else:
            typer.echo(
                f"{o.feed}: {o.items} items, {o.new_candidates} new candidates, "
                f"{o.changed} changed"
                + (f", {o.auto_accepted} auto-accepted" if o.auto_accepted else "")
                + (f" (warning: {o.warning})" if o.warning else "")
            )


# -- feeds: extract --


class ExtractFormat(StrEnum):
    json = "json"
    table = "table"


@command("extract")
def extract(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A feed file, or an http(s) URL.")],
    format_: Annotated[ExtractFormat, typer.Option("--format")] = ExtractFormat.json,
    language: Annotated[
        str | None,
        typer.Option(help="en, fr, ja, de or es (default: the feed's tag, else detected)."),
    ] = None,
    jurisdiction: Annotated[
        str | None, typer.Option(help="Jurisdiction hint for items that name none.")
    ] = None,
) -> None:
    """Propose events from one feed's items, storing nothing."""
    from timeline.feeds.extract import extract_source

    items, warning = extract_source(
        source, language=language, jurisdiction_hint=jurisdiction, polling=settings_of(ctx).polling
    )
    if warning:
        typer.echo(f"Warning: {source}: malformed feed, used anyway ({warning})", err=True)
    if format_ is ExtractFormat.json:
        write_json_array(item.as_json() for item in items)
        return
    piped = not sys.stdout.isatty()
    table = Table(box=None)
    for header in ("event", "kind", "where", "effective", "conf"):
        table.add_column(header, no_wrap=True)
    table.add_column("title", no_wrap=piped, overflow="ellipsis", max_width=70 if piped else None)
    for item in items:
        table.add_row(
            "yes" if item.is_event else "no",
            item.kind or "",
            " ".join(item.jurisdictions),
            item.effective or "",
            f"{item.confidence:.2f}",
            item.title,
        )
    Console(width=200 if piped else None).print(table)


# The projection views, `timeline serve` and the digest live in their own modules,
# which register their commands here.
