"""The read side of `report`: the articles of a period, topic, source or search, and counts.

Plain SQL over a storage.readdb.ReadDB (SQLite and PostgreSQL alike, no SQLAlchemy: `report` is
a short process and its start-up counts); the renderers get plain dataclasses (monitor.report.render)
and never touch the database. An article's date is its published date, else the time newsmon
first saw it (`ix_articles_when` of migration 0002 indexes exactly that expression). "Matched"
means the article has at least one topic match.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from storage.readdb import ReadDB
from storage.rows import Count, ReportArticle, TopicHit
from storage.search import FTS_HITS, SearchQuery, fts5_expression, search_snippet, search_sql
from storage.searchindex import index_pending

__all__ = ["BY", "ReportFilter", "report_articles", "report_counts", "source_stored"]

log = logging.getLogger("newsmon.report")

BY = ("day", "source", "topic", "story")
WHEN = "coalesce(articles.published_at, articles.first_seen_at)"  # = ix_articles_when
_SNIPPET = 200


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """What `report` narrows the history to; None means "no limit" for every field."""

    since: datetime | None = None
    until: datetime | None = None  # exclusive
    topic: str | None = None
    source: str | None = None
    search: SearchQuery | None = None
    all: bool = False  # also articles that matched no topic
    limit: int | None = None
    offset: int = 0  # with a limit: skip this many first (the web view's pages)


@dataclass
class _Select:
    """A SELECT over `articles` built clause by clause, with its `?` parameters in order."""

    columns: str
    joins: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    where: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    narrow: bool = False  # read the articles through ix_articles_report (SQLite)

    def sql(self, tail: str = "") -> tuple[str, list[Any]]:
        text = f"SELECT {self.columns} FROM articles"
        if self.narrow:
            text += " INDEXED BY ix_articles_report"
        params: list[Any] = []
        for join, more in self.joins:
            text += f" {join}"
            params.extend(more)
        if self.where:
            text += " WHERE " + " AND ".join(w for w, _ in self.where)
            for _, more in self.where:
                params.extend(more)
        return f"{text} {tail}", params


def _matched(f: ReportFilter, ids: str) -> tuple[str, tuple[Any, ...]] | None:
    """The condition that `ids` matched the topic (or any topic, unless --all); None: none."""
    if f.topic is not None:
        return f"{ids} IN (SELECT article_id FROM topic_matches WHERE topic_id = ?)", (f.topic,)
    if not f.all:
        return f"{ids} IN (SELECT article_id FROM topic_matches)", ()
    return None


def _select(db: ReadDB, columns: str, f: ReportFilter, *, matched: bool = True) -> _Select:
    q = _Select(columns)
    if f.since is not None:
        q.where.append((f"{WHEN} >= ?", (db.bind(f.since),)))
    if f.until is not None:
        q.where.append((f"{WHEN} < ?", (db.bind(f.until),)))
    if f.source is not None:
        q.where.append(("articles.source_id = ?", (f.source,)))
    condition = _matched(f, "articles.id") if matched else None
    if condition is not None:
        q.where.append(condition)
        # The ids come from topic_matches; each article's source and date are then read from
        # the narrow index of migration 0004, not from the pages holding the bodies (every
        # caller selects only ids, sources and dates here).
        q.narrow = db.dialect == "sqlite"
    if f.search is not None:
        s = search_sql(db.dialect, f.search)
        if s.join:
            q.joins.append((s.join, s.join_params))
        if s.where:
            q.where.append((s.where, s.where_params))
    return q


_SHOWN = (  # read for the page's rows only (the body: for the snippets)
    "articles.url, articles.title, articles.source_id, articles.published_at, "
    "articles.first_seen_at, articles.summary, articles.body, articles.story_id"
)


def report_articles(db: ReadDB, f: ReportFilter) -> tuple[list[ReportArticle], int]:
    """The articles of the report, newest first (best first when searching), and how many
    articles the filters select in all (before `limit`).

    One query: the page is chosen over ids, dates and ranks only, and counted in the same pass
    (a window function); the shown columns are read for the page's rows alone."""
    if f.search is not None:
        _catch_up(db)
    if f.search is not None and db.dialect == "sqlite" and not (f.since or f.until or f.source):
        inner, params, order = _fts_page(f)
    else:
        inner, params, order = _page(db, f)
    if f.limit is not None:
        inner += " LIMIT ? OFFSET ?"
        params += [f.limit, f.offset]
    outer_order = ", ".join(f"page.{term}" for term in order)
    sql = (
        f"SELECT page.id, {_SHOWN}, page.n FROM ({inner}) page "
        f"JOIN articles ON articles.id = page.id ORDER BY {outer_order}"
    )
    rows = db.rows(sql, params)
    total = int(rows[0][9]) if rows else 0
    stories = {r[0]: int(r[8] or r[0]) for r in rows}
    carriers = _story_sources(db, sorted(set(stories.values())))
    topics = _topic_hits(db, [r[0] for r in rows])
    snippets = _snippets({r[0]: (r[2], r[7]) for r in rows}, topics, f.search)
    articles = [
        ReportArticle(
            id=r[0],
            url=r[1],
            title=r[2],
            source=r[3],
            published_at=db.when(r[4]),
            first_seen_at=db.when(r[5]) or datetime.min.replace(tzinfo=UTC),
            topics=tuple(hit for hit, _ in topics.get(r[0], ())),
            snippet=snippets.get(r[0]) or _shorten(r[6] or ""),
            story=stories[r[0]],
            also=tuple(s for s in carriers.get(stories[r[0]], ()) if s != r[3]),
        )
        for r in rows
    ]
    return articles, total


