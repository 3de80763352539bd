"""Event stores: pick a backend from a database URL."""

from __future__ import annotations

from timeline.errors import ConfigError
from timeline.store.base import (
    AppendResult,
    EventFilter,
    EventStore,
    RecordedEvent,
    VerifyReport,
)

__all__ = [
    "AppendResult",
    "EventFilter",
    "EventStore",
    "RecordedEvent",
    "VerifyReport",
    "open_store",
]


def open_store(url: str, *, read_only: bool = False) -> EventStore:
    """The store for `url`: `sqlite:///file.db` or `postgresql+psycopg://...`."""
    # Here, not at the top: URLs are SQLAlchemy's, and the read path
    # (`timeline.store.sqlite_reads`) imports this package without it.
    from timeline.store.urls import parse_url

    backend = parse_url(url).get_backend_name()
    if backend == "sqlite":
        from timeline.store.sqlite import SqliteEventStore

        return SqliteEventStore(url, read_only=read_only)
    if backend == "postgresql":
        from timeline.store.postgres import PostgresEventStore

        return PostgresEventStore(url, read_only=read_only)
    raise ConfigError(
        f"database.url {url!r}: unsupported backend {backend!r} (use sqlite or postgresql+psycopg)"
    )
