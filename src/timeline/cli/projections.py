"""`timeline state|compare|diff|history|upcoming|rebuild`: thin over the projection API.

Registered on the `timeline` app when `timeline.cli` imports this module.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from timeline import parsing
from timeline.cli._common import (
    Format,
    command,
    known_at_option,
    open_timeline,
    write_json_array,
)

# What a command needs beyond Typer is imported in its body: `timeline --help`
# and the other commands do not pay for the projections' stack (docs/design.md).
if TYPE_CHECKING:
    from timeline.answers import Comparison, ReadModelsCaughtUp, State
    from timeline.app import Timeline
    from timeline.projections.definition import ProjectionDefinition

AsOf = Annotated[str, typer.Option("--as-of", help="The day (YYYY-MM-DD or 'today').")]
KnownAt = Annotated[
    str | None,
    typer.Option(help="As the log knew it then (ISO date or date-time; default: now)."),
]
ProjectionName = Annotated[
    str | None,
    typer.Option("--projection", "-p", help="A projection of projections/ (default: config)."),
]
ViewFormat = Annotated[Format, typer.Option("--format", "-f", help="table or json.")]
WithSubdivisions = Annotated[
    bool,
    typer.Option(
        "--with-subdivisions", help="Fold in the facts of its subdivisions (US-TX for US)."
    ),
]


def _json_out(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _caught_up(tl: Timeline) -> ReadModelsCaughtUp:
    """How far the read models were for the answer; said on stderr when they were
    behind (a read-only database: the rest was folded in memory)."""
    caught_up = tl.read_models_caught_up()
    if caught_up["in_memory"]:
        typer.echo(
            f"note: the read models reflect the log up to #{caught_up['indexed']} of "
            f"#{caught_up['head']}; the {caught_up['in_memory']} events after were folded "
            "in memory (the database is read-only here)",
            err=True,
        )
    return caught_up


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160)


def _no_csv(fmt: Format) -> None:
    if fmt is Format.csv:
        raise typer.BadParameter("this view prints table or json")


Answer = TypeVar("Answer", "State", "Comparison")


def _answer(
    ctx: typer.Context, format_: Format, ask: Callable[[Timeline], Answer]
) -> tuple[Answer, ProjectionDefinition] | None:
    """Ask, and print the answer as JSON when asked to (None), or hand it back with
    its projection's definition for a table."""
    _no_csv(format_)
    with open_timeline(ctx) as tl:
        result = ask(tl)
        definition = tl.definition(result["projection"])
        caught_up = _caught_up(tl)
    if format_ is Format.json:
        _json_out({**result, "read_models": caught_up})
        return None
    return result, definition


@command()
def state(
    ctx: typer.Context,
    jurisdiction: Annotated[str, typer.Argument(help="A code: JP, EU, US-CA, G7...")],
    as_of: AsOf = "today",
    known_at: KnownAt = None,
    projection: ProjectionName = None,
    with_subdivisions: WithSubdivisions = False,
    format_: ViewFormat = Format.table,
) -> None:
    """A jurisdiction's state on a day, as the log knew it at a time."""
    from timeline.answers import aggregate
    from timeline.answers import section as section_items
    from timeline.projections.fold import shows_stages

    day, moment = parsing.day(as_of, "--as-of"), known_at_option(known_at)
    answered = _answer(
        ctx,
        format_,
        lambda tl: tl.state(
            jurisdiction, day, moment, projection, with_subdivisions=with_subdivisions
        ),
    )
    if answered is None:
        return
    result, sections = answered
    console = _console()
    console.print(
        f"[bold]{result['jurisdiction']}[/] on {result['as_of']} "
        f"({result['projection']}, as known at {result['known_at']})"
    )
    if result["subdivisions"]:
        typer.echo(_subdivisions_text(result))
    for agg in sections.aggregates:
        console.print(f"{agg.name}: {_value_text(aggregate(result, agg.name))}")
    for section in sections.sections:
        items = section_items(result, section)
        if not items:
            continue
        table = Table(title=f"{section} ({len(items)})", title_justify="left", box=None)
        for header in ("effective", "title", "status", "subject"):
            table.add_column(header)
        for item in items:
            table.add_row(
                str(item.get("effective", "")),
                str(item["title"]),
                _status(item),
                item["subject"],
            )
        console.print(table)
        for item in items:
            if shows_stages(item.get("stages")):
                console.print(_stages_table(item))
    if result["uncertain"]:
        table = Table(title="uncertain on this day", title_justify="left", box=None)
        for header in ("effective", "kind", "title", "certain from"):
            table.add_column(header)
        for entry in result["uncertain"]:
            table.add_row(entry["effective"], entry["kind"], entry["title"], entry["certain_from"])
        console.print(table)


