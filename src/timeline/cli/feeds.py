"""`timeline feeds list|add|remove|status`, `poll` and `extract`: the watched feeds."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from timeline.cli._common import app, command, open_timeline, settings_of
from timeline.cli.render import Column, Format, FormatOption, OutputOption, output, render_rows
from timeline.errors import ConfigError
from timeline.model.feeds import HEALTH_SHOWN

if TYPE_CHECKING:
    from timeline.feeds.extract.item import ItemExtraction

feeds_app = typer.Typer(help="The watched feeds: list, add, remove, health.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


@command("list", feeds_app)
def feeds_list(ctx: typer.Context, format_: FormatOption = Format.table) -> None:
    """List the feeds in config.toml."""
    from timeline.settings import FeedSettings

    if format_ is Format.table and not settings_of(ctx).feeds:
        typer.echo(
            "no feeds yet: `timeline feeds add NAME URL` watches one (an http(s) URL, or a "
            "downloaded feed's path or file: URL to try it out); see `timeline feeds add --help`",
            err=True,
        )
        return
    render_rows(
        settings_of(ctx).feeds,
        format_,
        sys.stdout,
        columns=_FEED_COLUMNS,
        as_json=lambda feed: feed.model_dump(mode="json"),
        csv_columns=tuple(FeedSettings.model_fields),
    )


_FEED_COLUMNS = (
    Column("name", lambda f: f.name),
    Column("enabled", lambda f: "yes" if f.enabled else "no"),
    Column("interval", lambda f: f"{f.interval}s"),
    Column("jurisdiction", lambda f: f.jurisdiction or ""),
    Column("language", lambda f: f.language or ""),
    Column(
        "auto-accept",
        lambda f: "" if f.auto_accept_threshold is None else f">= {f.auto_accept_threshold:g}",
    ),
    Column("url", lambda f: f.url),
)


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
    from pydantic import ValidationError

    from timeline.feeds.config import add_feed, feed_url
    from timeline.settings import FeedSettings

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
    from timeline.feeds.config import remove_feed

    path = ctx.ensure_object(dict)["config_path"]
    remove_feed(path, name)
    typer.echo(f"removed feed {name} from {path}")


@command("status", feeds_app)
def feeds_status(ctx: typer.Context, format_: FormatOption = Format.table) -> None:
    """Each feed's health: last success, last error, failures in a row, next due."""
    with open_timeline(ctx, read_only=True) as tl:
        statuses = tl.feed_status()
    render_rows(
        (status.as_dict() for status in statuses),
        format_,
        sys.stdout,
        columns=_STATUS_COLUMNS,
        as_json=dict,
        csv_columns=_STATUS_CSV,
    )


# `FeedStatus.as_dict`'s keys: the feed as configured, then its health row's.
_STATUS_CSV = (
    "feed",
    "configured",
    "enabled",
    "url",
    "state",
    *(name for name in HEALTH_SHOWN if name != "url"),
)
_STATUS_COLUMNS = (
    Column("feed", lambda row: row["feed"]),
    Column("state", lambda row: row["state"] + ("" if row["configured"] else " (not in config)")),
    Column("status", lambda row: str(row.get("last_status") or "")),
    Column("fails", lambda row: str(row.get("consecutive_failures", ""))),
    Column("last success", lambda row: row.get("last_success_at") or ""),
    Column("next due", lambda row: row.get("next_due_at") or ""),
    Column("problem", lambda row: row.get("last_error") or row.get("bozo_warning") or ""),
)


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


@command("extract")
def extract(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A feed file, or an http(s) URL.")],
    format_: FormatOption = Format.table,
    language: Annotated[
        str | None,
        typer.Option(help="en, fr, ja, de or es (default: the feed's tag, else detected)."),
    ] = None,
    jurisdiction: Annotated[
        str | None, typer.Option(help="Jurisdiction hint for items that name none.")
    ] = None,
    output_file: OutputOption = None,
) -> None:
    """Propose events from one feed's items, storing nothing."""
    from timeline.feeds.extract import extract_source

    items, warning = extract_source(
        source, language=language, jurisdiction_hint=jurisdiction, polling=settings_of(ctx).polling
    )
    if warning:
        typer.echo(f"Warning: {source}: malformed feed, used anyway ({warning})", err=True)
    with output(output_file) as out:
        render_rows(
            items,
            format_,
            out,
            columns=_EXTRACT_COLUMNS,
            as_json=lambda item: item.as_json(),
            as_csv=_extraction_row,
            csv_columns=_EXTRACT_CSV,
        )


def _subject_evidence(item: ItemExtraction) -> str:
    """The subject the extractor named, and the known subject it linked to (with
    its score) when there is one."""
    named = item.evidence.get("subject", "")
    link = item.evidence.get("subject_link_score") or item.evidence.get("subject_link")
    return f"{named} -> {link}" if named and link else named or link or ""


# The table shows the evidence beside each proposal: which rule found the
# jurisdictions (title, body, publisher...) and what subject the item is about.
_EXTRACT_COLUMNS = (
    Column("event", lambda item: "yes" if item.is_event else "no"),
    Column("kind", lambda item: item.kind or ""),
    Column("where", lambda item: " ".join(item.jurisdictions)),
    Column("where from", lambda item: item.evidence.get("jurisdictions_from", "")),
    Column("effective", lambda item: item.effective or ""),
    Column("conf", lambda item: f"{item.confidence:.2f}"),
    Column("subject", _subject_evidence),
    Column("title", lambda item: item.title, cut=True),
)
_EXTRACT_CSV = (
    "guid",
    "is_event",
    "kind",
    "jurisdictions",
    "jurisdictions_from",
    "effective",
    "confidence",
    "subject",
    "title",
    "link",
    "published",
    "evidence",
)


def _extraction_row(item: ItemExtraction) -> dict[str, Any]:
    return item.as_json() | {
        "jurisdictions_from": item.evidence.get("jurisdictions_from", ""),
        "subject": _subject_evidence(item),
    }


# The projection views, `timeline serve` and the digest live in their own modules,
# which register their commands here.
