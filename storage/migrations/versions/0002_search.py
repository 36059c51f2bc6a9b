"""Search and report indexes: full-text search over `articles.search_text` (the normaliser's
folded text, so diacritics, đ, tone placement and case are already gone) and an index on the
article's date (published, else first seen) that `report --since/--until` filters and sorts by.

SQLite: an FTS5 external-content table `articles_fts` over `articles.search_text`, kept in step
by three triggers (so every writer, the repository or a bulk load, keeps it right). A later
migration that rebuilds `articles` (batch mode) must recreate the triggers. PostgreSQL: a GIN
index on the tsvector of the same text (storage.search.PG_VECTOR, letters and digits only).

These objects are not in SQLModel.metadata; `storage.search.include_object` tells alembic's
schema comparison to leave them out.

Revision ID: 0002
Revises: 0001
Create Date: 2024-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep in step with storage/search.py (PG_VECTOR) and storage/queries.py (the date expression).
PG_VECTOR = (
    "to_tsvector('simple'::regconfig, regexp_replace(search_text, '[^[:alnum:]]+', ' ', 'g'))"
)
WHEN = "coalesce(published_at, first_seen_at)"

_SQLITE = [
    "CREATE VIRTUAL TABLE articles_fts USING fts5(search_text, content='articles', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER articles_fts_au AFTER UPDATE OF search_text ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO articles_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    op.create_index("ix_articles_when", "articles", [sa.text(WHEN)])
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE:
            op.execute(statement)
    else:
        op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin ({PG_VECTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
    op.drop_index("ix_articles_when", table_name="articles")
