"""`timeline digest`: the weekly digest, previewed to files or sent; thin over the API.

Registered on the `timeline` app when `timeline.cli` imports this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from timeline.cli._common import command, open_timeline
from timeline.errors import DigestSendError, TimelineError

if TYPE_CHECKING:
    from timeline.digest.deliver import DigestRun
    from timeline.digest.render import RenderedDigest


@command()
def digest(
    ctx: typer.Context,
    week: Annotated[
        str | None,
        typer.Option(help="ISO week, e.g. 2026-W25 (default: the last complete one)."),
    ] = None,
    to: Annotated[
        list[str] | None,
        typer.Option(help="Send to (or address the preview to) this address instead; repeatable."),
    ] = None,
    list_name: Annotated[
        str | None,
        typer.Option("--list", help="Only this recipient list of config.toml (default: all)."),
    ] = None,
    as_known_now: Annotated[
        bool,
        typer.Option(help="Preview the week with today's knowledge and what was learned since."),
    ] = False,
    week_so_far: Annotated[
        bool,
        typer.Option(
            "--week-so-far",
            help="Preview the current week, Monday to today, as known now (never sent).",
        ),
    ] = False,
    preview: Annotated[
        Path | None,
        typer.Option(help="Write digest.eml, digest.html, digest.txt and the chart to DIR."),
    ] = None,
    send: Annotated[bool, typer.Option(help="Send through SMTP, once per recipient.")] = False,
) -> None:
    """Render the weekly digest to files (--preview DIR) or send it (--send)."""
    from timeline import bootstrap
    from timeline.digest.deliver import check_addresses

    if (preview is None) == (not send):
        raise typer.BadParameter("give exactly one of --preview DIR and --send")
    for flag, given in (("--as-known-now", as_known_now), ("--week-so-far", week_so_far)):
        if send and given:
            raise TimelineError(
                f"{flag} is for --preview: a sent digest covers a finished week, as known at "
                "its end"
            )
    if week_so_far and (week is not None or as_known_now):
        raise TimelineError("--week-so-far is the current week as known now: drop --week and "
                            "--as-known-now")  # fmt: skip
    check_addresses(to or ())
    with open_timeline(ctx) as tl:
        digests = bootstrap.digests(tl)
        if preview is not None:
            found, rendered = digests.render(
                week, list_name=list_name, as_known_now=as_known_now, week_so_far=week_so_far
            )
            sender = tl.settings.smtp.sender
            _write_preview(preview, rendered, sender, to or [], digests.clock())
            typer.echo(f"wrote {rendered.subject!r} to {preview}")
            if found.empty and not week_so_far:
                typer.echo(
                    f"nothing new in {found.week}; for what was recorded since Monday, preview "
                    "the week so far: timeline digest --preview DIR --week-so-far",
                    err=True,
                )
            return
        runs = digests.send(week, list_name=list_name, to=to)
    _report(runs)


def _write_preview(
    folder: Path, rendered: RenderedDigest, sender: str, to: Sequence[str], now: dt.datetime
) -> None:
    from timeline.digest.render import CHART_FILE, preview_message

    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "digest.eml").write_bytes(preview_message(rendered, sender, ", ".join(to), now))
        (folder / "digest.html").write_text(rendered.preview_html, encoding="utf-8")
        (folder / "digest.txt").write_text(rendered.text, encoding="utf-8")
        if rendered.chart is not None:
            (folder / CHART_FILE).write_bytes(rendered.chart)
    except OSError as exc:
        raise TimelineError(f"--preview {folder}: {exc.strerror or exc}") from None


def _report(runs: Sequence[DigestRun]) -> None:
    attempted = 0
    failures = []
    for run in runs:
        if run.skipped_empty:
            typer.echo(
                f"{run.week} {run.list_name}: nothing new, skipped (digest.skip_empty_weeks)"
            )
            continue
        if not run.deliveries:
            typer.echo(f"{run.week} {run.list_name}: no recipients (add some, or use --to)")
        for delivery in run.deliveries:
            detail = (
                f" ({delivery.detail})" if delivery.outcome != "sent" and delivery.detail else ""
            )
            typer.echo(
                f"{run.week} {run.list_name} {delivery.recipient}: {delivery.outcome}{detail}"
            )
            attempted += delivery.outcome in ("sent", "failed", "refused")
        failures += run.failures
    if failures:
        first = failures[0]
        raise DigestSendError(
            f"{len(failures)} of {attempted} digest(s) not delivered, first: {first.recipient}: "
            f"{first.detail}; recorded in the ledger, the daemon retries failed ones"
        )