def _story_sources(db: ReadDB, stories: Sequence[int]) -> dict[int, list[str]]:
    """The sources carrying each story (every stored copy, first seen first)."""
    out: dict[int, list[str]] = {}
    for chunk in _chunks(stories):
        sql = (
            "SELECT story_id, source_id FROM articles "
            f"WHERE story_id IN {_in(chunk)} ORDER BY first_seen_at, id"
        )
        for story, source in db.rows(sql, list(chunk)):
            seen = out.setdefault(int(story), [])
            if source not in seen:
                seen.append(source)
    return out


def _catch_up(db: ReadDB) -> None:
    """Index the articles stored since the last catch-up (SQLite), so a search misses none; a
    reader that cannot write (a read-only file, a lock held too long) searches what is indexed."""
    try:
        index_pending(db.connection)
    except sqlite3.Error as err:
        log.warning("search: the newest articles may be missing (index not caught up: %s)", err)
        db.connection.rollback()


def _page(db: ReadDB, f: ReportFilter) -> tuple[str, list[Any], list[str]]:
    """The page's ids, ranks and dates, with the count of all (a window function); newest
    first, or best first (then newest) when searching."""
    rank, params, order = "NULL", [], ["w DESC", "id DESC"]
    if f.search is not None:
        s = search_sql(db.dialect, f.search)
        rank, params = s.rank, list(s.rank_params)
        order.insert(0, f"rank {s.rank_order}")
    columns = f"articles.id AS id, {rank} AS rank, {WHEN} AS w, count(*) OVER () AS n"
    inner, inner_params = _select(db, columns, f).sql("ORDER BY " + ", ".join(order))
    return inner, params + inner_params, order


def _fts_page(f: ReportFilter) -> tuple[str, list[Any], list[str]]:
    """`_page` for a search with no date or source filter on SQLite: from the full-text index
    alone, so that no article row is read for the thousands of hits ranked (a third faster on
    a million articles); equal ranks: the newest stored first. `+` keeps the topic filter out
    of the FTS5 scan (pushed into it, the MATCH would run once per id)."""
    assert f.search is not None
    where, params = "", [fts5_expression(f.search)]
    condition = _matched(f, "+hits.id")
    if condition is not None:
        where = f"WHERE {condition[0]}"
        params.extend(condition[1])
    inner = (
        f"SELECT hits.id AS id, hits.rank AS rank, count(*) OVER () AS n FROM {FTS_HITS} hits "
        f"{where} ORDER BY rank, id DESC"
    )
    return inner, params, ["rank", "id DESC"]


