"""Stories: copies of one article (syndicated, republished, lightly edited) share a story id.

An article's story id is the id of the earliest stored article it copies, or its own id when
it copies none. "Copies" is decided by MinHash over the article's folded text (the search text:
`monitor.match.normalize.fold` of title and body, so NFC/NFD, tone placement, case and spacing
never split copies): word 4-shingles, plus each token holding a digit counted `NUMBER_WEIGHT`
times (figures, dates and amounts tell two events written from one template apart). Two
articles are copies when the estimated Jaccard similarity of those sets reaches `THRESHOLD`
(chosen on tests/data/story_pairs.jsonl; bench/bench_stories.py prints precision and recall).
Candidates come from rensa's LSH index over the articles first seen within the story window
(`settings.story_window`, 7 days by default), kept in memory per engine and evicted as they age.

Concurrency: `assign_stories` runs inside the transaction that inserts the articles, after
the INSERT, which on SQLite holds the database's write lock; on PostgreSQL `lock_stories`
takes a transaction-scoped advisory lock before the INSERT. Either way no other writer can
commit articles until this transaction ends, so the index first catches up on every row
committed by others (another source of the same pass, another daemon) and the decision sees
them all. The index learns the new rows only from the database (a rolled-back transaction
leaves nothing behind); their signatures are kept aside so they are not computed twice.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import rensa
from sqlalchemy import Connection, Engine, bindparam, select, text, update
from sqlalchemy.exc import DBAPIError

from storage.models import Article

SHINGLE = 4  # words per shingle
NUMBER_WEIGHT = 6  # each token with a digit counts this many times
NUM_PERM = 192
BANDS = 64  # 3 rows a band: a pair at J = 0.42 is a candidate with p > 0.99
SEED = 14
THRESHOLD = 0.42  # estimated Jaccard from which two articles are copies
MIN_SHINGLES = 40  # shorter texts (~40 words: a title, a teaser) are never grouped
DEFAULT_WINDOW = timedelta(days=7)
_PG_STORY_LOCK = 0x6E6577_73746F72  # "newsstor": one story decision at a time per database
_WORD = re.compile(r"[^\W_]+", re.ASCII)

__all__ = [
    "DEFAULT_WINDOW",
    "THRESHOLD",
    "StoryIndex",
    "assign_stories",
    "features",
    "index_for",
    "lock_stories",
    "signature",
    "similarity",
    "warm",
]


def features(folded: str) -> list[str] | None:
    """The feature set of a folded text: word shingles and weighted number tokens; None when
    the text is too short to tell a copy from a look-alike."""
    words = _WORD.findall(folded)
    out = set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE)), strict=False)))
    if len(out) < MIN_SHINGLES:
        return None
    numbers = {w for w in words if not w.isalpha()}
    for r in range(NUMBER_WEIGHT):
        out.update([f"#{w}#{r}" for w in numbers])
    return list(out)


def signature(folded: str) -> rensa.RMinHash | None:
    """The MinHash of a folded text; None when it is too short to be grouped."""
    feats = features(folded)
    if feats is None:
        return None
    sig = rensa.RMinHash(num_perm=NUM_PERM, seed=SEED)
    sig.update(feats)
    return sig


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two folded texts (0 when either is too short)."""
    sa, sb = signature(a), signature(b)
    return 0.0 if sa is None or sb is None else float(sa.jaccard(sb))


@dataclass
class _Entry:
    story: int
    seen: datetime
    sig: rensa.RMinHash


@dataclass
class StoryIndex:
    """The LSH index of one database's articles within the window, caught up by id."""

    window: timedelta = DEFAULT_WINDOW
    high: int = 0  # every committed article with an id up to this one is known
    loaded: bool = False
    entries: dict[int, _Entry] = field(default_factory=dict)
    order: deque[int] = field(default_factory=deque)  # ids in first-seen order, for eviction
    # this process's own new rows: (content hash, signature), used once they are committed
    aside: dict[int, tuple[str, rensa.RMinHash | None]] = field(default_factory=dict)
    lsh: rensa.RMinHashLSH = field(
        default_factory=lambda: rensa.RMinHashLSH(THRESHOLD, NUM_PERM, BANDS)
    )

    def _add(self, article_id: int, story: int, seen: datetime, sig: rensa.RMinHash) -> None:
        self.entries[article_id] = _Entry(story, seen, sig)
        self.order.append(article_id)
        self.lsh.insert(article_id, sig)

    def _evict(self, now: datetime) -> None:
        oldest = now - self.window
        while self.order:
            first = self.entries.get(self.order[0])
            if first is not None and first.seen >= oldest:
                break
            article_id = self.order.popleft()
            if self.entries.pop(article_id, None) is not None:
                self.lsh.remove(article_id)

    def catch_up(self, connection: Connection, now: datetime, skip: set[int]) -> int:
        """Learn the articles committed since the last call (all of the window the first
        time); returns how many were read."""
        since = now - self.window
        rows = [r for r in _recent(connection, self.high, since) if r[0] not in skip]
        # an id of a rolled-back row may be taken again (SQLite): the hash tells them apart
        mine = {r[0] for r in rows if self.aside.get(r[0], ("",))[0] == r[3]}
        missing = [r[0] for r in rows if r[0] not in mine]
        texts: dict[int, str] = {}
        table = Article.__table__  # type: ignore[attr-defined]
        for i in range(0, len(missing), 500):
            stmt = select(table.c.id, table.c.search_text).where(
                table.c.id.in_(missing[i : i + 500])
            )
            texts.update((int(a), str(b)) for a, b in connection.execute(stmt))
        for article_id, story, seen, _ in rows:
            if article_id in mine:
                sig = self.aside[article_id][1]
            else:
                sig = signature(texts.get(article_id) or "")
            if sig is not None:
                self._add(article_id, int(story or article_id), seen, sig)
            self.high = max(self.high, article_id)
        self.aside = {k: v for k, v in self.aside.items() if k > self.high}
        self.loaded = True
        return len(rows)

    def story_of(self, sig: rensa.RMinHash) -> int | None:
        """The story of the earliest indexed article this signature copies, if any."""
        best: tuple[datetime, int] | None = None
        for key in self.lsh.query(sig):
            entry = self.entries.get(key)
            if entry is None or entry.sig.jaccard(sig) < THRESHOLD:
                continue
            if best is None or (entry.seen, key) < best:
                best = (entry.seen, key)
        return None if best is None else self.entries[best[1]].story


