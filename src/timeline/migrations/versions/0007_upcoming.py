"""An index of the fact versions by valid-time start, for every jurisdiction at once.

`history` of the whole log reads it page by page and `upcoming` of every
jurisdiction reads the range of its window, neither sorting the fact index.

Revision ID: 0007_upcoming
Revises: 0006_alerts
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0007_upcoming"
down_revision = "0006_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_fact_versions_start",
        "fact_versions",
        ["effective_start", "effective_end", "fact_seq"],
    )


def downgrade() -> None:
    op.drop_index("ix_fact_versions_start", table_name="fact_versions")