def _stages_table(item: Mapping[str, Any]) -> Table:
    from timeline.projections.fold import stage_summary

    table = Table(title=f"stages of {item['title']}", title_justify="left", box=None)
    for header in ("applies from", "stage", "applies", "proposed"):
        table.add_column(header)
    for stage in item["stages"]:
        proposed = ", ".join(f"to {p['to']} ({p['by']})" for p in stage.get("proposed", ()))
        table.add_row(stage["applies_from"], stage["status"], stage_summary(stage), proposed)
    return table


def _subdivisions_text(state: State) -> str:
    """The line a state prints when its jurisdiction's subdivisions have facts."""
    codes = ", ".join(state["subdivisions"])
    if state["with_subdivisions"]:
        return f"with subdivisions: {codes}"
    return f"without subdivisions: {codes} have facts of their own (--with-subdivisions)"


def _status(item: Mapping[str, Any]) -> str:
    status = str(item.get("status", ""))
    since = item.get("dates", {}).get(status) if isinstance(item.get("dates"), dict) else None
    if since:  # an act in force in stages entered into force once: that is the date
        status += f" since {since}"
    if "binding" in item and item["binding"] is not None:
        status += " (binding)" if item["binding"] else " (voluntary)"
    return status.strip()


def _value_text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, dict) and "value" in value:
        return f"{_penalty_text(value['value'])}  [{value['title']}]"
    return str(value)


def _penalty_text(value: Any) -> str:
    from timeline.projections.fold import penalty_text

    if not isinstance(value, dict):
        return str(value)
    return penalty_text(value, _amount) or "?"


def _amount(amount: Any) -> str:
    try:
        number = float(amount)
    except (TypeError, ValueError):
        return str(amount)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if number >= size:
            return f"{number / size:g}{suffix}"
    return f"{number:g}"


@command()
def compare(
    ctx: typer.Context,
    jurisdictions: Annotated[list[str], typer.Argument(help="Two or more codes.")],
    as_of: AsOf = "today",
    known_at: KnownAt = None,
    projection: ProjectionName = None,
    with_subdivisions: WithSubdivisions = False,
    format_: ViewFormat = Format.table,
) -> None:
    """Jurisdictions side by side on one day; rows that differ are highlighted."""
    from timeline.answers import aggregate
    from timeline.answers import section as section_items

    day, moment = parsing.day(as_of, "--as-of"), known_at_option(known_at)
    answered = _answer(
        ctx,
        format_,
        lambda tl: tl.compare(
            jurisdictions, day, moment, projection, with_subdivisions=with_subdivisions
        ),
    )
    if answered is None:
        return
    result, definition = answered
    codes: Sequence[str] = result["jurisdictions"]
    table = Table(title=f"{' vs '.join(codes)} on {result['as_of']}", title_justify="left")
    table.add_column("")
    for code in codes:
        table.add_column(code)
    differing = set(result["differences"])
    rows: list[tuple[str, list[str]]] = []
    states = result["states"]
    for agg in definition.aggregates:
        rows.append((agg.name, [_value_text(aggregate(states[c], agg.name)) for c in codes]))
    for section in definition.sections:
        rows.append((section, [_section_text(section_items(states[c], section)) for c in codes]))
    for name, cells in rows:
        style = "bold yellow" if name in differing else ""
        marker = "* " if name in differing else "  "
        table.add_row(Text(marker + name, style=style), *(Text(c, style=style) for c in cells))
    _console().print(table)
    if differing:
        typer.echo(f"* differs: {', '.join(result['differences'])}")
    for code in codes:
        if states[code]["subdivisions"]:
            typer.echo(f"{code} {_subdivisions_text(states[code])}")


def _section_text(items: Sequence[Mapping[str, Any]]) -> str:
    if not items:
        return "-"
    lines = [
        f"{item['title']}" + (f" [{_status(item)}]" if _status(item) else "") for item in items
    ]
    shown = lines[:8]
    if len(lines) > len(shown):
        shown.append(f"... and {len(lines) - len(shown)} more")
    return "\n".join(shown)


