"""The tables, as SQLAlchemy Core metadata.

Alembic migrations in `timeline/migrations` create them; a test compares the
migrated database against this metadata so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from timeline.store.base import format_utc, read_utc

metadata = MetaData()


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
        return None if value is None else read_utc(value)


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


# -- read models (projections) ------------------------------------------------------
# Unlike `events`, these tables are derived state: the projection runner
# updates and deletes in them, and `timeline rebuild` can recreate them from the
# log at any time.  Dates and times are ISO text, which sorts as time on both
# backends and keeps the bulk inserts on the drivers' fast paths.

fact_versions = Table(
    "fact_versions",
    metadata,
    # One row per (version of a fact, jurisdiction it concerns).  A correction
    # closes the open version (tx_to) and opens a new one; a retraction closes it.
    Column("fact_seq", BigInteger, nullable=False),  # position of the original event
    Column("version_seq", BigInteger, nullable=False),  # position of the event that said it
    Column("jurisdiction", String(16), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("jurisdictions", String(1000), nullable=False),
    Column("effective", String(10), nullable=False),
    Column("effective_start", String(10), nullable=False),
    Column("effective_end", String(10), nullable=False),
    Column("tx_from", String(27), nullable=False),
    Column("tx_to", String(27), nullable=True),
    Column("cites", String(200), nullable=False),  # event ids, space-separated
    Column("payload", Text, nullable=False),
    # Clustered by jurisdiction and valid time on SQLite (WITHOUT ROWID): the
    # scans of a state query and of a snapshot build read contiguous pages.
    PrimaryKeyConstraint(
        "jurisdiction",
        "effective_end",
        "effective_start",
        "fact_seq",
        "version_seq",
        name="pk_fact_versions",
    ),
    Index("ix_fact_versions_fact", "fact_seq"),  # corrections find a fact's open version
    sqlite_with_rowid=False,
)
# The whole log in valid-time order (history, page by page) and what starts in a
# window, for every jurisdiction at once (upcoming), without a sort.  Dropped
# during a rebuild and built once at its end (ReadModelTransaction.drop_start_index).
fact_versions_by_start = Index(
    "ix_fact_versions_start",
    fact_versions.c.effective_start,
    fact_versions.c.effective_end,
    fact_versions.c.fact_seq,
)

projection_checkpoints = Table(
    "projection_checkpoints",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("definition_hash", String(64), nullable=False),
    Column("position", BigInteger, nullable=False),  # last log position applied
    Column("updated_at", String(27), nullable=False),
)

projection_snapshots = Table(
    "projection_snapshots",
    metadata,
    Column("projection", String(100), nullable=False),
    Column("jurisdiction", String(16), nullable=False),
    # The state folded from every fact certain by this day (effective_end <= it) ...
    Column("valid_date", String(10), nullable=False),
    # ... as known since this transaction time: valid for known_at >= it.
    Column("knowledge_since", String(27), nullable=False),
    Column("facts", Integer, nullable=False),
    Column("state", LargeBinary, nullable=False),
    PrimaryKeyConstraint(
        "projection", "jurisdiction", "valid_date", name="pk_projection_snapshots"
    ),
)


# -- feed watching: mutable working state beside the log ------------------------
# Unlike `events`, these rows change as feeds are polled and candidates reviewed;
# what a review decides reaches the log as an ordinary appended event.

feed_health = Table(
    "feed_health",
    metadata,
    Column("feed", String(100), primary_key=True),
    Column("url", Text, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("last_success_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("consecutive_failures", Integer, nullable=False),
    Column("next_due_at", UTCDateTime, nullable=True),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("bozo_warning", Text, nullable=True),
    Column("items_last_poll", Integer, nullable=False),
)

candidates = Table(
    "candidates",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("feed", String(100), nullable=False),
    Column("item_guid", String(1000), nullable=False),
    # pending, accepted, rejected, duplicate, or ignored (the extractor saw no event)
    Column("status", String(12), nullable=False),
    Column("is_event", Boolean, nullable=False),
    Column("kind", String(40), nullable=True),
    Column("jurisdictions", String(1000), nullable=False),  # space-separated codes
    Column("effective", String(10), nullable=True),
    Column("effective_precision", String(5), nullable=True),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("link", Text, nullable=True),
    Column("published", UTCDateTime, nullable=True),
    Column("confidence", Float, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON object
    Column("overrides", Text, nullable=False),  # JSON object: the analyst's edits
    Column("reason", Text, nullable=True),
    Column("duplicate_of", String(36), nullable=True),
    Column("event_id", String(36), nullable=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("history", Text, nullable=False),  # JSON array of changes
    # One row per item of a feed, whatever crashes or restarts in between.
    UniqueConstraint("feed", "item_guid", name="uq_candidates_feed_guid"),
)

daemon_lease = Table(
    "daemon_lease",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)


# -- the weekly digest's ledger: mutable working state beside the log ------------

digest_issues = Table(
    "digest_issues",
    metadata,
    # One rendered digest per ISO week ("2026-W25") and recipient list, kept as
    # first rendered: every delivery and retry sends these very bytes.
    Column("week", String(8), nullable=False),
    Column("list", String(100), nullable=False),
    Column("known_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("subject", Text, nullable=False),
    # True: the week was empty and digest.skip_empty_weeks held, so nothing is sent.
    Column("skipped", Boolean, nullable=False),
    Column("message", LargeBinary, nullable=False),  # MIME bytes, without To and Message-ID
    PrimaryKeyConstraint("week", "list", name="pk_digest_issues"),
)

digest_deliveries = Table(
    "digest_deliveries",
    metadata,
    Column("week", String(8), nullable=False),
    Column("list", String(100), nullable=False),
    Column("recipient", String(320), nullable=False),
    # pending, sending (claimed by one sender), sent, failed (retried at
    # next_attempt_at) or refused (a permanent 5xx; only an explicit --send retries)
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("message_id", String(400), nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("known_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Exactly one row per digest and recipient, whatever runs concurrently.
    PrimaryKeyConstraint("week", "list", "recipient", name="pk_digest_deliveries"),
    Index("ix_digest_deliveries_status", "status", "next_attempt_at"),
)


# -- the follows' alerts: mutable working state beside the log ------------------

follow_cursors = Table(
    "follow_cursors",
    metadata,
    # The last log position each follow's alerts were looked for in: a follow
    # alerts about what is recorded after it was first seen.
    Column("follow", String(100), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("follow", name="pk_follow_cursors"),
)

alerts = Table(
    "alerts",
    metadata,
    # One alert per follow and what it is about (an event, or a reminder of a
    # fact's date), with an id derived from both: recording it twice keeps one.
    Column("id", String(300), nullable=False),
    Column("webhook_id", String(40), nullable=False),  # msg_...: the same on every retry
    Column("follow", String(100), nullable=False),
    Column("type", String(40), nullable=False),  # fact.recorded, fact.postponed, ...
    Column("fact_id", String(36), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("body", Text, nullable=False),  # the JSON sent: every retry sends these bytes
    PrimaryKeyConstraint("id", name="pk_alerts"),
    Index("ix_alerts_follow", "follow", "created_at"),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("alert_id", String(300), nullable=False),
    Column("channel", String(8), nullable=False),  # email or webhook
    Column("endpoint", String(1000), nullable=False),  # the address or the URL
    Column("follow", String(100), nullable=False),
    # pending, sending (claimed by one sender), sent, failed (retried at
    # next_attempt_at) or refused (the receiver said 410 Gone, or SMTP 5xx)
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # Exactly one row per alert and endpoint, whatever runs concurrently.
    PrimaryKeyConstraint("alert_id", "channel", "endpoint", name="pk_alert_deliveries"),
    Index("ix_alert_deliveries_status", "status", "next_attempt_at"),
    Index("ix_alert_deliveries_follow", "follow"),
)
