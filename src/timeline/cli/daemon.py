"""`timeline daemon`: the feed watcher and the jobs beside it, until SIGTERM."""

from __future__ import annotations

import typer

from timeline.cli._common import _open, command


@command()
def daemon(ctx: typer.Context) -> None:
    """Poll feeds on schedule; one active daemon per database, others wait as standby."""
    import signal
    import threading

    from timeline.daemon import Daemon

    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with _open(ctx) as tl:
            poller = tl.poller()
            try:
                Daemon(tl.sql_store, tl.settings, poller, tl.background_jobs()).run(stop)
            finally:
                poller.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
