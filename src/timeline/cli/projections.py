"""`timeline state|compare|diff|history|upcoming|rebuild`: thin over the projection API.

Registered on the `timeline` app when `timeline.cli` imports this module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from timeline import parsing
from timeline.cli._common import command, known_at_option, open_timeline
from timeline.cli.render import (
    Column,
    Format,
    FormatOption,
    OutputOption,
    output,
    render_rows,
    write_csv,
    write_json,
)

# What a command needs beyond Typer is imported where it is used: `timeline
# --help` and the other commands do not pay for the projections' stack (the
# event models alone take 170 ms; docs/design.md, "Start-up").
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
WithSubdivisions = Annotated[
    bool,
    typer.Option(
        "--with-subdivisions", help="Fold in the facts of its subdivisions (US-TX for US)."
    ),
]


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


Answer = TypeVar("Answer", "State", "Comparison")


def _answer(
    ctx: typer.Context, format_: Format, ask: Callable[[Timeline], Answer]
) -> tuple[Answer, ProjectionDefinition] | None:
    """Ask, and print the answer as JSON when asked to (None), or hand it back with
    its projection's definition for a table or CSV."""
    with open_timeline(ctx) as tl:
        result = ask(tl)
        definition = tl.definition(result["projection"])
        caught_up = _caught_up(tl)
    if format_ is Format.json:
        write_json({**result, "read_models": caught_up}, sys.stdout)
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
    format_: FormatOption = Format.table,
) -> None:
    """A jurisdiction's state on a day, as the log knew it at a time."""
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
    if format_ is Format.csv:
        write_csv(_state_rows(result, sections), sys.stdout, _STATE_CSV)
    else:
        _print_state(result, sections)


