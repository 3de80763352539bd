"""Event ids derived from idempotency keys: one unique index fewer on events.

From this revision on, an event's id is `event_id_for_key(idempotency_key)`
(timeline.store.base), so the unique index on `id` also keeps keys unique and
the separate unique index on `idempotency_key` goes: every append writes one
B-tree fewer (on a large log, one random page fewer per event).  Events
stored before keep their random ids (ids are covered by the hash chain and
the log is append-only); their keys are copied into `legacy_event_keys`, which
lookups by key consult beside the derived ids.

SQLite cannot drop a column's UNIQUE constraint, so there the table is rebuilt
with the same columns, rows, positions and triggers; rows are copied as they
are, so the hash chain verifies unchanged.

Revision ID: 0002_event_ids
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from timeline.store.sql.schema import UTCDateTime

revision = "0002_event_ids"
down_revision = "0001"
branch_labels = None
depends_on = None

REFUSAL = "timeline: events are append-only; record a correction or retraction instead"
LEGACY_REFUSAL = "timeline: legacy_event_keys is written only by migration 0002"


def _events_columns() -> list[sa.Column[object] | sa.UniqueConstraint]:
    """The events table as of this revision: 0001's, without the key's UNIQUE."""
    return [
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("stream_version", sa.Integer, nullable=False),
        sa.Column("jurisdictions", sa.String(1000), nullable=False),
        sa.Column("effective", sa.String(10), nullable=False),
        sa.Column("effective_start", sa.Date, nullable=False),
        sa.Column("effective_end", sa.Date, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("provenance", sa.Text, nullable=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("subject", "stream_version", name="uq_events_subject_version"),
    ]


COLUMNS = (
    "seq, id, kind, subject, stream_version, jurisdictions, effective, effective_start, "
    "effective_end, recorded_at, idempotency_key, schema_version, payload, sources, "
    "provenance, hash"
)


def upgrade() -> None:
    op.create_table(
        "legacy_event_keys",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
    )
    op.execute(
        "INSERT INTO legacy_event_keys (idempotency_key, event_id) "
        "SELECT idempotency_key, id FROM events"
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgres_upgrade()


def _sqlite_upgrade() -> None:
    # Rebuild (SQLite's documented way to change a constraint): DROP TABLE
    # fires no DELETE trigger and takes the old triggers with it.
    op.create_table("events_0002", *_events_columns())
    op.execute(f"INSERT INTO events_0002 ({COLUMNS}) SELECT {COLUMNS} FROM events ORDER BY seq")
    op.drop_table("events")
    op.rename_table("events_0002", "events")
    for table, refusal in (("events", REFUSAL), ("legacy_event_keys", LEGACY_REFUSAL)):
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{refusal}'); END"
            )


def _postgres_upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for constraint in inspector.get_unique_constraints("events"):
        if constraint["column_names"] == ["idempotency_key"]:
            op.drop_constraint(constraint["name"], "events", type_="unique")  # type: ignore[arg-type]
    # 0001's trigger function refuses with the events message; this table says its own.
    op.execute(
        "CREATE FUNCTION timeline_refuse_legacy_key_change() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{LEGACY_REFUSAL}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER legacy_event_keys_append_only BEFORE UPDATE OR DELETE "
        "ON legacy_event_keys FOR EACH ROW EXECUTE FUNCTION timeline_refuse_legacy_key_change()"
    )
    op.execute(
        "CREATE TRIGGER legacy_event_keys_no_truncate BEFORE TRUNCATE ON legacy_event_keys "
        "FOR EACH STATEMENT EXECUTE FUNCTION timeline_refuse_legacy_key_change()"
    )


def downgrade() -> None:
    # 0001 required unique keys through their own index; ids derived since
    # cannot be taken back, and the log is never rewritten.
    raise RuntimeError("the event log cannot be downgraded")
