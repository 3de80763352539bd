"""The weekly digest's ledger: each rendered digest, and one row per delivery.

These tables hold mutable working state; only `events` is append-only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from timeline.store.sql.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_issues",
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("list", sa.String(100), nullable=False),
        sa.Column("known_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("skipped", sa.Boolean, nullable=False),
        sa.Column("message", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("week", "list", name="pk_digest_issues"),
    )
    op.create_table(
        "digest_deliveries",
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("list", sa.String(100), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("next_attempt_at", UTCDateTime, nullable=True),
        sa.Column("claimed_at", UTCDateTime, nullable=True),
        sa.Column("message_id", sa.String(400), nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("known_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("week", "list", "recipient", name="pk_digest_deliveries"),
    )
    op.create_index(
        "ix_digest_deliveries_status", "digest_deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_digest_deliveries_status", table_name="digest_deliveries")
    op.drop_table("digest_deliveries")
    op.drop_table("digest_issues")