def _print_state(result: State, sections: ProjectionDefinition) -> None:
    from timeline.answers import aggregate
    from timeline.answers import section as section_items
    from timeline.projections.fold import shows_stages

    console = _console()
    console.print(
        f"[bold]{result['jurisdiction']}[/] on {result['as_of']} "
        f"({result['projection']}, as known at {result['known_at']})"
    )
    if result["subdivisions"]:
        typer.echo(_subdivisions_text(result))
    for agg in sections.aggregates:
        console.print(f"{agg.name}: {_aggregate_text(aggregate(result, agg.name))}")
    for section in sections.sections:
        items = section_items(result, section)
        if not items:
            continue
        table = Table(title=f"{section} ({len(items)})", title_justify="left", box=None)
        for header in ("effective", "title", "status", "subject"):
            table.add_column(header)
        for item in items:
            table.add_row(
                str(item.get("effective", "")), _item_title(item), _status(item), item["subject"]
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


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _item_title(item: Mapping[str, Any]) -> str:
    """An item's title, with the figure it reports: `digital trade deficit: JPY 6.6 trillion`."""
    from timeline.answers import item_figure

    figure = item_figure(item)
    return f"{item['title']}: {figure}" if figure else str(item["title"])


def _aggregate_text(value: Any) -> str:
    """An aggregate's value in words, and the fact it comes from."""
    from timeline.projections.fold import value_text

    if isinstance(value, dict) and "value" in value:
        return f"{value_text(value['value'])} ({value['title']})"
    return value_text(value)


# A state as CSV: one row per aggregate, item and uncertain fact; `value` and
# `unit` are exact, `figure` is the same in words.
_STATE_CSV = (
    "section",
    "title",
    "figure",
    "status",
    "effective",
    "subject",
    "value",
    "unit",
    "events",
)


def _state_rows(state: State, definition: ProjectionDefinition) -> Iterator[dict[str, Any]]:
    from timeline.answers import aggregate, item_figure
    from timeline.answers import section as section_items
    from timeline.model.facts import with_stage
    from timeline.projections.fold import value_text

    for agg in definition.aggregates:
        value = aggregate(state, agg.name)
        source = value if isinstance(value, dict) and "value" in value else None
        yield {
            "section": agg.name,
            "title": source["title"] if source else "",
            "figure": value_text(source["value"] if source else value),
            "subject": source["subject"] if source else "",
            "value": source["value"] if source else value,
            "events": source["events"] if source else [],
        }
    for name in definition.sections:
        for item in section_items(state, name):
            yield {
                "section": name,
                "title": with_stage(item["title"], _text_or_none(item.get("stage"))),
                "figure": item_figure(item),
                "status": _status(item),
                "effective": item.get("effective", ""),
                "subject": item["subject"],
                "value": item.get("value"),
                "unit": item.get("unit"),
                "events": item.get("events", []),
            }
    for entry in state["uncertain"]:
        yield {
            "section": "uncertain",
            "title": entry["title"],
            "status": f"certain from {entry['certain_from']}",
            "effective": entry["effective"],
            "subject": entry.get("subject", ""),
            "events": entry.get("events", []),
        }


@command()
def compare(
    ctx: typer.Context,
    jurisdictions: Annotated[list[str], typer.Argument(help="Two or more codes.")],
    as_of: AsOf = "today",
    known_at: KnownAt = None,
    projection: ProjectionName = None,
    with_subdivisions: WithSubdivisions = False,
    format_: FormatOption = Format.table,
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
    if format_ is Format.csv:
        write_csv(_comparison_rows(result, definition), sys.stdout, _COMPARE_CSV)
        return
    table = Table(title=f"{' vs '.join(codes)} on {result['as_of']}", title_justify="left")
    table.add_column("")
    for code in codes:
        table.add_column(code)
    differing = set(result["differences"])
    rows: list[tuple[str, list[str]]] = []
    states = result["states"]
    for agg in definition.aggregates:
        rows.append((agg.name, [_aggregate_text(aggregate(states[c], agg.name)) for c in codes]))
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


_COMPARE_CSV = ("jurisdiction", *_STATE_CSV, "differs")


def _comparison_rows(
    comparison: Comparison, definition: ProjectionDefinition
) -> Iterator[dict[str, Any]]:
    """Each jurisdiction's state rows, saying whether their section differs."""
    differing = set(comparison["differences"])
    for code in comparison["jurisdictions"]:
        for row in _state_rows(comparison["states"][code], definition):
            yield {"jurisdiction": code, **row, "differs": row["section"] in differing}


def _section_text(items: Sequence[Mapping[str, Any]]) -> str:
    if not items:
        return "-"
    lines = [_item_title(item) + (f" [{_status(item)}]" if _status(item) else "") for item in items]
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
    format_: FormatOption = Format.table,
) -> None:
    """What changed in a jurisdiction's state between two days, each change citing its events."""
    from timeline.projections.queries import change_text

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
        write_json({**result, "read_models": caught_up}, sys.stdout)
        return
    if format_ is Format.csv:
        write_csv((_change_row(c) for c in result["changes"]), sys.stdout, _DIFF_CSV)
        return
    typer.echo(f"{result['jurisdiction']}: {result['from']} -> {result['to']}")
    if not result["changes"]:
        typer.echo("no change")
    for change in result["changes"]:
        typer.echo(f"  {_change_mark(change)} {change_text(change)}")


def _change_mark(change: Mapping[str, Any]) -> str:
    if "stage" in change:
        return ">"
    return {"added": "+", "removed": "-"}.get(change["change"], "~")


# A diff as CSV: one row per change, its line in words beside the exact values.
_DIFF_CSV = ("section", "change", "title", "subject", "effective", "text", "from", "to", "events")


def _change_row(change: Mapping[str, Any]) -> dict[str, Any]:
    from timeline.projections.queries import change_text

    fields = change.get("fields")
    return {
        "section": change["section"],
        "change": change["change"],
        "title": change.get("title", ""),
        "subject": change.get("subject", ""),
        "effective": change.get("effective", ""),
        "text": change_text(change),
        "from": {k: v["from"] for k, v in fields.items()} if fields else change.get("from"),
        "to": {k: v["to"] for k, v in fields.items()} if fields else change.get("to"),
        "events": change["events"],
    }


@command()
def history(
    ctx: typer.Context,
    jurisdiction: Annotated[str | None, typer.Argument(help="A code; all when omitted.")] = None,
    known_at: KnownAt = None,
    format_: FormatOption = Format.table,
    output_file: OutputOption = None,
) -> None:
    """The dated timeline: every fact in order of when it takes effect."""
    with open_timeline(ctx) as tl:
        entries = tl.iter_history(jurisdiction, known_at_option(known_at))
        _caught_up(tl)
        with output(output_file) as out:
            _entries_out(entries, format_, out)  # streamed: the log never sits in memory


@command()
def upcoming(
    ctx: typer.Context,
    jurisdiction: Annotated[str | None, typer.Argument(help="A code; all when omitted.")] = None,
    as_of: AsOf = "today",
    days: Annotated[int, typer.Option(help="How far ahead.")] = 30,
    format_: FormatOption = Format.table,
) -> None:
    """What takes effect in the days after --as-of."""
    with open_timeline(ctx) as tl:
        entries = tl.upcoming(jurisdiction, parsing.day(as_of, "--as-of"), days)
        _caught_up(tl)
    _entries_out(entries, format_, sys.stdout)


def _titled_with_stage(entry: Mapping[str, Any]) -> str:
    from timeline.model.facts import with_stage

    return with_stage(entry["title"], entry.get("stage"))


_ENTRY_COLUMNS = (
    Column("effective", lambda e: e["effective"]),
    Column("kind", lambda e: e["kind"]),
    Column("title", _titled_with_stage),
    Column("where", lambda e: " ".join(e["jurisdictions"])),
    Column("subject", lambda e: e["subject"]),
)


_ENTRY_CSV = ("effective", "kind", "title", "stage", "jurisdictions", "subject", "events")


def _entries_out(entries: Iterable[Mapping[str, Any]], fmt: Format, out: Any) -> None:
    render_rows(
        entries,
        fmt,
        out,
        columns=_ENTRY_COLUMNS,
        as_json=dict,
        csv_columns=_ENTRY_CSV,
        empty="nothing",
    )


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
