"""A narrow index for the reports: (id, source_id, the article's date).

`report` selects by topic (ids from topic_matches) and then needs each article's source and
date; read from the table, every one of those thousands of lookups lands on the page holding the
article's body and folded text (~4 KB a row). This index holds just what the report reads, about
40 bytes a row, so a report over a year of matched articles reads a few MB instead of hundreds
(1M articles, a new process: `report --by source` 110–130 → 32–37 ms of query). storage.history
names it on SQLite (INDEXED BY): the planner prefers the rowid.

`ix_articles_published_at` goes: nothing filters or sorts on `published_at` alone (reports use
the date expression of `ix_articles_when`), and each index costs every insert.

Like `ix_articles_when`, an expression index is not in SQLModel.metadata
(storage.search.SEARCH_OBJECTS leaves it out of schema comparisons).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = "coalesce(published_at, first_seen_at)"  # = ix_articles_when, storage.history.WHEN


def upgrade() -> None:
    op.create_index("ix_articles_report", "articles", ["id", "source_id", sa.text(WHEN)])
    op.drop_index("ix_articles_published_at", table_name="articles")


def downgrade() -> None:
    op.create_index("ix_articles_published_at", "articles", ["published_at"])
    op.drop_index("ix_articles_report", table_name="articles")
