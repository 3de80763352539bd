"""The background daemon: polls feeds on schedule while it holds the database's lease.

APScheduler 3 keeps its jobs in memory here (one scheduler per process;
several schedulers cannot share a job store in the 3.x line).  Which process
schedules is decided by a lease in the database (`EventStore.lease`):
the holder renews it every `daemon.renew_seconds`; a second daemon started on
the same database waits as a standby and takes over once the lease lapses.

Stopping (SIGTERM, SIGINT): the scheduler is shut down waiting for running
polls, which finish or roll back their single transaction; then the lease is
released, so a standby takes over without waiting it out.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from timeline.errors import ConfigError, TimelineError
from timeline.feeds.poll import Poller
from timeline.jobs import PeriodicJob
from timeline.logging import get_logger
from timeline.settings import FeedSettings, Settings
from timeline.store.base import EventStore

log = get_logger("timeline.daemon")


class Daemon:
    def __init__(
        self,
        store: EventStore,
        settings: Settings,
        poller: Poller,
        jobs: Sequence[PeriodicJob] = (),
    ) -> None:
        daemon = settings.daemon
        if daemon.renew_seconds >= daemon.lease_seconds:
            raise ConfigError(
                f"daemon.renew_seconds ({daemon.renew_seconds:g}) must be shorter than "
                f"daemon.lease_seconds ({daemon.lease_seconds:g})"
            )
        self.settings = settings
        self.poller = poller
        self.jobs = list(jobs)
        self.lease = store.lease("daemon", seconds=daemon.lease_seconds)

    def run(self, stop: threading.Event) -> None:
        """Standby or active until `stop` is set; returns after a clean shutdown."""
        renew = self.settings.daemon.renew_seconds
        # Fail at once, not in the standby loop, on a database without our schema.
        self.lease.current_holder()
        log.info("daemon.started", holder=self.lease.holder)
        standby = False
        while not stop.is_set():
            if self._try_acquire():
                standby = False
                self._run_active(stop)
            else:
                if not standby:
                    log.info(
                        "daemon.standby",
                        holder=self.lease.holder,
                        active=self.lease.current_holder(),
                    )
                    standby = True
                stop.wait(renew)
        log.info("daemon.stopped", holder=self.lease.holder)

    def _run_active(self, stop: threading.Event) -> None:
        settings = self.settings
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(settings.daemon.workers)},
            job_defaults={
                # A poll missed while the process was busy or asleep runs once,
                # not once per missed interval, and never twice at a time.
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": settings.daemon.misfire_grace_seconds,
            },
            timezone=dt.UTC,
        )
        now = dt.datetime.now(dt.UTC)
        feeds = daemon_feeds(settings)
        if skipped := [f.name for f in settings.feeds if f.enabled and f not in feeds]:
            log.info("daemon.file_feeds_skipped", feeds=skipped, setting="daemon.poll_file_feeds")
        for feed in feeds:
            scheduler.add_job(
                self._poll,
                IntervalTrigger(
                    seconds=feed.interval, jitter=feed.interval * settings.polling.jitter
                ),
                args=[feed],
                id=f"feed:{feed.name}",
                next_run_time=now,  # poll at once; the health row says if it is due
            )
        for job in self.jobs:
            scheduler.add_job(self._run_job, job_trigger(job), args=[job], id=f"job:{job.name}")
        scheduler.start()
        for job in self.jobs:
            scheduled = scheduler.get_job(f"job:{job.name}")
            next_run = scheduled.next_run_time if scheduled else None
            log.info(
                "daemon.job_scheduled",
                job=job.name,
                next_run=next_run.astimezone(dt.UTC).isoformat() if next_run else None,
            )
        log.info(
            "daemon.active",
            holder=self.lease.holder,
            feeds=[f.name for f in feeds],
            jobs=[j.name for j in self.jobs],
        )
        try:
            while not stop.wait(settings.daemon.renew_seconds):
                if not self._try_acquire():
                    log.warning("daemon.lease_lost", holder=self.lease.holder)
                    return
        finally:
            scheduler.shutdown(wait=True)
            if stop.is_set():
                self.lease.release()

    def _try_acquire(self) -> bool:
        try:
            return self.lease.acquire()
        except TimelineError as exc:
            # Unreachable database: not the holder until it answers again.
            log.warning("daemon.lease_unavailable", holder=self.lease.holder, error=str(exc))
            return False

    def _poll(self, feed: FeedSettings) -> None:
        try:
            self.poller.poll_feed(feed)
        except Exception:  # one feed's bug or a database hiccup must not stop the others
            log.exception("feed.poll_crashed", feed=feed.name)

    @staticmethod
    def _run_job(job: PeriodicJob) -> None:
        try:
            job.run()
        except Exception:  # as for polls: log it, keep the schedule
            log.exception("job.crashed", job=job.name)


def daemon_feeds(settings: Settings) -> list[FeedSettings]:
    """The feeds the daemon polls: the enabled ones, those read from a `file:` only
    with `daemon.poll_file_feeds` (`timeline poll` reads them either way)."""
    return [
        feed
        for feed in settings.feeds
        if feed.enabled and (settings.daemon.poll_file_feeds or not feed.is_file)
    ]


def job_trigger(job: PeriodicJob) -> BaseTrigger:
    """The APScheduler trigger of a job: its cron times in its time zone, or its interval."""
    if job.cron is not None:
        try:
            return CronTrigger.from_crontab(job.cron, timezone=job.timezone)
        except ValueError as exc:
            raise ConfigError(f"job {job.name}: cron {job.cron!r}: {exc}") from None
    assert job.every_seconds is not None  # PeriodicJob holds one of the two
    return IntervalTrigger(seconds=job.every_seconds, jitter=job.jitter_seconds or None)
