"""The first schema: sources, articles, revisions, topic matches, the alert outbox, channel
state and the poll log. Written by hand; datetimes are timestamptz on PostgreSQL and naive-UTC
text on SQLite (see storage.models.UTCDateTime).

Revision ID: 0001
Revises:
Create Date: 2024-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        _when("last_poll_at"),
        _when("last_success_at"),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("baselined", sa.Boolean(), nullable=False),
        sa.Column("empty_polls", sa.Integer(), nullable=False),
        sa.Column("empty_bodies", sa.Integer(), nullable=False),
        sa.Column("health", sa.String(), nullable=False),
        sa.Column("polls", sa.Integer(), nullable=False),
        sa.Column("poll_ms_total", sa.Integer(), nullable=False),
        _when("last_new_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "channel_state",
        sa.Column("channel_id", sa.String(), nullable=False),
        _when("last_digest_at"),
        sa.PrimaryKeyConstraint("channel_id"),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        _when("published_at"),
        _when("first_seen_at", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        _when("last_checked_at"),
        _when("withdrawn_at"),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.UniqueConstraint("url", name="uq_articles_url"),
    )
    op.create_index("ix_articles_first_seen_at", "articles", ["first_seen_at"])
    op.create_index("ix_articles_source_first_seen", "articles", ["source_id", "first_seen_at"])
    op.create_index("ix_articles_published_at", "articles", ["published_at"])
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        _when("seen_at", nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_revisions_article_id", "revisions", ["article_id"])
    op.create_table(
        "topic_matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("snippet", sa.Text(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("article_id", "topic_id", name="uq_topic_matches_article_topic"),
    )
    op.create_index("ix_topic_matches_topic_article", "topic_matches", ["topic_id", "article_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.String(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("created_at", nullable=False),
        _when("next_attempt_at", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("sent_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="SET NULL"),
        sa.UniqueConstraint("channel_id", "kind", "key", name="uq_alerts_channel_kind_key"),
    )
    op.create_index("ix_alerts_status_next_attempt", "alerts", ["status", "next_attempt_at"])
    op.create_index("ix_alerts_article_id", "alerts", ["article_id"])
    op.create_table(
        "poll_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        _when("started_at", nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
    )
    op.create_index("ix_poll_log_source_started", "poll_log", ["source_id", "started_at"])


def downgrade() -> None:
    for table in (
        "poll_log",
        "alerts",
        "topic_matches",
        "revisions",
        "articles",
        "channel_state",
        "sources",
    ):
        op.drop_table(table)