_RECENT = "SELECT id, story_id, first_seen_at, content_hash FROM articles WHERE "
_SET_STORY = "UPDATE articles SET story_id = ? WHERE id = ?"


def _sqlite(connection: Connection, sql: str, params: Any, *, many: bool = False) -> list[Any]:
    """A statement on the driver's own cursor, in the session's transaction: the grouping of
    one new article costs a few statements, and SQLAlchemy's per-statement work would be most
    of it. Errors come out as SQLAlchemy would raise them."""
    raw = connection.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
            return []
        return list(cursor.execute(sql, params).fetchall())
    except sqlite3.Error as err:
        raise DBAPIError.instance(sql, params, err, sqlite3.Error) from err
    finally:
        cursor.close()


def _recent(
    connection: Connection, high: int, since: datetime
) -> list[tuple[int, int | None, datetime, str]]:
    """(id, story_id, first_seen_at, content_hash) of the rows after id `high` (the first
    time: of the window), in id order, first seen at or after `since`."""
    table = Article.__table__  # type: ignore[attr-defined]
    if connection.dialect.name == "sqlite":
        dialect = connection.dialect
        bind = table.c.first_seen_at.type.dialect_impl(dialect).bind_processor(dialect)
        at = bind(since) if bind else since
        where = "id > ? ORDER BY id" if high else "first_seen_at >= ? ORDER BY id"
        found = _sqlite(connection, _RECENT + where, (high if high else at,))
        return [
            (i, story, datetime.fromisoformat(seen).replace(tzinfo=UTC), digest)
            for i, story, seen, digest in found
            if seen >= at
        ]
    stmt = select(table.c.id, table.c.story_id, table.c.first_seen_at, table.c.content_hash)
    stmt = stmt.where(table.c.id > high) if high else stmt.where(table.c.first_seen_at >= since)
    return [
        (r[0], r[1], r[2], r[3])
        for r in connection.execute(stmt.order_by(table.c.id))
        if r[2] >= since
    ]


_INDEXES: weakref.WeakKeyDictionary[Engine, StoryIndex] = weakref.WeakKeyDictionary()


def index_for(engine: Engine, window: timedelta = DEFAULT_WINDOW) -> StoryIndex:
    """The engine's story index (built from the database on first use)."""
    index = _INDEXES.get(engine)
    if index is None:
        index = _INDEXES[engine] = StoryIndex(window=window)
    index.window = window
    return index


def warm(engine: Engine, now: datetime, window: timedelta = DEFAULT_WINDOW) -> int:
    """Build the engine's index now (the daemon's start), outside any write transaction, so
    the first poll that stores articles only catches up; returns how many articles it read."""
    index = index_for(engine, window)
    with engine.connect() as connection:
        read = index.catch_up(connection, now, skip=set())
        connection.rollback()
    return read


def lock_stories(connection: Connection) -> None:
    """PostgreSQL: one story decision at a time (until this transaction ends); SQLite needs
    none (the INSERT before the decision holds the write lock)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_STORY_LOCK})


def assign_stories(
    connection: Connection,
    new: Sequence[tuple[int, str, str]],
    now: datetime,
    *,
    window: timedelta = DEFAULT_WINDOW,
) -> dict[int, int]:
    """Story ids for just-inserted articles, given as (id, search text, content hash) in
    insertion order, and
    written to their rows; a copy joins the story of the earliest article it copies (one stored
    before, or an earlier one of this batch). Returns {article id: story id}."""
    if not new:
        return {}
    engine = connection.engine
    index = index_for(engine, window)
    ids = {article_id for article_id, _, _ in new}
    index.catch_up(connection, now, skip=ids)
    index._evict(now)
    stories: dict[int, int] = {}
    batch: list[tuple[int, rensa.RMinHash]] = []  # this batch's articles, not committed yet
    for article_id, folded, digest in new:
        sig = signature(folded)
        story = article_id
        if sig is not None:
            story = index.story_of(sig) or next(
                (s for s, other in batch if other.jaccard(sig) >= THRESHOLD), article_id
            )
            batch.append((story, sig))
        stories[article_id] = story
        index.aside[article_id] = (digest, sig)
    if connection.dialect.name == "sqlite":
        _sqlite(connection, _SET_STORY, [(s, i) for i, s in stories.items()], many=True)
        return stories
    table = Article.__table__  # type: ignore[attr-defined]
    connection.execute(
        update(table).where(table.c.id == bindparam("aid")).values(story_id=bindparam("sid")),
        [{"aid": article_id, "sid": story} for article_id, story in stories.items()],
    )
    return stories
