"""`timeline daemon`: the feed watcher and the jobs beside it, until SIGTERM."""

from __future__ import annotations

import typer

from timeline.cli._common import command, open_timeline


@command()
def daemon(ctx: typer.Context) -> None:
    """Poll feeds on schedule; one active daemon per database, others wait as standby."""
    import signal
    import threading

    from timeline import bootstrap

    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with open_timeline(ctx) as tl, bootstrap.daemon(tl) as daemon:
            daemon.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
