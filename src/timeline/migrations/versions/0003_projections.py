"""Read models of the projections: fact versions, checkpoints, snapshots.

Revision ID: 0003
Revises: 0002_event_ids
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002_event_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact_versions",
        sa.Column("fact_seq", sa.BigInteger, nullable=False),
        sa.Column("version_seq", sa.BigInteger, nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("jurisdictions", sa.String(1000), nullable=False),
        sa.Column("effective", sa.String(10), nullable=False),
        sa.Column("effective_start", sa.String(10), nullable=False),
        sa.Column("effective_end", sa.String(10), nullable=False),
        sa.Column("tx_from", sa.String(27), nullable=False),
        sa.Column("tx_to", sa.String(27), nullable=True),
        sa.Column("cites", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        # Clustered by jurisdiction and valid time on SQLite (WITHOUT ROWID): the
        # scans of a state query and of a snapshot build read contiguous pages.
        sa.PrimaryKeyConstraint(
            "jurisdiction",
            "effective_end",
            "effective_start",
            "fact_seq",
            "version_seq",
            name="pk_fact_versions",
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_fact_versions_fact", "fact_versions", ["fact_seq"])
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("definition_hash", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "projection_snapshots",
        sa.Column("projection", sa.String(100), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("valid_date", sa.String(10), nullable=False),
        sa.Column("knowledge_since", sa.String(27), nullable=False),
        sa.Column("facts", sa.Integer, nullable=False),
        sa.Column("state", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint(
            "projection", "jurisdiction", "valid_date", name="pk_projection_snapshots"
        ),
    )


def downgrade() -> None:
    op.drop_table("projection_snapshots")
    op.drop_table("projection_checkpoints")
    op.drop_index("ix_fact_versions_fact", table_name="fact_versions")
    op.drop_table("fact_versions")
