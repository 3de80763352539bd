"""The tables, as SQLAlchemy Core metadata.

Alembic migrations in `timeline/migrations` create them; a test compares the
migrated database against this metadata so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

metadata = MetaData()


def format_utc(moment: dt.datetime) -> str:
    """The one spelling of a transaction time: fixed width, so text sorts as time."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL has `timestamptz`.  SQLite has no time type, and SQLAlchemy's
    DateTime there drops the zone; we store the fixed-width text of
    `format_utc`, which compares correctly as text in WHERE clauses.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(27))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return format_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return dt.datetime.fromisoformat(value)
        return value.astimezone(dt.UTC)  # type: ignore[no-any-return]


events = Table(
    "events",
    metadata,
    # Global position, assigned under the append lock (see `SqlEventStore.append`).
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("id", String(36), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("stream_version", Integer, nullable=False),
    # Codes separated and surrounded by spaces (" EU JP "), so that one LIKE
    # finds a jurisdiction without a join on the append path.
    Column("jurisdictions", String(1000), nullable=False),
    Column("effective", String(10), nullable=False),
    Column("effective_start", Date, nullable=False),
    Column("effective_end", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    # Unique through `id`, which is derived from it (`store.base.event_id_for_key`);
    # one index fewer on the append path (migration 0002).
    Column("idempotency_key", String(200), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Column("provenance", Text, nullable=True),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("subject", "stream_version", name="uq_events_subject_version"),
)

# The keys of events stored before migration 0002, whose ids are random, not
# derived from their keys: a lookup by key consults it.  Written only by that
# migration, and guarded by the same append-only triggers as `events`.
legacy_event_keys = Table(
    "legacy_event_keys",
    metadata,
    Column("idempotency_key", String(200), primary_key=True),
    Column("event_id", String(36), nullable=False),
)
