"""`timeline calendar`: a selection's facts as an RFC 5545 calendar on stdout.

Registered on the `timeline` app when `timeline.cli` imports this module.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from timeline.cli._common import command, open_timeline


@command()
def calendar(
    ctx: typer.Context,
    jurisdiction: Annotated[
        list[str] | None,
        typer.Option(help="ISO 3166 code or group (EU, US-CA...); repeatable; default all."),
    ] = None,
    with_subdivisions: Annotated[
        bool, typer.Option(help="Also the subdivisions of each jurisdiction (US: US-TX...).")
    ] = False,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="Kind or pattern (instrument.in_force, 'instrument.*'); repeatable."),
    ] = None,
    subject: Annotated[
        list[str] | None, typer.Option(help="Subject or pattern ('eu/*'); repeatable.")
    ] = None,
) -> None:
    """Write the selected facts as an iCalendar file: `timeline calendar --jurisdiction EU`."""
    from timeline.model.selection import Selection

    selection = Selection.of(
        jurisdiction or (),
        with_subdivisions=with_subdivisions,
        kinds=kind or (),
        subjects=subject or (),
    )
    with open_timeline(ctx, read_only=True) as tl:
        body = tl.calendar(selection)
    sys.stdout.buffer.write(body)
    sys.stdout.flush()
