"""Source leases: which daemon polls a source now, until when, and when a poll last started;
and the live daemons (name "host:pid", renewed with their leases), for the fair share.

Several `newsmon run` on one PostgreSQL share the sources through these rows (storage/leases.py):
a daemon claims a free (or lapsed) and due lease before polling, renews it while the poll runs
and releases it after. Times are the database server's clock, so daemons on several machines
agree. The table exists on SQLite too (empty: there one daemon holds a file lock).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_leases",
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("source_id"),
    )
    op.create_index("ix_source_leases_owner", "source_leases", ["owner"])
    op.create_table(
        "daemons",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("daemons")
    op.drop_index("ix_source_leases_owner", table_name="source_leases")
    op.drop_table("source_leases")