def _chunks(ids: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _in(ids: Sequence[int]) -> str:
    return "(" + ", ".join("?" * len(ids)) + ")"


def _topic_hits(db: ReadDB, ids: Sequence[int]) -> dict[int, list[tuple[TopicHit, str]]]:
    """Each article's topic matches, best score first, with their snippets."""
    found: dict[int, list[tuple[TopicHit, str]]] = {}
    for chunk in _chunks(ids):
        sql = (
            "SELECT article_id, topic_id, score, terms, snippet FROM topic_matches "
            f"WHERE article_id IN {_in(chunk)}"
        )
        for article_id, topic_id, score, terms, snippet in db.rows(sql, chunk):
            hit = TopicHit(topic_id, score, tuple(str(t[0]) for t in db.json(terms)))
            found.setdefault(article_id, []).append((hit, snippet))
    for hits in found.values():
        hits.sort(key=lambda h: (-h[0].score, h[0].id))
    return found


def _shorten(text: str, width: int = _SNIPPET) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[: cut if cut > width // 2 else width] + "…"


def _snippets(
    texts: dict[int, tuple[str, str]],
    topics: dict[int, list[tuple[TopicHit, str]]],
    search: SearchQuery | None,
) -> dict[int, str]:
    """Around the search hit when searching; else the best match's snippet; else the lead.
    `texts`: each article's (title, body)."""
    if search is not None:
        return {i: search_snippet(t, b, search, _SNIPPET) for i, (t, b) in texts.items()}
    out = {i: hits[0][1] for i, hits in topics.items() if hits and hits[0][1]}
    for i, (_title, body) in texts.items():
        if i not in out and body:
            out[i] = _shorten(body)
    return out


def report_counts(db: ReadDB, f: ReportFilter, by: str, tz: tzinfo) -> list[Count]:
    """`report --by day|source|topic`: articles per local day (oldest first), per source or
    per topic (most first). An article with two topics counts once under each."""
    if f.search is not None:
        _catch_up(db)
    if by == "day":
        return _per_day(db, f, tz)
    if by == "source":
        q = _select(db, "articles.source_id, count(*)", f)
        tail = "GROUP BY articles.source_id"
    elif by == "story":
        q = _select(db, "coalesce(articles.story_id, articles.id), count(*)", f)
        tail = "GROUP BY coalesce(articles.story_id, articles.id)"
    elif by == "topic":
        q = _select(db, "topic_matches.topic_id, count(*)", f, matched=False)
        q.joins.insert(0, ("JOIN topic_matches ON topic_matches.article_id = articles.id", ()))
        if f.topic is not None:
            q.where.append(("topic_matches.topic_id = ?", (f.topic,)))
        tail = "GROUP BY topic_matches.topic_id"
    else:
        raise ValueError(f"cannot count by {by!r} (day, source, topic or story)")
    counts = [Count(None if key is None else str(key), int(n)) for key, n in db.rows(*q.sql(tail))]
    if by == "topic" and f.all and f.topic is None:
        none = _select(db, "count(*)", f, matched=False)
        none.where.append(("articles.id NOT IN (SELECT article_id FROM topic_matches)", ()))
        unmatched = int(db.scalar(*none.sql()) or 0)
        if unmatched:
            counts.append(Count(None, unmatched))
    counts.sort(key=lambda c: (-c.articles, c.key or "\uffff"))
    return counts[: f.limit] if f.limit is not None else counts


def _per_day(db: ReadDB, f: ReportFilter, tz: tzinfo) -> list[Count]:
    """Counted per UTC hour in the database, then summed per day in `tz` (exact for every zone
    whose offset is a whole number of hours, Asia/Ho_Chi_Minh among them)."""
    if db.dialect == "sqlite":
        hour = f"strftime('%Y-%m-%d %H', {WHEN})"
    else:
        hour = f"to_char(timezone('UTC', {WHEN}), 'YYYY-MM-DD HH24')"
    q = _select(db, f"{hour}, count(*)", f)
    per_day: Counter[str] = Counter()
    for key, n in db.rows(*q.sql(f"GROUP BY {hour}")):
        start = datetime.strptime(key, "%Y-%m-%d %H").replace(tzinfo=UTC)
        per_day[start.astimezone(tz).date().isoformat()] += int(n)
    counts = [Count(day, n) for day, n in sorted(per_day.items())]
    return counts[-f.limit :] if f.limit else counts


def source_stored(db: ReadDB, source_id: str) -> bool:
    """Whether the database knows the source (one since removed from the config, say)."""
    return db.scalar("SELECT 1 FROM sources WHERE id = ?", [source_id]) is not None
