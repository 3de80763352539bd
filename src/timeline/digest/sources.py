"""The questions a digest asks, as a protocol: `timeline.app.Timeline` answers them.

The digest sits below the API (`Timeline` is handed to it by
`timeline.bootstrap`), so it names what it needs here instead of importing the
API: the log through the store, the projection's answers, the review queue and
the feeds' health.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from timeline.answers import FactEntry, State
    from timeline.model.feeds import Candidate, FeedHealth
    from timeline.projections.definition import ProjectionDefinition
    from timeline.settings import FeedSettings
    from timeline.store.base import EventStore


class FeedState(Protocol):
    """A feed as configured (None once removed from the settings) and its health."""

    @property
    def name(self) -> str: ...

    @property
    def config(self) -> FeedSettings | None: ...

    @property
    def health(self) -> FeedHealth | None: ...


class DigestSource(Protocol):
    """What a digest reads: the log, the default projection's answers, working state."""

    @property
    def store(self) -> EventStore:
        """The log (events in a week, corrections known at a moment) and the feeds'
        newest candidates."""

    def definition(self) -> ProjectionDefinition:
        """The default projection's definition: how its states differ."""

    def state(self, jurisdiction: str, as_of: dt.date, known_at: dt.datetime) -> State:
        """`jurisdiction`'s state in the default projection on `as_of`, as known at
        `known_at`."""

    def upcoming(
        self, jurisdiction: str | None, as_of: dt.date, days: int, known_at: dt.datetime
    ) -> list[FactEntry]:
        """Facts taking effect after `as_of` and within `days` days, as known at `known_at`."""

    def candidates(self, *, statuses: Sequence[str] | None) -> Sequence[Candidate]:
        """Candidates with one of `statuses`."""

    def feed_status(self) -> Sequence[FeedState]:
        """Every configured feed with its health, then feeds with health but no config."""
