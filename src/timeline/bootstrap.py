"""The one place that wires the parts together: a `Timeline`'s weekly digests and
alerts, and the daemon with its feed poller and periodic jobs.

The parts only receive their collaborators (the digest asks a `DigestSource`,
which `Timeline` is; the daemon runs the jobs it is handed), so none of them
imports another to build it, and nothing but the entry points imports this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from timeline.alerts.deliver import Alerts
from timeline.app import Timeline
from timeline.digest.deliver import Digests
from timeline.jobs import PeriodicJob

if TYPE_CHECKING:
    from timeline.answers import FactEntry
    from timeline.daemon import Daemon


def digests(tl: Timeline) -> Digests:
    """The weekly digests of `tl`: its answers, settings, and its store's ledger and clock."""
    store = tl.store

    def now() -> dt.datetime:
        return store.clock()  # read at each call: tests move the store's clock

    return Digests(tl, tl.settings, store.digest_ledger, now)


def alerts(tl: Timeline) -> Alerts:
    """The alerts of `tl`'s follows: found in its log, sent through its store's ledger."""
    store = tl.store

    def now() -> dt.datetime:
        return store.clock()  # read at each call: tests move the store's clock

    def upcoming(day: dt.date, days: int) -> list[FactEntry]:
        return tl.upcoming(None, day, days)

    return Alerts(store, tl.settings, upcoming, now)


def background_jobs(tl: Timeline) -> list[PeriodicJob]:
    """What the daemon runs beside the polls.

    Projections catch up on their own, so that state queries (and the digest)
    find the read models current instead of paying for it."""
    every = tl.settings.projections.catch_up_seconds
    settings = tl.settings.digest
    digest = digests(tl)
    alerting = alerts(tl)
    poll = tl.settings.alerts.poll_seconds
    batch = tl.settings.alerts.batch_minutes * 60
    return [
        PeriodicJob(
            "projections.catch_up", tl.catch_up, every_seconds=every, jitter_seconds=every / 10
        ),
        PeriodicJob(
            "digest.weekly", digest.weekly, cron=settings.schedule, timezone=settings.timezone
        ),
        PeriodicJob(
            "digest.retry",
            digest.retry,
            every_seconds=settings.retry_seconds,
            jitter_seconds=settings.retry_seconds / 10,
        ),
        # No jitter on the alert jobs: their period is the promised latency.
        PeriodicJob("alerts.scan", alerting.run, every_seconds=poll),
        PeriodicJob("alerts.email", alerting.emails, every_seconds=batch),
    ]


@contextmanager
def daemon(tl: Timeline) -> Iterator[Daemon]:
    """The daemon of `tl`'s database, polling its feeds and running `background_jobs`;
    its poller is closed when the block ends."""
    # APScheduler is imported only by the command that schedules.
    from timeline.daemon import Daemon

    poller = tl.poller()
    try:
        yield Daemon(tl.store, tl.settings, poller, background_jobs(tl))
    finally:
        poller.close()
