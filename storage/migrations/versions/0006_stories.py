"""Stories: `articles.story_id`, the id of the earliest stored article each one copies.

Existing rows become each their own story (story_id = id); new rows get theirs from
storage.stories in the transaction that stores them. The index serves `show`'s "same story"
and `report --by story`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("story_id", sa.Integer(), nullable=True))
    op.execute("UPDATE articles SET story_id = id")
    op.create_index("ix_articles_story_id", "articles", ["story_id"])


def downgrade() -> None:
    op.drop_index("ix_articles_story_id", table_name="articles")
    op.drop_column("articles", "story_id")  # SQLite 3.35+: a plain DROP COLUMN