@command()
def diff(
    ctx: typer.Context,
    jurisdiction: Annotated[str, typer.Argument(help="A code: JP, EU, US-CA, G7...")],
    from_: Annotated[str, typer.Option("--from", help="The earlier day (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="The later day (YYYY-MM-DD or 'today').")],
    known_at: KnownAt = None,
    projection: ProjectionName = None,
    format_: ViewFormat = Format.table,
) -> None:
    """What changed in a jurisdiction's state between two days, each change citing its events."""
    from timeline.projections.queries import stage_change_text

    _no_csv(format_)
    with open_timeline(ctx) as tl:
        result = tl.diff(
            jurisdiction,
            parsing.day(from_, "--from"),
            parsing.day(to, "--to"),
            known_at_option(known_at),
            projection,
        )
        caught_up = _caught_up(tl)
    if format_ is Format.json:
        _json_out({**result, "read_models": caught_up})
        return
    typer.echo(f"{result['jurisdiction']}: {result['from']} -> {result['to']}")
    if not result["changes"]:
        typer.echo("no change")
    for change in result["changes"]:
        events = ", ".join(e[:8] for e in change["events"])
        if "title" not in change:
            typer.echo(
                f"  {change['section']}: {_value_text(_wrap(change['from']))} -> "
                f"{_value_text(_wrap(change['to']))}  [{events}]"
            )
            continue
        if "stage" in change:
            typer.echo(f"  > {change['section']}: {change['title']} ({change['effective']})")
            typer.echo(f"      {stage_change_text(change)}")
            typer.echo(f"      events: {events}")
            continue
        head = {"added": "+", "removed": "-", "changed": "~"}[change["change"]]
        typer.echo(f"  {head} {change['section']}: {change['title']} ({change['effective']})")
        for field, values in change.get("fields", {}).items():
            typer.echo(f"      {field}: {_brief(values['from'])} -> {_brief(values['to'])}")
        typer.echo(f"      events: {events}")


def _wrap(value: Any) -> Any:
    return {"value": value, "title": ""} if isinstance(value, dict) else value


def _brief(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if value is not None else "-"
    return text if len(text) <= 80 else text[:77] + "..."


@command()
def history(
    ctx: typer.Context,
    jurisdiction: Annotated[str | None, typer.Argument(help="A code; all when omitted.")] = None,
    known_at: KnownAt = None,
    format_: ViewFormat = Format.table,
) -> None:
    """The dated timeline: every fact in order of when it takes effect."""
    _no_csv(format_)
    with open_timeline(ctx) as tl:
        entries = tl.iter_history(jurisdiction, known_at_option(known_at))
        _caught_up(tl)
        _entries_out(entries, format_)  # streamed: the whole log never sits in memory


@command()
def upcoming(
    ctx: typer.Context,
    jurisdiction: Annotated[str | None, typer.Argument(help="A code; all when omitted.")] = None,
    as_of: AsOf = "today",
    days: Annotated[int, typer.Option(help="How far ahead.")] = 30,
    format_: ViewFormat = Format.table,
) -> None:
    """What takes effect in the days after --as-of."""
    _no_csv(format_)
    with open_timeline(ctx) as tl:
        entries = tl.upcoming(jurisdiction, parsing.day(as_of, "--as-of"), days)
        _caught_up(tl)
    _entries_out(entries, format_)


# Rows per table printed: a table is laid out whole, so a long answer is printed
# as a run of tables (the header on the first), not one table of every row.
_TABLE_ROWS = 500


def _entries_out(entries: Iterable[Mapping[str, Any]], fmt: Format) -> None:
    from timeline.model.facts import with_stage

    if fmt is Format.json:
        write_json_array(dict(e) for e in entries)
        return
    console = _console()
    printed = False
    rows = iter(entries)
    while chunk := list(itertools.islice(rows, _TABLE_ROWS)):
        table = Table(box=None, show_header=not printed)
        for header in ("effective", "kind", "title", "where", "subject"):
            table.add_column(header)
        for e in chunk:
            table.add_row(
                e["effective"],
                e["kind"],
                with_stage(e["title"], e.get("stage")),
                " ".join(e["jurisdictions"]),
                e["subject"],
            )
        console.print(table)
        printed = True
    if not printed:
        typer.echo("nothing")


@command()
def rebuild(ctx: typer.Context) -> None:
    """Rebuild every projection's read model from the whole log, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with open_timeline(ctx) as tl, Progress(*columns, transient=not sys.stderr.isatty()) as bar:
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        report = tl.rebuild(progress)
    typer.echo(f"rebuilt up to #{report.position}: {report.snapshots} snapshots")
