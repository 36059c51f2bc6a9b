"""Search index in batches (SQLite): new articles are indexed by `storage.searchindex.index_pending`
after their transaction, not row by row by an AFTER INSERT trigger.

Indexing row by row made storing articles several times slower (raw executemany of 20,000
articles on this project's machine: 40k/s without FTS, 7.3k/s with the trigger); one
INSERT … SELECT over all the rows stored since the last call costs a fraction of that.
`search_index_state.upto` is the watermark: every article with `id <= upto` is in
`articles_fts`, the ones above wait for `index_pending`, which indexes them with their text of
that moment and moves the watermark, in one short transaction.

There is no AFTER INSERT trigger any more (even one that does nothing costs a third of an
insert). The UPDATE and DELETE triggers act on indexed rows only (id <= upto): an edit replaces
the row's terms, a deletion removes them; rows above are indexed later with their text of then.
So that a new row always lands above the watermark, a deletion that leaves `upto` above the
highest id left lowers it to that id (SQLite gives a new row max(id) + 1, even the id of a
deleted last row): rows with explicit ids must also be given ids above max(id).
The 0002 trigger had indexed every article, so the watermark starts at max(id).

A later migration that rebuilds `articles` (batch mode) must recreate these triggers.
PostgreSQL is untouched: its GIN expression index is kept by the server itself.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-20
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UPTO = "(SELECT upto FROM search_index_state)"
_TOP = "(SELECT coalesce(max(id), 0) FROM articles)"
_INSERT_NEW = "INSERT INTO articles_fts(rowid, search_text) VALUES (new.id, new.search_text);"
_DELETE_OLD = (
    "INSERT INTO articles_fts(articles_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text);"
)
_TRIGGERS = ("articles_fts_ai", "articles_fts_ad", "articles_fts_au")

_UPGRADE = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in _TRIGGERS),
    "CREATE TABLE search_index_state ("
    "id INTEGER PRIMARY KEY CHECK (id = 1), upto INTEGER NOT NULL)",
    f"INSERT INTO search_index_state (id, upto) VALUES (1, {_TOP})",
    "CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, search_text) "
    f"SELECT 'delete', old.id, old.search_text WHERE old.id <= {_UPTO}; "
    f"UPDATE search_index_state SET upto = {_TOP} WHERE upto > {_TOP}; END",
    "CREATE TRIGGER articles_fts_au AFTER UPDATE OF search_text ON articles "
    f"WHEN old.id <= {_UPTO} BEGIN {_DELETE_OLD} {_INSERT_NEW} END",
]

_DOWNGRADE = [  # index what waits, then back to 0002's triggers
    "INSERT INTO articles_fts(rowid, search_text) SELECT id, search_text FROM articles "
    f"WHERE id > {_UPTO}",
    *(f"DROP TRIGGER IF EXISTS {name}" for name in _TRIGGERS),
    "DROP TABLE search_index_state",
    f"CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN {_INSERT_NEW} END",
    f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN {_DELETE_OLD} END",
    "CREATE TRIGGER articles_fts_au AFTER UPDATE OF search_text ON articles "
    f"BEGIN {_DELETE_OLD} {_INSERT_NEW} END",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _DOWNGRADE:
            op.execute(statement)
