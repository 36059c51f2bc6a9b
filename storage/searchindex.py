"""Catch up the SQLite search index: `index_pending` puts the articles stored since its last call
into `articles_fts`, in one INSERT … SELECT, and moves the watermark (migration 0003).

Storing articles does not index them (a per-row FTS5 trigger was most of the cost of a store);
whoever stores with `store_articles` calls this after the commit (monitor/pipeline/persist.py does,
after each source's new articles), and a search calls it before it reads, so nothing stored is
ever missing from a search. `repo.store_article` (one at a time) indexes its row in its own
transaction. Work on a raw DB-API connection, so that a plain `sqlite3` read path can call it
too; on PostgreSQL (whose GIN index the server keeps) it does nothing.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # not imported at run time: `report` calls index_pending without SQLAlchemy
    from sqlalchemy import Engine
    from sqlmodel import Session

__all__ = ["index_pending", "index_pending_engine", "index_pending_session"]

_STATE = "SELECT upto, (SELECT max(id) FROM articles) FROM search_index_state"
_INDEX = (
    "INSERT INTO articles_fts(rowid, search_text) "
    "SELECT id, search_text FROM articles WHERE id > ? AND id <= ?"
)
_MOVE = "UPDATE search_index_state SET upto = ?"


def _pending(cur: sqlite3.Cursor, at_least: int = 1) -> tuple[int, int] | None:
    """(watermark, highest id) when at least `at_least` ids lie above the watermark, else None
    (also before migration 0003, whose triggers index every row at once)."""
    try:
        row = cur.execute(_STATE).fetchone()
    except sqlite3.OperationalError as err:
        if "no such table" in str(err):
            return None
        raise
    if row is None or row[1] is None or row[1] - row[0] < max(1, at_least):
        return None
    return int(row[0]), int(row[1])


def index_pending(dbapi_connection: Any, *, at_least: int = 1) -> int:
    """Index every article above the watermark and move it; returns how many were indexed.

    With `at_least`, nothing is done unless that many ids lie above the watermark (writers use
    it to index in batches worth the cost; a search wants everything: the default).

    Costs one small read when nothing waits (no write lock then). Otherwise the work is one
    short `BEGIN IMMEDIATE … COMMIT` transaction of its own, or, when the connection is already
    in a transaction, part of that one (the caller commits or rolls back both). A non-SQLite
    connection returns 0.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return 0
    conn = dbapi_connection
    cur = conn.cursor()
    try:
        if _pending(cur, at_least) is None:
            return 0
        own = not conn.in_transaction
        if own:
            cur.execute("BEGIN IMMEDIATE")  # the writers' lock: no row can commit meanwhile
        indexed = 0
        try:
            found = _pending(cur)  # again, under the lock
            if found is not None:
                indexed = cur.execute(_INDEX, found).rowcount
                cur.execute(_MOVE, (found[1],))
            if own:
                conn.commit()
        except BaseException:
            if own:
                conn.rollback()
            raise
        return max(0, indexed)
    finally:
        cur.close()


def index_pending_session(session: Session, *, at_least: int = 1) -> int:
    """`index_pending` on the session's connection, inside its transaction (the caller
    commits)."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    return index_pending(session.connection().connection.driver_connection, at_least=at_least)


def index_pending_engine(engine: Engine, *, at_least: int = 1) -> int:
    """`index_pending` on a connection of the engine's pool, in a transaction of its own."""
    if engine.dialect.name != "sqlite":
        return 0
    with engine.connect() as conn:
        return index_pending(conn.connection.driver_connection, at_least=at_least)
