"""What the web app holds on the database while it serves.

Every request reads through one `Timeline` opened read-only (SQLite `mode=ro`,
PostgreSQL `default_transaction_read_only`): no request can write, whatever a
bug in a route might try.  A read-only Timeline does not catch the projections'
read models up before a query, so on its own its answers would lag the log
whenever something appended without catching up (`timeline import`, another
process's `append`).  So, unless `web.catch_up_seconds` is 0, the service also
holds a second, writable Timeline that does one thing: `catch_up()`, once
before serving and then on a background thread at that interval.  It writes the
read-model tables only, never the log; when they are current each round costs
one `max(seq)` and one checkpoint read.  `/api/status` says how far the read
models are behind the head, so a lag is visible rather than silent.

Threads: uvicorn runs the (sync) routes in a thread pool, so the reader is
shared by concurrent requests.  That is safe without a lock: SQLAlchemy engines
are thread-safe and every store and runner call checks its own connection out
of the pool (the raw driver cursors of the runner included, on that checked-out
connection); the runner keeps no state between calls but its definitions,
loaded here once before the first request so that no two requests race to
build it; the cyclic-GC pause counts nested and concurrent users under a lock.
The only cache here, the jurisdictions and valid-time range of the page's
pickers, is kept under a lock and keyed by the read models' positions.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from timeline.answers import JurisdictionEntry, ProjectionStatus
from timeline.app import Timeline
from timeline.errors import ReadOnlyDatabaseError
from timeline.logging import get_logger
from timeline.settings import Settings

log = get_logger("timeline.web")


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the log's facts cover: for the page's pickers and its date slider."""

    jurisdictions: list[JurisdictionEntry]
    first_day: dt.date | None
    last_day: dt.date | None


class WebService:
    """The read-only Timeline the routes use, and the catch-up that keeps it current."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catch_up_seconds = settings.web.catch_up_seconds or None
        self.last_catch_up_error: str | None = None
        self.read_only_database = False
        self._reader: Timeline | None = None
        self._maintainer: Timeline | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._coverage: tuple[tuple[int, ...], Coverage] | None = None

    @property
    def timeline(self) -> Timeline:
        if self._reader is None:
            raise RuntimeError("WebService.start() was not called")
        return self._reader

    def start(self) -> None:
        """Open the database, check it answers, catch up once, start the catch-up thread.

        Every problem here is a `TimelineError` with a one-line message: a missing
        or uninitialised database, an unreachable server, a bad projection file.
        Calling it again does nothing.
        """
        with self._lock:
            if self._reader is not None:
                return
            reader = Timeline.open(self.settings, read_only=True)
            try:
                reader.projection_status()  # loads the definitions, reads the head
                if self.catch_up_seconds:
                    self._maintainer = Timeline.open(self.settings)
                    self._maintain_or_let_go(self._maintainer)
            except BaseException:
                reader.close()
                if self._maintainer is not None:
                    self._maintainer.close()
                    self._maintainer = None
                raise
            self._reader = reader
            if self._maintainer is not None:
                self._thread = threading.Thread(
                    target=self._catch_up_loop, name="timeline-web-catch-up", daemon=True
                )
                self._thread.start()

    def _maintain_or_let_go(self, maintainer: Timeline) -> None:
        try:
            maintainer.catch_up()
        except ReadOnlyDatabaseError as exc:
            # Nothing to maintain with: the reader folds the log's tail itself.
            log.warning("web.read_only_database", reason=str(exc))
            maintainer.close()
            self._maintainer = None
            self.read_only_database = True

    def stop(self) -> None:
        """Stop the catch-up thread (waiting for a round in progress) and close both handles."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for timeline in (self._maintainer, self._reader):
            if timeline is not None:
                timeline.close()
        self._maintainer = self._reader = None

    def _catch_up_loop(self) -> None:
        assert self._maintainer is not None
        every = self.catch_up_seconds or 0.0
        while not self._stop.wait(every):
            try:
                self._maintainer.catch_up()
                self.last_catch_up_error = None
            except Exception as exc:  # the server keeps serving what the read models hold
                self.last_catch_up_error = str(exc).splitlines()[0] if str(exc) else repr(exc)
                log.exception("web.catch_up_failed", error=self.last_catch_up_error)

    def coverage(self, status: ProjectionStatus | None = None) -> Coverage:
        """The jurisdictions with facts and the valid-time range, computed once per
        state of the read models (a scan of the fact index on a large log).
        `status`: `projection_status()` when the caller has just read it."""
        status = status or self.timeline.projection_status()
        key = (status["head"], *status["projections"].values())
        with self._lock:
            if self._coverage is not None and self._coverage[0] == key:
                return self._coverage[1]
        found = self.timeline.valid_time_range()
        coverage = Coverage(self.timeline.jurisdictions(), *(found if found else (None, None)))
        with self._lock:
            self._coverage = (key, coverage)
        return coverage

    def status(self) -> dict[str, Any]:
        status = self.timeline.projection_status()
        coverage = self.coverage(status)
        positions: dict[str, int] = status["projections"]
        slowest = min(positions.values(), default=status["head"])
        return {
            "head": status["head"],
            "projections": positions,
            "behind": status["head"] - max(slowest, 0),
            "catch_up_seconds": self.catch_up_seconds,
            "last_catch_up_error": self.last_catch_up_error,
            "read_only_database": self.read_only_database,
            "default_projection": self.timeline.default_projection,
            "first_day": coverage.first_day.isoformat() if coverage.first_day else None,
            "last_day": coverage.last_day.isoformat() if coverage.last_day else None,
            "follows": [follow.as_dict() for follow in self.timeline.follow_status()],
        }
