"""The follows' alerts: each follow's cursor in the log, each alert, one row per delivery.

These tables hold mutable working state; only `events` is append-only.

Revision ID: 0006_alerts
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from timeline.store.sql.schema import UTCDateTime

revision = "0006_alerts"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_cursors",
        sa.Column("follow", sa.String(100), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("follow", name="pk_follow_cursors"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(300), nullable=False),
        sa.Column("webhook_id", sa.String(40), nullable=False),
        sa.Column("follow", sa.String(100), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("fact_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
    )
    op.create_index("ix_alerts_follow", "alerts", ["follow", "created_at"])
    op.create_table(
        "alert_deliveries",
        sa.Column("alert_id", sa.String(300), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("endpoint", sa.String(1000), nullable=False),
        sa.Column("follow", sa.String(100), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("next_attempt_at", UTCDateTime, nullable=True),
        sa.Column("claimed_at", UTCDateTime, nullable=True),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("alert_id", "channel", "endpoint", name="pk_alert_deliveries"),
    )
    op.create_index("ix_alert_deliveries_status", "alert_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_alert_deliveries_follow", "alert_deliveries", ["follow"])


def downgrade() -> None:
    op.drop_index("ix_alert_deliveries_follow", table_name="alert_deliveries")
    op.drop_index("ix_alert_deliveries_status", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index("ix_alerts_follow", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("follow_cursors")
