"""The `timeline` command: a thin layer over `timeline.app.Timeline`.

Each command parses its options, makes one API call and renders the result.
Exit codes: 0 ok, 1 a user error (one line on stderr, no traceback), 2 usage.
The commands live in one module per group; importing them registers them on
`app` (defined in `_common`, which none of them imports back).
"""

from __future__ import annotations

from timeline.cli._common import app

# Each module registers its commands on `app` when imported, in the order
# `timeline --help` lists them.
# isort: off
from timeline.cli import log, projections, feeds, candidates, digest, follow  # noqa: F401
from timeline.cli import calendar, serve, daemon, backup  # noqa: F401
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    app()
