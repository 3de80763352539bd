"""Feed health on SQL: one row per polled feed, in `feed_health`."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Connection, select

from timeline.model.feeds import FeedHealth
from timeline.store.base import FeedHealthRepository
from timeline.store.sql.schema import feed_health
from timeline.store.sql.transactions import Transactions


def feed_lock(feed: str) -> str:
    """The lock that serialises one feed's polls (their candidates and health row)."""
    return f"feed:{feed}"


def save_health(conn: Connection, health: FeedHealth) -> None:
    """Write the feed's health row in the caller's transaction."""
    values = asdict(health)
    updated = conn.execute(
        feed_health.update().where(feed_health.c.feed == health.feed).values(values)
    )
    if updated.rowcount == 0:
        conn.execute(feed_health.insert().values(values))


class SqlFeedHealth(FeedHealthRepository):
    def __init__(self, store: Transactions) -> None:
        self._store = store

    def get(self, feed: str) -> FeedHealth | None:
        with self._store.read_connection() as conn:
            row = (
                conn.execute(select(feed_health).where(feed_health.c.feed == feed))
                .mappings()
                .first()
            )
        return FeedHealth(**row) if row else None

    def by_feed(self) -> dict[str, FeedHealth]:
        with self._store.read_connection() as conn:
            rows = conn.execute(select(feed_health).order_by(feed_health.c.feed)).mappings().all()
        return {row["feed"]: FeedHealth(**row) for row in rows}

    def record(self, health: FeedHealth) -> None:
        with self._store.write_transaction(feed_lock(health.feed)) as conn:
            save_health(conn, health)
