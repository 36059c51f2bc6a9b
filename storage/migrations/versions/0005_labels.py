"""People's judgments of articles for a topic (``newsmon label``, the web view's buttons).

One row per (article, topic): a new judgment replaces the old one. ``learn`` reads them with
the articles' titles and bodies.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("topic_id", sa.String(), nullable=False),
        sa.Column("verdict", sa.Boolean(), nullable=False),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.UniqueConstraint("article_id", "topic_id", name="uq_labels_article_topic"),
    )
    op.create_index("ix_labels_topic", "labels", ["topic_id"])


def downgrade() -> None:
    op.drop_index("ix_labels_topic", table_name="labels")
    op.drop_table("labels")
