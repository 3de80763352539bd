"""The `timeline` command: a thin layer over `timeline.app.Timeline`.

Each command parses its options, makes one API call and renders the result.
Exit codes: 0 ok, 1 a user error (one line on stderr, no traceback), 2 usage.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from timeline.app import Timeline
from timeline.documents import parse_documents, read_documents
from timeline.errors import ChainBrokenError, ConfigError, TimelineError
from timeline.feeds.config import add_feed, remove_feed
from timeline.logging import configure_logging
from timeline.model.dates import PartialDate, parse_moment
from timeline.model.feeds import Candidate, FeedHealth
from timeline.settings import FeedSettings, Settings, config_file, load_settings
from timeline.store import RecordedEvent

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


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _settings(ctx: typer.Context) -> Settings:
    return ctx.ensure_object(dict)["settings"]  # type: ignore[no-any-return]


def _open(ctx: typer.Context, *, read_only: bool = False) -> Timeline:
    return Timeline.open(_settings(ctx), read_only=read_only)


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


@command()
def init(ctx: typer.Context) -> None:
    """Create the database, or bring its schema up to date."""
    with _open(ctx) as tl:
        tl.init()
        typer.echo(f"initialised {_settings(ctx).database.url}")


@command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A folder of .toml event files, or one file.")],
) -> None:
    """Import curated events; a second run imports nothing, edits become corrections."""
    with _open(ctx) as tl:
        report = tl.import_path(path)
    typer.echo(
        f"{report.entries} entries in {report.files} files: {len(report.new)} new, "
        f"{len(report.corrected)} corrected, {report.unchanged} unchanged"
        + (f", {len(report.retracted)} retracted (left alone)" if report.retracted else "")
    )


@command()
def append(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(help="JSON or TOML file of one or more events; - for stdin.")
    ],
    expected_version: Annotated[
        int | None,
        typer.Option(help="Fail unless the subject's stream holds exactly this many events."),
    ] = None,
) -> None:
    """Append events in one transaction: all of them or none."""
    documents = (
        parse_documents(sys.stdin.read(), "<stdin>") if file == "-" else read_documents(Path(file))
    )
    expected = None
    if expected_version is not None:
        subjects = {str(d.get("subject")) for d in documents}
        if len(subjects) != 1:
            raise typer.BadParameter("--expected-version needs all events on one subject")
        expected = {subjects.pop(): expected_version}
    with _open(ctx) as tl:
        result = tl.append(documents, expected)
    for event, written in zip(result.events, result.written, strict=False):
        verb = "appended" if written else "already stored"
        typer.echo(f"{verb} #{event.seq} {event.id} {event.kind} {event.subject}")


def _date_option(value: str | None, *, end: bool) -> dt.date | None:
    if value is None:
        return None
    partial = PartialDate.parse(value)
    return partial.end if end else partial.start


def _moment(value: str | None) -> dt.datetime | None:
    return None if value is None else parse_moment(value, "--known-at")


@command("log")
def log_(
    ctx: typer.Context,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", "-j")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", "-k", help="Repeatable.")] = None,
    subject: Annotated[str | None, typer.Option()] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Effective on or after (YYYY[-MM[-DD]]).")
    ] = None,
    to: Annotated[str | None, typer.Option(help="Effective on or before (YYYY[-MM[-DD]]).")] = None,
    known_at: Annotated[
        str | None, typer.Option(help="Only what had been recorded by then (ISO date-time).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1)] = None,
    format_: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """List events in the order they were recorded."""
    with _open(ctx, read_only=True) as tl:
        events = tl.log(
            jurisdiction=jurisdiction,
            kinds=kind,
            subject=subject,
            effective_from=_date_option(from_, end=False),
            effective_to=_date_option(to, end=True),
            known_at=_moment(known_at),
            limit=limit,
        )
        _render(events, format_)


def _render(events: Iterator[RecordedEvent], fmt: Format) -> None:
    if fmt is Format.json:
        _write_json_array(ev.as_dict() for ev in events)
    elif fmt is Format.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(
            [
                "seq",
                "id",
                "kind",
                "subject",
                "jurisdictions",
                "effective",
                "recorded_at",
                "summary",
                "payload",
                "sources",
            ]
        )
        for ev in events:
            writer.writerow(
                [
                    ev.seq,
                    ev.id,
                    ev.kind,
                    ev.subject,
                    " ".join(ev.jurisdictions),
                    ev.effective,
                    ev.as_dict()["recorded_at"],
                    describe(ev),
                    json.dumps(ev.payload, ensure_ascii=False),
                    json.dumps(ev.sources, ensure_ascii=False),
                ]
            )
    else:
        # Piped: one line per event, so that the table survives grep and less.
        # On a terminal: wrap within the terminal's width.
        piped = not sys.stdout.isatty()
        table = Table(box=None)
        for header in ("#", "effective", "kind", "subject", "where"):
            table.add_column(header, no_wrap=piped)
        table.add_column(
            "what", no_wrap=piped, overflow="ellipsis", max_width=70 if piped else None
        )
        for ev in events:
            table.add_row(
                str(ev.seq),
                str(ev.effective),
                ev.kind,
                ev.subject,
                " ".join(ev.jurisdictions),
                describe(ev),
            )
        Console(width=200 if piped else None).print(table)


def _write_json_array(items: Iterable[dict[str, Any]]) -> None:
    """Stream a JSON array item by item, so a long log never sits in memory."""
    out = sys.stdout
    out.write("[")
    separator = "\n  "
    for item in items:
        out.write(separator + json.dumps(item, ensure_ascii=False))
        separator = ",\n  "
    out.write("]\n" if separator == "\n  " else "\n]\n")


def describe(ev: RecordedEvent) -> str:  # noqa: PLR0911 - one line per kind reads best
    """A short human line for an event: its title, name or organisation."""
    p = ev.payload
    if ev.kind == "event.corrected":
        return f"corrects {p['target'][:8]}: {p['reason']}"
    if ev.kind == "event.retracted":
        return f"retracts {p['target'][:8]}: {p['reason']}"
    if ev.kind == "office.opened":
        return f"{p['organisation']} opens office in {p['city']}"
    if ev.kind == "investment.announced":
        bound = "up to " if p.get("up_to") else ""
        return f"{p['investor']}: {bound}{p['currency']} {p['amount']} into {p['recipient']}"
    if ev.kind == "metric.reported":
        return f"{p['name']}: {p['value']} {p['unit']} ({p['period']})"
    if ev.kind == "membership.joined":
        return f"{', '.join(p['members'])} join {p['organisation']}"
    return str(p.get("title") or p.get("name") or "")


@command()
def show(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Event id or position.")]
) -> None:
    """Show one event in full, as JSON."""
    with _open(ctx, read_only=True) as tl:
        event = tl.show(ref)
    typer.echo(json.dumps(event.as_dict(), indent=2, ensure_ascii=False))


@command()
def correct(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id or position of the event to correct.")],
    file: Annotated[
        str, typer.Argument(help="JSON or TOML with the fields that change; - for stdin.")
    ],
    reason: Annotated[str | None, typer.Option(help="Why (or `reason` in the file).")] = None,
) -> None:
    """Record a correction: the original stays, the correction supersedes it."""
    docs = (
        parse_documents(sys.stdin.read(), "<stdin>") if file == "-" else read_documents(Path(file))
    )
    if len(docs) != 1:
        raise typer.BadParameter("a correction file holds exactly one table/object")
    changes = dict(docs[0])
    file_reason = changes.pop("reason", None)
    why = reason or file_reason
    if not why:
        raise typer.BadParameter("give a reason: --reason or `reason` in the file")
    with _open(ctx) as tl:
        event = tl.correct(ref, changes, str(why))
    typer.echo(f"appended #{event.seq} {event.id} event.corrected {event.subject}")


@command()
def retract(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id or position of the event to retract.")],
    reason: Annotated[str, typer.Option(help="Why it should not have been recorded.")],
) -> None:
    """Record a retraction: the event stays in the log, marked as withdrawn."""
    with _open(ctx) as tl:
        event = tl.retract(ref, reason)
    typer.echo(f"appended #{event.seq} {event.id} event.retracted {event.subject}")


@command()
def verify(ctx: typer.Context) -> None:
    """Walk the hash chain; exit 1 naming the first broken position."""
    with _open(ctx, read_only=True) as tl:
        report = tl.verify()
    if not report.ok:
        raise ChainBrokenError(report.broken_at or 0, report.detail or "")
    typer.echo(
        f"ok: {report.events} events, chain verified up to #{report.head_seq} "
        f"({report.head_hash[:16]})"
    )


# -- feeds -----------------------------------------------------------------------

feeds_app = typer.Typer(help="The watched feeds: list, add, remove, health.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


@command("list", feeds_app)
def feeds_list(ctx: typer.Context) -> None:
    """List the feeds in config.toml."""
    table = Table(box=None)
    for header in ("name", "enabled", "interval", "jurisdiction", "language", "auto-accept", "url"):
        table.add_column(header)
    for feed in _settings(ctx).feeds:
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
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")],
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
            url=url,
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
    with _open(ctx, read_only=True) as tl:
        statuses = tl.feed_status()
    rows = [
        {
            "feed": s.name,
            "configured": s.config is not None,
            "enabled": bool(s.config and s.config.enabled),
            **(_health_dict(s.health) if s.health else {"state": "never polled"}),
        }
        for s in statuses
    ]
    if format_ is Format.json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if format_ is Format.csv:
        _write_csv(rows)
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


def _health_dict(health: FeedHealth) -> dict[str, Any]:
    def iso(moment: dt.datetime | None) -> str | None:
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None

    return {
        "state": "healthy" if health.healthy else ("failing" if health.last_error else "unknown"),
        "url": health.url,
        "last_status": health.last_status,
        "consecutive_failures": health.consecutive_failures,
        "last_attempt_at": iso(health.last_attempt_at),
        "last_success_at": iso(health.last_success_at),
        "next_due_at": iso(health.next_due_at),
        "last_error": health.last_error,
        "bozo_warning": health.bozo_warning,
        "etag": health.etag,
        "last_modified": health.last_modified,
        "items_last_poll": health.items_last_poll,
    }


def _write_csv(rows: list[dict[str, Any]]) -> None:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(sys.stdout, columns)
    writer.writeheader()
    writer.writerows(rows)


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
    with _open(ctx) as tl:
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


@command()
def daemon(ctx: typer.Context) -> None:
    """Poll feeds on schedule; one active daemon per database, others wait as standby."""
    import signal
    import threading

    from timeline.daemon import Daemon

    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with _open(ctx) as tl:
            poller = tl.poller()
            try:
                Daemon(tl.store, tl.settings, poller, tl.background_jobs()).run(stop)
            finally:
                poller.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# -- candidates ------------------------------------------------------------------

candidates_app = typer.Typer(
    help="Candidate events found in feeds: review, edit, accept, reject.", no_args_is_help=True
)
app.add_typer(candidates_app, name="candidates")


@command("list", candidates_app)
def candidates_list(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option(help="pending (default), accepted, rejected, duplicate, ignored; repeatable."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every status.")] = False,
    feed: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int | None, typer.Option(min=1)] = None,
    format_: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """List candidates, oldest first; by default those awaiting review."""
    with _open(ctx, read_only=True) as tl:
        found = tl.candidates(
            statuses=None if all_ else (status or ["pending"]), feed=feed, limit=limit
        )
    if format_ is Format.json:
        _write_json_array(c.as_dict() for c in found)
        return
    if format_ is Format.csv:
        _write_csv([_candidate_row(c) for c in found])
        return
    piped = not sys.stdout.isatty()
    table = Table(box=None)
    for header in ("id", "status", "feed", "kind", "where", "effective", "conf", "title"):
        table.add_column(header, no_wrap=piped, overflow="ellipsis")
    for c in found:
        row = _candidate_row(c)
        table.add_row(
            *(
                str(row[k])
                for k in (
                    "id",
                    "status",
                    "feed",
                    "kind",
                    "jurisdictions",
                    "effective",
                    "confidence",
                    "title",
                )
            )
        )
    Console(width=200 if piped else None).print(table)


def _candidate_row(c: Candidate) -> dict[str, Any]:
    return {
        "id": c.id[:8],
        "status": c.status,
        "feed": c.feed,
        "kind": c.proposed_kind or "",
        "jurisdictions": " ".join(c.proposed_jurisdictions),
        "effective": c.proposed_effective or "",
        "confidence": f"{c.confidence:.2f}",
        "title": c.proposed_title,
    }


@command("show", candidates_app)
def candidates_show(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Candidate id or id prefix.")]
) -> None:
    """Show one candidate in full (evidence, edits, history), as JSON."""
    with _open(ctx, read_only=True) as tl:
        candidate = tl.candidate(ref)
    typer.echo(json.dumps(candidate.as_dict(), indent=2, ensure_ascii=False))


@command("accept", candidates_app)
def candidates_accept(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Candidate id or id prefix.")]
) -> None:
    """Append the candidate's event; accepting it again appends nothing."""
    with _open(ctx) as tl:
        event = tl.accept_candidate(ref)
    typer.echo(f"accepted as #{event.seq} {event.id} {event.kind} {event.subject}")


