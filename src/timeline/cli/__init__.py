"""The `timeline` command: a thin layer over `timeline.app.Timeline`.

Each command parses its options, makes one API call and renders the result.
Exit codes: 0 ok, 1 a user error (one line on stderr, no traceback), 2 usage,
130 interrupted (one line saying what was written).
The commands live in one module per group; importing them registers them on
`app` (defined in `_common`, which none of them imports back).
"""

from __future__ import annotations

# First: the console script imports this module before it calls `main`, and
# Ctrl-C in the imports below must already be one line, not a traceback.
from timeline.interrupt import reporting_interrupts

# isort: off
from timeline.cli._common import app
from timeline.cli._help import file_in_panels

# Each module registers its commands on `app` when imported, in the order
# `timeline --help` lists them within a panel.
from timeline.cli import log, projections, feeds, candidates, digest, follow  # noqa: F401
from timeline.cli import calendar, serve, daemon, backup  # noqa: F401
# isort: on

__all__ = ["app", "main"]

file_in_panels(app)


def main() -> None:
    with reporting_interrupts():
        app()
