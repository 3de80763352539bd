"""Feed watching: per-feed health, candidate events, the daemon's lease.

These tables hold mutable working state; only `events` is append-only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from timeline.store.sql.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_health",
        sa.Column("feed", sa.String(100), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("last_attempt_at", UTCDateTime, nullable=True),
        sa.Column("last_success_at", UTCDateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("next_due_at", UTCDateTime, nullable=True),
        sa.Column("etag", sa.Text, nullable=True),
        sa.Column("last_modified", sa.Text, nullable=True),
        sa.Column("bozo_warning", sa.Text, nullable=True),
        sa.Column("items_last_poll", sa.Integer, nullable=False),
    )
    op.create_table(
        "candidates",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("feed", sa.String(100), nullable=False),
        sa.Column("item_guid", sa.String(1000), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("is_event", sa.Boolean, nullable=False),
        sa.Column("kind", sa.String(40), nullable=True),
        sa.Column("jurisdictions", sa.String(1000), nullable=False),
        sa.Column("effective", sa.String(10), nullable=True),
        sa.Column("effective_precision", sa.String(5), nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("link", sa.Text, nullable=True),
        sa.Column("published", UTCDateTime, nullable=True),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("overrides", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("duplicate_of", sa.String(36), nullable=True),
        sa.Column("event_id", sa.String(36), nullable=True),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("history", sa.Text, nullable=False),
        sa.UniqueConstraint("feed", "item_guid", name="uq_candidates_feed_guid"),
    )
    op.create_table(
        "daemon_lease",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("acquired_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("daemon_lease")
    op.drop_table("candidates")
    op.drop_table("feed_health")
