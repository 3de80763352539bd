"""Per-feed health: what the last poll gave, and when the feed is due again.

Backoff after failures is exponential from the feed's interval, randomised by
the configured jitter (so that feeds failing together do not retry together)
and capped at the ceiling, so that no feed is ever abandoned for good.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict, dataclass, replace

from sqlalchemy import Connection, select

from timeline.store.sql.schema import feed_health


@dataclass(frozen=True, slots=True)
class FeedHealth:
    feed: str
    url: str
    last_attempt_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    last_error: str | None = None
    last_status: int | None = None
    consecutive_failures: int = 0
    next_due_at: dt.datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    bozo_warning: str | None = None
    items_last_poll: int = 0

    @property
    def healthy(self) -> bool:
        return self.consecutive_failures == 0 and self.last_success_at is not None

    def is_due(self, now: dt.datetime) -> bool:
        return self.next_due_at is None or self.next_due_at <= now

    def validators_for(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified to send, if they were given for this very URL."""
        if url != self.url:
            return None, None
        return self.etag, self.last_modified

    def succeeded(
        self,
        *,
        now: dt.datetime,
        status: int,
        next_due_at: dt.datetime,
        etag: str | None,
        last_modified: str | None,
        warning: str | None,
        items: int,
    ) -> FeedHealth:
        return replace(
            self,
            last_attempt_at=now,
            last_success_at=now,
            last_error=None,
            last_status=status,
            consecutive_failures=0,
            next_due_at=next_due_at,
            etag=etag,
            last_modified=last_modified,
            bozo_warning=warning,
            items_last_poll=items,
        )

    def failed(
        self, *, now: dt.datetime, status: int | None, error: str, next_due_at: dt.datetime
    ) -> FeedHealth:
        # Validators are kept: the next good response can still be a 304.
        return replace(
            self,
            last_attempt_at=now,
            last_error=error,
            last_status=status,
            consecutive_failures=self.consecutive_failures + 1,
            next_due_at=next_due_at,
        )


def backoff_seconds(
    failures: int, interval: float, ceiling: float, jitter: float, rng: random.Random
) -> float:
    """Delay before the next attempt after `failures` consecutive failures (>= 1)."""
    base = interval * 2.0 ** min(failures - 1, 32)
    return min(ceiling, base * rng.uniform(1 - jitter, 1 + jitter))


def jittered(seconds: float, jitter: float, rng: random.Random) -> float:
    return seconds * rng.uniform(1 - jitter, 1 + jitter)


def load_health(conn: Connection, feed: str, url: str) -> FeedHealth:
    row = conn.execute(select(feed_health).where(feed_health.c.feed == feed)).mappings().first()
    return FeedHealth(**row) if row else FeedHealth(feed=feed, url=url)


def all_health(conn: Connection) -> dict[str, FeedHealth]:
    rows = conn.execute(select(feed_health).order_by(feed_health.c.feed)).mappings()
    return {row["feed"]: FeedHealth(**row) for row in rows}


def save_health(conn: Connection, health: FeedHealth) -> None:
    values = asdict(health)
    updated = conn.execute(
        feed_health.update().where(feed_health.c.feed == health.feed).values(values)
    )
    if updated.rowcount == 0:
        conn.execute(feed_health.insert().values(values))
