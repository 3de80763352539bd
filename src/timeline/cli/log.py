"""`timeline init|import|append|log|show|correct|retract|verify`: the event log."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from timeline import parsing
from timeline.cli._common import command, known_at_option, open_timeline, settings_of
from timeline.cli.render import Column, Format, FormatOption, OutputOption, output, render_rows
from timeline.errors import ChainBrokenError, ImportConflictError

if TYPE_CHECKING:
    from timeline.importer import ImportConflict, Prefer


@command()
def init(ctx: typer.Context) -> None:
    """Create the database, or bring its schema up to date."""
    with open_timeline(ctx) as tl:
        tl.init()
        typer.echo(f"initialised {settings_of(ctx).database.url}")


@command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A folder of .toml event files, or one file.")],
    prefer_file: Annotated[
        bool, typer.Option("--prefer-file", help="In a conflict, correct the log from the file.")
    ] = False,
    prefer_log: Annotated[
        bool, typer.Option("--prefer-log", help="In a conflict, keep the log's version.")
    ] = False,
) -> None:
    """Import curated events; a second run imports nothing, edits become corrections."""
    if prefer_file and prefer_log:
        raise typer.BadParameter("--prefer-file and --prefer-log exclude each other")
    prefer: Prefer | None = "file" if prefer_file else "log" if prefer_log else None
    with open_timeline(ctx) as tl:
        report = tl.import_path(path, prefer=prefer)
    typer.echo(
        f"{report.entries} entries in {report.files} files: {len(report.new)} new, "
        f"{len(report.corrected)} corrected, {report.unchanged} unchanged"
        + (f", {len(report.retracted)} retracted (left alone)" if report.retracted else "")
        + (f", {len(report.kept)} kept as the log has them" if report.kept else "")
        + (f", {len(report.conflicts)} in conflict" if report.conflicts else "")
    )
    for conflict in report.conflicts:
        typer.echo(_conflict_text(conflict))
    if report.conflicts:
        raise ImportConflictError(
            f"{len(report.conflicts)} entries changed both in their file and in the log since "
            "their import; nothing written for them (the rest is imported): choose with "
            "--prefer-file or --prefer-log, or edit the file to match the log"
        )


def _conflict_text(conflict: ImportConflict) -> str:
    """An entry in conflict: each field that differs, as the file and the log say it."""
    event = conflict.event
    lines = [
        f"conflict: entry {conflict.entry_id!r} ({conflict.file}), event #{event.seq}: "
        + (
            f"retracted by #{conflict.retracted_by.seq} "
            f"({conflict.retracted_by.payload['reason']}), and changed in the file"
            if conflict.retracted_by
            else "corrected in the log, and changed differently in the file"
        )
    ]
    in_file, in_log = _flat(conflict.in_file), _flat(conflict.in_log)
    for name in sorted(set(in_file) | set(in_log)):
        if in_file.get(name) != in_log.get(name):
            lines.append(
                f"  {name}: file {json.dumps(in_file.get(name), ensure_ascii=False)}"
                f" | log {json.dumps(in_log.get(name), ensure_ascii=False)}"
            )
    return "\n".join(lines)


def _flat(fact: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in fact.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[prefix + key] = value
    return flat


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
    from timeline.documents import events_to_append, parse_documents, read_documents

    documents = (
        parse_documents(sys.stdin.read(), "<stdin>") if file == "-" else read_documents(Path(file))
    )
    events = events_to_append(documents, "<stdin>" if file == "-" else file)
    expected = None
    if expected_version is not None:
        subjects = {event.subject for event in events}
        if len(subjects) != 1:
            raise typer.BadParameter("--expected-version needs all events on one subject")
        expected = {subjects.pop(): expected_version}
    with open_timeline(ctx) as tl:
        result = tl.append(events, expected)
    for event, written in zip(result.events, result.written, strict=False):
        verb = "appended" if written else "already stored"
        typer.echo(f"{verb} #{event.seq} {event.id} {event.kind} {event.subject}")


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
    current: Annotated[
        bool,
        typer.Option(
            "--current", help="Only facts as they now stand: no retracted fact, no meta event."
        ),
    ] = False,
    format_: FormatOption = Format.table,
    output_file: OutputOption = None,
) -> None:
    """List events in the order they were recorded; superseded facts are marked."""
    with open_timeline(ctx, read_only=True) as tl:
        entries = tl.entries(
            current=current,
            jurisdiction=jurisdiction,
            kinds=kind,
            subject=subject,
            effective_from=parsing.partial_bound(from_, "--from", end=False),
            effective_to=parsing.partial_bound(to, "--to", end=True),
            known_at=known_at_option(known_at),
            limit=limit,
        )
        rows = (entry.current_dict() if current else entry.as_dict() for entry in entries)
        with output(output_file) as out:
            render_rows(
                rows,
                format_,
                out,
                columns=_LOG_COLUMNS,
                as_json=dict,
                as_csv=_csv_row,
                csv_columns=_CSV_COLUMNS,
            )


def _describe(row: dict[str, Any]) -> str:
    # The event models (170 ms) load when a row is printed, not at start-up.
    from timeline.model.facts import describe

    return describe(row["kind"], row["payload"])


def _mark(row: dict[str, Any]) -> str:
    superseded = row["superseded"]
    return str(superseded["text"]) if superseded else ""


# The table: what a person scans for.  Amounts in words (`describe`); JSON and
# CSV keep the exact payload.
_LOG_COLUMNS = (
    Column("#", lambda row: str(row["seq"])),
    Column("effective", lambda row: row["effective"]),
    Column("kind", lambda row: row["kind"]),
    Column("subject", lambda row: row["subject"]),
    Column("where", lambda row: " ".join(row["jurisdictions"])),
    Column("what", _describe, cut=True),
    Column("superseded", _mark),
)
_CSV_COLUMNS = (
    "seq",
    "id",
    "kind",
    "subject",
    "jurisdictions",
    "effective",
    "recorded_at",
    "summary",
    "superseded",
    "payload",
    "sources",
)


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    """An entry as one CSV row: the exact payload as JSON, its summary in words."""
    return row | {"summary": _describe(row), "superseded": _mark(row)}


EVENT_REF_HELP = (
    "A position (23 or #23), an event id or its first 4+ characters, "
    "an idempotency key or a curated entry id."
)


@command()
def show(ctx: typer.Context, ref: Annotated[str, typer.Argument(help=EVENT_REF_HELP)]) -> None:
    """Show one event in full, as JSON; a superseded fact says by what."""
    with open_timeline(ctx, read_only=True) as tl:
        entry = tl.entry(ref)
    typer.echo(json.dumps(entry.as_dict(), indent=2, ensure_ascii=False))
    if entry.mark:
        typer.echo(f"#{entry.event.seq} is {entry.mark}", err=True)


@command()
def correct(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help=EVENT_REF_HELP)],
    file: Annotated[
        str, typer.Argument(help="JSON or TOML with the fields that change; - for stdin.")
    ],
    reason: Annotated[str | None, typer.Option(help="Why (or `reason` in the file).")] = None,
) -> None:
    """Record a correction: the original stays, the correction supersedes it."""
    from timeline.documents import parse_documents, read_documents

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
    with open_timeline(ctx) as tl:
        event = tl.correct(ref, changes, str(why))
    typer.echo(f"appended #{event.seq} {event.id} event.corrected {event.subject}")


@command()
def retract(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help=EVENT_REF_HELP)],
    reason: Annotated[str, typer.Option(help="Why it should not have been recorded.")],
) -> None:
    """Record a retraction: the event stays in the log, marked as withdrawn."""
    with open_timeline(ctx) as tl:
        event = tl.retract(ref, reason)
    typer.echo(f"appended #{event.seq} {event.id} event.retracted {event.subject}")


@command()
def verify(ctx: typer.Context) -> None:
    """Walk the hash chain; exit 1 naming the first broken position."""
    with open_timeline(ctx, read_only=True) as tl:
        report = tl.verify()
    if not report.ok:
        raise ChainBrokenError(report.broken_at or 0, report.detail or "")
    typer.echo(
        f"ok: {report.events} events, chain verified up to #{report.head_seq} "
        f"({report.head_hash[:16]})"
    )
