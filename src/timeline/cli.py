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
from rich.console import Console
from rich.table import Table

from timeline.app import Timeline
from timeline.documents import parse_documents, read_documents
from timeline.errors import ChainBrokenError, InvalidDateError, TimelineError
from timeline.logging import configure_logging
from timeline.model.dates import PartialDate
from timeline.settings import Settings, load_settings
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


def command(name: str | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register a command whose user errors print as one line."""

    def register(fn: Callable[P, R]) -> Callable[P, R]:
        app.command(name)(_user_errors_as_one_line(fn))
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
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidDateError(
            f"--known-at: expected an ISO date or date-time, got {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if len(value) == 10:  # a bare date means "known by the end of that day"
        moment += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return moment


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


# -- feeds: extract --


class ExtractFormat(StrEnum):
    json = "json"
    table = "table"


@command("extract")
def extract(
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

    items, warning = extract_source(source, language=language, jurisdiction_hint=jurisdiction)
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


def main() -> None:
    app()
