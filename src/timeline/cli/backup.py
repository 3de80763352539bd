"""`timeline export|restore|copy`: the log out of one database and into another.

Registered on the `timeline` app when `timeline.cli` imports this module.  The
API (and through it SQLAlchemy) is imported inside each command, so that
`timeline --help` does not pay for it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from timeline import parsing
from timeline.cli._common import command, known_at_option, settings_of
from timeline.cli.render import output, write_csv, write_json_array
from timeline.interrupt import on_interrupt_say

if TYPE_CHECKING:
    from timeline.app import Timeline
    from timeline.backup import RestoreReport
    from timeline.settings import Settings


class FactsFormat(StrEnum):
    json = "json"
    csv = "csv"


ProgressFn = Callable[[str, int, int], None]

# Restore and copy commit in batches and resume where they stopped.
RESUMABLE = (
    "interrupted; the events {what} so far are kept: run the same `timeline {command}` "
    "again to finish"
)


@contextmanager
def _progress() -> Iterator[ProgressFn | None]:
    """A Rich progress bar on stderr, on a terminal only: piped or logged, a bar is
    noise (and stdout may be the export itself)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield progress


def _at(settings: Settings, url: str | None, *, read_only: bool = False) -> Timeline:
    """The API on `url` (default: the configured database), with the other settings."""
    from timeline.app import Timeline
    from timeline.settings import DatabaseSettings

    if url is not None:
        settings = settings.model_copy(update={"database": DatabaseSettings(url=url)})
    return Timeline.open(settings, read_only=read_only)


def _summary(report: RestoreReport, verb: str) -> str:
    kept = f" ({report.already_present} there already)" if report.already_present else ""
    return (
        f"{verb} {report.restored} events{kept} and {report.records} records; "
        f"the log holds {report.events} events, head #{report.events} "
        f"({report.head_hash[:16]})"
    )


@command()
def export(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(help="Where to write: a path (a .gz name compresses), or - for stdout.")
    ],
    facts: Annotated[
        bool,
        typer.Option("--facts", help="The facts as they stand on a day, not the whole log."),
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="With --facts: the day (default: today).")
    ] = None,
    known_at: Annotated[
        str | None,
        typer.Option(help="With --facts: as the log knew it then (ISO date or date-time)."),
    ] = None,
    format_: Annotated[
        FactsFormat | None,
        typer.Option("--format", "-f", help="With --facts: json (default) or csv."),
    ] = None,
) -> None:
    """Write the whole log, exactly as stored, and the working state beside it as JSON
    Lines; or, with --facts, the facts standing on a day as JSON or CSV."""
    if facts:
        _export_facts(ctx, file, as_of or "today", known_at, format_ or FactsFormat.json)
        return
    for name, given in (("--as-of", as_of), ("--known-at", known_at), ("--format", format_)):
        if given is not None:
            raise typer.BadParameter(f"{name} goes with --facts")
    with _at(settings_of(ctx), None, read_only=True) as tl, _progress() as progress:
        header = tl.export(sys.stdout.buffer if file == "-" else Path(file), progress)
    counts = ", ".join(f"{n} {table}" for table, n in header.records.items() if n)
    typer.echo(
        f"exported {header.events} events (head {header.head_hash[:16]})"
        + (f" and {counts}" if counts else "")
        + ("" if file == "-" else f" to {file}"),
        err=file == "-",
    )


def _export_facts(
    ctx: typer.Context, file: str, as_of: str, known_at: str | None, fmt: FactsFormat
) -> None:
    day, moment = parsing.day(as_of, "--as-of"), known_at_option(known_at)
    with _at(settings_of(ctx), None) as tl:
        entries = tl.facts_on(day, moment)
    items = [dict(entry) for entry in entries]
    write = write_json_array if fmt is FactsFormat.json else write_csv
    with output(None if file == "-" else Path(file)) as out:
        write(items, out)
    if file != "-":
        typer.echo(f"exported {len(items)} facts standing on {day} to {file}")


@command()
def restore(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="An export (.jsonl or .jsonl.gz), or - for stdin.")],
    database_url: Annotated[
        str | None, typer.Option(help="The database to restore into (default: the configured).")
    ] = None,
) -> None:
    """Restore an export into an empty database (or finish one cut short), after
    checking every line; then rebuild the read models."""
    source = sys.stdin.buffer if file == "-" else Path(file)
    with (
        on_interrupt_say(RESUMABLE.format(what="restored", command="restore")),
        _at(settings_of(ctx), database_url) as tl,
        _progress() as progress,
    ):
        report = tl.restore(source, progress)
    typer.echo(_summary(report, "restored"))


@command()
def copy(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="The database URL to copy into.")],
    from_: Annotated[
        str | None,
        typer.Option("--from", help="The database URL to copy from (default: the configured)."),
    ] = None,
) -> None:
    """Copy the log and its working state into another database, checked and
    resumable: run it again after an interruption and it continues."""
    settings = settings_of(ctx)
    with (
        on_interrupt_say(RESUMABLE.format(what="copied", command="copy")),
        _at(settings, from_, read_only=True) as source,
        _at(settings, to) as target,
        _progress() as progress,
    ):
        report = source.copy_to(target, progress)
    typer.echo(_summary(report, "copied"))
