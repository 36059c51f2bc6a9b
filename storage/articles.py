"""Articles: the URLs already stored, and a poll's new articles with their matches and
alert rows in one unit of work (`store_articles`, the one way articles are stored).

On SQLite the new articles are not in the search index yet: call
`storage.searchindex.index_pending` afterwards (monitor/pipeline/persist.py does).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    insert,
)
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from storage.alerts import NewAlert, alert_insert, alert_rows
from storage.matches import MatchLike
from storage.models import (
    Article,
    TopicMatch,
)
from storage.stories import DEFAULT_WINDOW, assign_stories, lock_stories
from storage.txn import chunks, unit


def known_urls(session: Session, urls: Iterable[str]) -> set[str]:
    """The given URLs that are already stored (canonical URLs, compared exactly)."""
    wanted = sorted(set(urls))
    found: set[str] = set()
    for chunk in chunks(wanted):
        found.update(session.exec(select(Article.url).where(col(Article.url).in_(chunk))))
    return found


def get_article(session: Session, article_id: int) -> Article | None:
    return session.get(Article, article_id)


def article_by_url(session: Session, url: str) -> Article | None:
    return session.exec(select(Article).where(Article.url == url)).first()


@dataclass(frozen=True, slots=True)
class NewArticle:
    """One article for `store_articles`: the row's values, its matches and its alert rows."""

    url: str
    title: str
    body: str
    content_hash: str
    published_at: datetime | None = None
    summary: str | None = None
    baseline: bool = False
    search_text: str = ""
    matches: Sequence[MatchLike] = ()
    alerts: Sequence[NewAlert] = ()


_ARTICLE_COLUMNS = (
    "source_id",
    "url",
    "title",
    "published_at",
    "first_seen_at",
    "body",
    "summary",
    "content_hash",
    "baseline",
    "last_checked_at",
    "search_text",
)


def _insert_articles_sqlite(
    connection: Connection, source_id: str, articles: Sequence[NewArticle], now: datetime
) -> dict[str, int]:
    """One prepared INSERT stepped over all the rows by sqlite3's executemany, the values
    converted as SQLAlchemy would (UTC text, 0/1) but each constant once; then the new ids,
    found by URL among the highest ids (this transaction holds the write lock, so SQLite has
    numbered them max(id)+1, +2, …). Returns {url: id}."""
    table, dialect = Article.__table__, connection.dialect  # type: ignore[attr-defined]
    when = table.c.first_seen_at.type.dialect_impl(dialect).bind_processor(dialect)
    flag = table.c.baseline.type.dialect_impl(dialect).bind_processor(dialect)
    at = when(now) if when else now
    sql = (
        f"INSERT INTO articles ({', '.join(_ARTICLE_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(_ARTICLE_COLUMNS))})"
    )
    rows = [
        (
            source_id,
            a.url,
            a.title,
            None if a.published_at is None else when(a.published_at) if when else a.published_at,
            at,
            a.body,
            a.summary,
            a.content_hash,
            flag(a.baseline) if flag else a.baseline,
            at,
            a.search_text,
        )
        for a in articles
    ]
    raw = connection.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()  # in the session's transaction
    try:
        cursor.executemany(sql, rows)
        (top,) = cursor.execute("SELECT max(id) FROM articles").fetchone()
        found = cursor.execute(
            "SELECT url, id FROM articles WHERE id > ?", (top - len(rows),)
        ).fetchall()
    except sqlite3.Error as err:  # as SQLAlchemy would raise it (IntegrityError, …)
        raise DBAPIError.instance(sql, None, err, sqlite3.Error) from err
    finally:
        cursor.close()
    ids = dict(found)
    if len(ids) < len(articles) or any(a.url not in ids for a in articles):
        ids = {}  # not numbered in a row (explicit ids above?): look each one up
        for chunk in chunks([a.url for a in articles]):
            stmt = select(Article.url, Article.id).where(col(Article.url).in_(chunk))
            ids.update((url, id_) for url, id_ in connection.execute(stmt))
    return ids


def store_articles(
    session: Session,
    source_id: str,
    articles: Sequence[NewArticle],
    now: datetime,
    *,
    commit: bool = True,
    story_window: timedelta = DEFAULT_WINDOW,
) -> int:
    """Store many new articles of one source, each with its matches and alert rows, in one
    unit of work: one INSERT executed over all the articles, one over all their matches, one
    over all their alert rows (those already in the outbox are skipped).

    Each article joins the story of the earliest article first seen within `story_window` that
    it copies, or starts its own (storage/stories.py), decided in this transaction; an
    "article" alert is keyed by its story ("article:<story id>"), so a channel hears of a story
    once, from its first matched copy, whichever process stores the copies. The caller makes sure
    the URLs are not stored yet; a URL stored meanwhile raises IntegrityError (and, with
    commit, rolls the whole batch back). Returns how many were stored.

    On SQLite the articles are not in the search index yet: call
    `storage.searchindex.index_pending` afterwards (monitor/pipeline/persist.py does).
    """
    if not articles:
        return 0
    with unit(session, commit):
        connection = session.connection()
        lock_stories(connection)
        if connection.dialect.name == "sqlite":
            ids = _insert_articles_sqlite(connection, source_id, articles, now)
        else:
            table = Article.__table__  # type: ignore[attr-defined]
            rows = [
                {
                    "source_id": source_id,
                    "url": a.url,
                    "title": a.title,
                    "published_at": a.published_at,
                    "first_seen_at": now,
                    "body": a.body,
                    "summary": a.summary,
                    "content_hash": a.content_hash,
                    "baseline": a.baseline,
                    "last_checked_at": now,
                    "search_text": a.search_text,
                }
                for a in articles
            ]
            # RETURNING (id, url), matched up by URL: many rows go in each statement
            stmt = insert(table).returning(table.c.id, table.c.url)
            ids = {url: id_ for id_, url in connection.execute(stmt, rows)}
        stories = assign_stories(
            connection,
            [(ids[a.url], a.search_text, a.content_hash) for a in articles],
            now,
            window=story_window,
        )
        matches: list[dict[str, Any]] = []
        alerts: list[dict[str, Any]] = []
        for article in articles:
            if not (article.matches or article.alerts):
                continue
            article_id = ids[article.url]
            matches.extend(
                {
                    "article_id": article_id,
                    "topic_id": m.topic_id,
                    "score": float(m.score),
                    "terms": [[term, int(count)] for term, count in m.terms],
                    "snippet": m.snippet,
                    "spans": [[int(a), int(b)] for a, b in m.spans],
                }
                for m in article.matches
            )
            alerts.extend(
                alert_rows(
                    article.alerts,
                    now,
                    row_id=stories[article_id],
                    article_id=article_id,
                    source_id=source_id,
                )
            )
        if matches:
            connection.execute(insert(TopicMatch.__table__), matches)  # type: ignore[attr-defined]
        if alerts:
            connection.execute(alert_insert(session), alerts)
    return len(articles)
