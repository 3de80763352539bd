"""A page of the change feed: every event of the facts a selection covers, newest first.

Paging follows RFC 5005's paged feeds with a cursor of log positions: a page
holds the events recorded before `before` (the position of the last entry of
the previous page) and, for a poller that only wants what is new, after
`after`.  The log is append-only, so a page, once full, never changes: its
entries are fixed by the positions bounding it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from timeline.publish.lives import FactLife
from timeline.store.base import RecordedEvent

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class ChangesPage:
    entries: list[RecordedEvent]
    """Newest first."""
    next_before: int | None
    """The cursor of the page of older entries, None on the last page."""

    @property
    def updated(self) -> dt.datetime | None:
        return self.entries[0].recorded_at if self.entries else None


def changes_page(
    lives: Iterable[FactLife], *, before: int | None, after: int, limit: int
) -> ChangesPage:
    events = sorted(
        (
            event
            for life in lives
            for event in life.events
            if event.seq > after and (before is None or event.seq < before)
        ),
        key=lambda event: event.seq,
        reverse=True,
    )
    page = events[:limit]
    return ChangesPage(page, page[-1].seq if len(events) > limit else None)