@command("reject", candidates_app)
def candidates_reject(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Candidate id or id prefix.")],
    reason: Annotated[str, typer.Option(help="Why it is not an event worth recording.")],
) -> None:
    """Reject a candidate, keeping it with the reason so it is not proposed again."""
    with _open(ctx) as tl:
        candidate = tl.reject_candidate(ref, reason)
    typer.echo(f"rejected {candidate.id}: {candidate.reason}")


@command("edit", candidates_app)
def candidates_edit(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Candidate id or id prefix.")],
    kind: Annotated[str | None, typer.Option(help="Event kind, e.g. instrument.in_force.")] = None,
    jurisdiction: Annotated[
        list[str] | None, typer.Option("--jurisdiction", "-j", help="Repeatable; replaces all.")
    ] = None,
    effective: Annotated[str | None, typer.Option(help="YYYY, YYYY-MM or YYYY-MM-DD.")] = None,
    subject: Annotated[str | None, typer.Option(help="Subject slug, e.g. jp/ai-act.")] = None,
    title: Annotated[str | None, typer.Option()] = None,
    payload: Annotated[
        list[str] | None,
        typer.Option(help="KEY=VALUE payload field (VALUE read as JSON if it parses); repeatable."),
    ] = None,
) -> None:
    """Fix what the extractor proposed before accepting."""
    changes: dict[str, Any] = {
        "kind": kind,
        "jurisdictions": jurisdiction,
        "effective": effective,
        "subject": subject,
        "title": title,
        "payload": dict(_key_value(item) for item in payload or []),
    }
    with _open(ctx) as tl:
        candidate = tl.edit_candidate(ref, changes)
    typer.echo(json.dumps(candidate.as_dict(), indent=2, ensure_ascii=False))


def _key_value(item: str) -> tuple[str, Any]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise typer.BadParameter(f"--payload {item!r}: expected KEY=VALUE")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


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
        str | None, typer.Option(help="en, fr or ja (default: the feed's own tag, else detected).")
    ] = None,
    jurisdiction: Annotated[
        str | None, typer.Option(help="Jurisdiction hint for items that name none.")
    ] = None,
) -> None:
    """Propose events from one feed's items, storing nothing."""
    from timeline.feeds.extract import extract_source

    items, warning = extract_source(
        source, language=language, jurisdiction_hint=jurisdiction, polling=_settings(ctx).polling
    )
    if warning:
        typer.echo(f"Warning: {source}: malformed feed, used anyway ({warning})", err=True)
    if format_ is ExtractFormat.json:
        _write_json_array(item.as_json() for item in items)
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
from timeline import cli_digest, cli_projections, cli_web  # noqa: E402, F401


def main() -> None:
    app()
