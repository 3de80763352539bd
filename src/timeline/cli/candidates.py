"""`timeline candidates list|show|accept|reject|edit`: reviewing proposed events."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from timeline.cli._common import app, command, open_timeline
from timeline.cli.render import Column, Format, FormatOption, OutputOption, output, render_rows
from timeline.model.feeds import Candidate

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
    format_: FormatOption = Format.table,
    output_file: OutputOption = None,
) -> None:
    """List candidates, oldest first; by default those awaiting review."""
    with open_timeline(ctx, read_only=True) as tl:
        found = tl.candidates(
            statuses=None if all_ else (status or ["pending"]), feed=feed, limit=limit
        )
    if format_ is Format.table and not found:
        typer.echo(_none_found(None if all_ else (status or ["pending"]), feed), err=True)
        return
    with output(output_file) as out:
        render_rows(
            found,
            format_,
            out,
            columns=_CANDIDATE_COLUMNS,
            as_json=Candidate.as_dict,
            as_csv=_candidate_row,
            csv_columns=_CANDIDATE_CSV,
        )


_CANDIDATE_COLUMNS = (
    Column("id", lambda c: c.id[:8]),
    Column("status", lambda c: c.status),
    Column("feed", lambda c: c.feed),
    Column("kind", lambda c: c.proposed_kind or ""),
    Column("where", lambda c: " ".join(c.proposed_jurisdictions)),
    Column("effective", lambda c: c.proposed_effective or ""),
    Column("conf", lambda c: f"{c.confidence:.2f}"),
    Column("title", lambda c: c.proposed_title, cut=True),
)
_CANDIDATE_CSV = (
    "id",
    "status",
    "feed",
    "kind",
    "jurisdictions",
    "effective",
    "confidence",
    "title",
)


def _none_found(statuses: list[str] | None, feed: str | None) -> str:
    """What an empty listing means, and how candidates come to be."""
    if statuses == ["pending"] and feed is None:
        return (
            "no candidates awaiting review: the daemon or `timeline poll` proposes them from "
            "the watched feeds (`timeline feeds list`); --all lists reviewed ones too"
        )
    if statuses is None and feed is None:
        return (
            "no candidates yet: the daemon or `timeline poll` proposes them from the watched feeds"
        )
    which = "candidates" if statuses is None else f"{' or '.join(statuses)} candidates"
    return f"no {which}" + (f" from feed {feed!r}" if feed else "")


def _candidate_row(c: Candidate) -> dict[str, Any]:
    return {
        "id": c.id,
        "status": c.status,
        "feed": c.feed,
        "kind": c.proposed_kind or "",
        "jurisdictions": c.proposed_jurisdictions,
        "effective": c.proposed_effective or "",
        "confidence": c.confidence,
        "title": c.proposed_title,
    }


@command("show", candidates_app)
def candidates_show(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Candidate id or id prefix.")]
) -> None:
    """Show one candidate in full (evidence, edits, history), as JSON."""
    with open_timeline(ctx, read_only=True) as tl:
        candidate = tl.candidate(ref)
    typer.echo(json.dumps(candidate.as_dict(), indent=2, ensure_ascii=False))


@command("accept", candidates_app)
def candidates_accept(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Candidate id or id prefix.")]
) -> None:
    """Append the candidate's event; accepting it again appends nothing."""
    with open_timeline(ctx) as tl:
        event = tl.accept_candidate(ref)
    typer.echo(f"accepted as #{event.seq} {event.id} {event.kind} {event.subject}")


@command("reject", candidates_app)
def candidates_reject(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Candidate id or id prefix.")],
    reason: Annotated[str, typer.Option(help="Why it is not an event worth recording.")],
) -> None:
    """Reject a candidate, keeping it with the reason so it is not proposed again."""
    with open_timeline(ctx) as tl:
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
    with open_timeline(ctx) as tl:
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
