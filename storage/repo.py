"""The repository: every write (and the pipeline's and outbox's reads) the application makes.

Plain functions over a Session. Each write is one unit of work that commits (or, on any error,
rolls back and re-raises); pass ``commit=False`` to fold it into a larger transaction of your own
and commit that yourself. Datetimes must be timezone-aware; they come back as aware UTC.
Report and search queries live in storage/queries.py and storage/search.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    Alert,
    Article,
    ChannelState,
    PollLog,
    Revision,
    Source,
    TopicMatch,
    UTCDateTime,
)
from storage.searchindex import index_pending_session

_CHUNK = 500  # bound parameters per IN (…): far below SQLite's limit


class SourceLike(Protocol):
    """What `sync_sources` needs of a configured source (monitor.config.models.Source fits)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...


class MatchLike(Protocol):
    """What is stored of a topic match (monitor.match.matcher.TopicMatch fits)."""

    @property
    def topic_id(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def terms(self) -> Sequence[tuple[str, int]]: ...
    @property
    def snippet(self) -> str: ...
    @property
    def spans(self) -> Sequence[tuple[int, int]]: ...


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert to enqueue with an article or revision; `key` defaults to "<kind>:<row id>"."""

    channel_id: str
    kind: str = "article"
    key: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    source_id: str | None = None


@contextmanager
def _unit(session: Session, commit: bool) -> Iterator[None]:
    """One unit of work: commit at the end, or roll everything back on an error."""
    try:
        yield
        if commit:
            session.commit()
        else:
            session.flush()
    except BaseException:
        if commit:
            session.rollback()
        raise


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


# --- sources --------------------------------------------------------------------------------


def sync_sources(
    session: Session | Engine, sources: Iterable[SourceLike] | Any, *, commit: bool = True
) -> None:
    """Insert configured sources not yet stored and refresh the name and URL of the others.

    Sources gone from the configuration keep their rows (and history). Accepts an Engine (a
    session is opened) and a Config (its `.sources`) for the CLI's convenience.
    """
    if isinstance(session, Engine):
        with Session(session, expire_on_commit=False) as own:
            sync_sources(own, sources, commit=True)
        return
    wanted = list(getattr(sources, "sources", sources))
    with _unit(session, commit):
        stored = {s.id: s for s in session.exec(select(Source))}
        for src in wanted:
            row = stored.get(src.id)
            if row is None:
                session.add(Source(id=src.id, name=src.name, url=str(src.url)))
            elif (row.name, row.url) != (src.name, str(src.url)):
                row.name, row.url = src.name, str(src.url)


def get_source(session: Session, source_id: str) -> Source | None:
    return session.get(Source, source_id)


def list_sources(session: Session) -> list[Source]:
    return list(session.exec(select(Source).order_by(col(Source.id))))


def _source(session: Session, source_id: str) -> Source:
    row = session.get(Source, source_id)
    if row is None:
        raise LookupError(f"source {source_id!r} is not stored (sync_sources first)")
    return row


def record_poll(
    session: Session,
    source_id: str,
    *,
    started_at: datetime,
    duration_ms: int,
    ok: bool,
    status: int | None = None,
    items: int = 0,
    new: int = 0,
    updated: int = 0,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    empty_bodies: int | None = None,
    commit: bool = True,
) -> Source:
    """Keep one poll's outcome: the source's state and counters, and a PollLog row, together.

    A success clears the failure count and marks the source baselined; a failure counts up and
    keeps the error line. `etag`/`last_modified` replace the stored ones when given; an ok poll
    with no items (other than a 304) counts as an empty poll.
    """
    with _unit(session, commit):
        src = _source(session, source_id)
        src.last_poll_at = started_at
        src.polls += 1
        src.poll_ms_total += max(0, duration_ms)
        if ok:
            src.last_success_at = started_at
            src.consecutive_failures = 0
            src.last_error = error  # an ok poll may still carry a warning
            src.baselined = True
            if status != 304:
                src.empty_polls = src.empty_polls + 1 if items == 0 else 0
            if etag is not None:
                src.etag = etag
            if last_modified is not None:
                src.last_modified = last_modified
            if new:
                src.last_new_at = started_at
        else:
            src.consecutive_failures += 1
            src.last_error = error
        if empty_bodies is not None:
            src.empty_bodies = empty_bodies
        session.add(
            PollLog(
                source_id=source_id,
                started_at=started_at,
                duration_ms=max(0, duration_ms),
                ok=ok,
                status=status,
                items=items,
                new=new,
                updated=updated,
                error=error,
            )
        )
    return src


@dataclass(frozen=True, slots=True)
class UnchangedPoll:
    """One successful poll that got a 304: what `record_unchanged_polls` keeps of it."""

    source_id: str
    started_at: datetime
    duration_ms: int
    etag: str | None = None
    last_modified: str | None = None


class PollStateRow(Protocol):
    """What `poll_states` gives for each source (a light row, not a tracked object)."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def baselined(self) -> bool: ...
    @property
    def health(self) -> str: ...


def poll_states(session: Session, source_ids: Iterable[str]) -> dict[str, PollStateRow]:
    """The poll state of these sources, in one query per 500 ids (a poll pass reads its
    sources' validators and health once, not once per source)."""
    columns = (Source.id, Source.url, Source.etag, Source.last_modified, Source.baselined)
    rows: dict[str, PollStateRow] = {}
    for chunk in _chunks(sorted(set(source_ids))):
        stmt = select(*columns, Source.health).where(col(Source.id).in_(chunk))
        rows.update((r.id, r) for r in session.exec(stmt))
    return rows


def record_unchanged_polls(
    session: Session, polls: Sequence[UnchangedPoll], *, commit: bool = True
) -> None:
    """Keep many 304 polls at once: for each, what `record_poll(ok=True, status=304,
    empty_bodies=0)` keeps, as one UPDATE and one INSERT executed over all of them."""
    if not polls:
        return
    table, log = Source.__table__, PollLog.__table__  # type: ignore[attr-defined]
    when = table.c.last_poll_at.type
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            last_poll_at=bindparam("b_at", type_=when),
            last_success_at=bindparam("b_at", type_=when),
            polls=table.c.polls + 1,
            poll_ms_total=table.c.poll_ms_total + bindparam("b_ms"),
            consecutive_failures=0,
            last_error=None,
            baselined=True,
            empty_bodies=0,
            etag=func.coalesce(bindparam("b_etag", type_=table.c.etag.type), table.c.etag),
            last_modified=func.coalesce(
                bindparam("b_lm", type_=table.c.last_modified.type), table.c.last_modified
            ),
        )
    )
    with _unit(session, commit):
        connection = session.connection()
        connection.execute(
            stmt,
            [
                {
                    "b_id": p.source_id,
                    "b_at": p.started_at,
                    "b_ms": max(0, p.duration_ms),
                    "b_etag": p.etag,
                    "b_lm": p.last_modified,
                }
                for p in polls
            ],
        )
        connection.execute(
            insert(log),
            [
                {
                    "source_id": p.source_id,
                    "started_at": p.started_at,
                    "duration_ms": max(0, p.duration_ms),
                    "ok": True,
                    "status": 304,
                    "items": 0,
                    "new": 0,
                    "updated": 0,
                    "error": None,
                }
                for p in polls
            ],
        )


def set_source_state(
    session: Session,
    source_id: str,
    *,
    health: str | None = None,
    empty_bodies: int | None = None,
    commit: bool = True,
) -> Source:
    """Set the health-alert state ("ok" | "failing" | "layout") and/or the empty-body count."""
    with _unit(session, commit):
        src = _source(session, source_id)
        if health is not None:
            src.health = health
        if empty_bodies is not None:
            src.empty_bodies = empty_bodies
    return src


# --- articles -------------------------------------------------------------------------------


def known_urls(session: Session, urls: Iterable[str]) -> set[str]:
    """The given URLs that are already stored (canonical URLs, compared exactly)."""
    wanted = sorted(set(urls))
    found: set[str] = set()
    for chunk in _chunks(wanted):
        found.update(session.exec(select(Article.url).where(col(Article.url).in_(chunk))))
    return found


def get_article(session: Session, article_id: int) -> Article | None:
    return session.get(Article, article_id)


def article_by_url(session: Session, url: str) -> Article | None:
    return session.exec(select(Article).where(Article.url == url)).first()


def _match_rows(article_id: int, matches: Iterable[MatchLike]) -> list[TopicMatch]:
    return [
        TopicMatch(
            article_id=article_id,
            topic_id=m.topic_id,
            score=float(m.score),
            terms=[[term, int(count)] for term, count in m.terms],
            snippet=m.snippet,
            spans=[[int(a), int(b)] for a, b in m.spans],
        )
        for m in matches
    ]


def store_article(
    session: Session,
    source_id: str,
    *,
    url: str,
    title: str,
    body: str,
    content_hash: str,
    now: datetime,
    published_at: datetime | None = None,
    summary: str | None = None,
    baseline: bool = False,
    search_text: str = "",
    matches: Iterable[MatchLike] = (),
    alerts: Iterable[NewAlert] = (),
    commit: bool = True,
) -> Article:
    """Store a new article with its topic matches and alert rows, all or nothing.

    `now` becomes first_seen_at and last_checked_at; the article is in the search index when
    this returns (unlike `store_articles`). A URL already stored returns the stored article
    untouched (check `art.first_seen_at == now` to tell new from old); a racing insert of
    the same URL ends the same way. Alerts already in the outbox are skipped.
    """
    existing = article_by_url(session, url)
    if existing is not None:
        return existing
    article = Article(
        source_id=source_id,
        url=url,
        title=title,
        published_at=published_at,
        first_seen_at=now,
        body=body,
        summary=summary,
        content_hash=content_hash,
        baseline=baseline,
        last_checked_at=now,
        search_text=search_text,
    )
    try:
        with _unit(session, commit):
            session.add(article)
            session.flush()
            assert article.id is not None
            session.add_all(_match_rows(article.id, matches))
            session.flush()
            _insert_alerts(
                session, alerts, now, row_id=article.id, article_id=article.id, source_id=source_id
            )
            index_pending_session(session)  # one at a time: searchable as soon as it is stored
    except IntegrityError:
        if not commit:
            raise
        raced = article_by_url(session, url)
        if raced is None:  # another constraint (an unknown source_id, …)
            raise
        return raced
    return article


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
    cursor = connection.connection.driver_connection.cursor()  # in the session's transaction
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
        for chunk in _chunks([a.url for a in articles]):
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
) -> int:
    """Store many new articles of one source, each with its matches and alert rows, in one
    unit of work: one INSERT executed over all the articles, one over all their matches, one
    over all their alert rows (those already in the outbox are skipped). The caller makes sure
    the URLs are not stored yet; a URL stored meanwhile raises IntegrityError (and, with
    commit, rolls the whole batch back). Returns how many were stored.

    On SQLite the articles are not in the search index yet: call
    `storage.searchindex.index_pending` afterwards (monitor/pipeline/persist.py does).
    """
    if not articles:
        return 0
    with _unit(session, commit):
        connection = session.connection()
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
                _alert_rows(
                    article.alerts,
                    now,
                    row_id=article_id,
                    article_id=article_id,
                    source_id=source_id,
                )
            )
        if matches:
            connection.execute(insert(TopicMatch.__table__), matches)  # type: ignore[attr-defined]
        if alerts:
            connection.execute(_alert_insert(session), alerts)
    return len(articles)


def add_revision(
    session: Session,
    article_id: int,
    *,
    seen_at: datetime,
    title: str,
    body: str,
    content_hash: str,
    diff: str = "",
    search_text: str | None = None,
    matches: Iterable[MatchLike] | None = None,
    alerts: Iterable[NewAlert] = (),
    commit: bool = True,
) -> Revision:
    """Record an edit: a Revision with the new version and its diff from the previous one.

    The article row takes the new title, body and hash (and `search_text`, when given); given
    `matches` replace the article's topic matches; alert keys default to "<kind>:<revision id>".
    """
    with _unit(session, commit):
        article = session.get(Article, article_id)
        if article is None:
            raise LookupError(f"article {article_id} is not stored")
        revision = Revision(
            article_id=article_id,
            seen_at=seen_at,
            title=title,
            body=body,
            diff=diff,
            content_hash=content_hash,
        )
        session.add(revision)
        article.title, article.body, article.content_hash = title, body, content_hash
        article.last_checked_at, article.withdrawn_at = seen_at, None
        if search_text is not None:
            article.search_text = search_text
        if matches is not None:
            session.execute(delete(TopicMatch).where(col(TopicMatch.article_id) == article_id))
            session.add_all(_match_rows(article_id, matches))
        session.flush()
        assert revision.id is not None
        _insert_alerts(
            session,
            alerts,
            seen_at,
            row_id=revision.id,
            article_id=article_id,
            source_id=article.source_id,
        )
    return revision


def mark_checked(session: Session, article_id: int, now: datetime, *, commit: bool = True) -> None:
    """A re-check found the article unchanged."""
    with _unit(session, commit):
        session.execute(
            update(Article).where(col(Article.id) == article_id).values(last_checked_at=now)
        )


def mark_withdrawn(
    session: Session, article_id: int, now: datetime, *, commit: bool = True
) -> None:
    """The article's page is gone (404/410); the first time it was seen gone is kept."""
    with _unit(session, commit):
        session.execute(
            update(Article)
            .where(col(Article.id) == article_id)
            .values(
                withdrawn_at=func.coalesce(Article.withdrawn_at, literal(now, UTCDateTime())),
                last_checked_at=now,
            )
        )


def articles_to_recheck(
    session: Session,
    now: datetime,
    younger_than: timedelta,
    checked_before: datetime,
    limit: int = 50,
    *,
    source_id: str | None = None,
) -> list[Article]:
    """Articles first seen within `younger_than` of `now`, not withdrawn, not checked since
    `checked_before`; the longest unchecked first."""
    last = func.coalesce(Article.last_checked_at, Article.first_seen_at, type_=UTCDateTime())
    stmt = (
        select(Article)
        .where(col(Article.first_seen_at) >= now - younger_than)
        .where(col(Article.withdrawn_at).is_(None))
        .where(or_(col(Article.last_checked_at).is_(None), last < checked_before))
        .order_by(last, col(Article.id))
        .limit(limit)
    )
    if source_id is not None:
        stmt = stmt.where(Article.source_id == source_id)
    return list(session.exec(stmt))


# --- the alert outbox -------------------------------------------------------------------------


def _alert_rows(
    alerts: Iterable[NewAlert],
    now: datetime,
    *,
    row_id: int | None = None,
    article_id: int | None = None,
    source_id: str | None = None,
    next_attempt_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows of these alerts; a missing key becomes "<kind>:<row_id>"."""
    return [
        {
            "channel_id": a.channel_id,
            "kind": a.kind,
            "key": a.key or f"{a.kind}:{row_id}",
            "article_id": article_id,
            "source_id": a.source_id or source_id,
            "payload": a.payload,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": next_attempt_at or now,
        }
        for a in alerts
    ]


def _alert_insert(session: Session) -> Any:
    """INSERT … ON CONFLICT (channel_id, kind, key) DO NOTHING, on SQLite and PostgreSQL, to
    execute with a list of rows (one statement, cached)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(Alert).on_conflict_do_nothing(index_elements=["channel_id", "kind", "key"])


def _insert_alerts(
    session: Session,
    alerts: Iterable[NewAlert],
    now: datetime,
    *,
    row_id: int | None = None,
    article_id: int | None = None,
    source_id: str | None = None,
    next_attempt_at: datetime | None = None,
) -> int:
    """Insert the alerts' rows, skipping those already in the outbox; returns how many were
    new. A missing key becomes "<kind>:<row_id>"."""
    rows = _alert_rows(
        alerts,
        now,
        row_id=row_id,
        article_id=article_id,
        source_id=source_id,
        next_attempt_at=next_attempt_at,
    )
    if not rows:
        return 0
    stmt = _alert_insert(session).returning(Alert.__table__.c.id)  # type: ignore[attr-defined]
    # the rows RETURNING gives back are the inserted ones (rowcount is -1 under psycopg)
    return len(session.connection().execute(stmt, rows).all())


def enqueue_alert(
    session: Session,
    channel_id: str,
    kind: str,
    key: str,
    *,
    now: datetime,
    article_id: int | None = None,
    source_id: str | None = None,
    payload: dict[str, Any] | None = None,
    next_attempt_at: datetime | None = None,
    commit: bool = True,
) -> bool:
    """Queue one alert; False when (channel, kind, key) is already in the outbox (a no-op)."""
    alert = NewAlert(channel_id, kind, key, payload or {}, source_id)
    with _unit(session, commit):
        n = _insert_alerts(
            session, [alert], now, article_id=article_id, next_attempt_at=next_attempt_at
        )
    return n == 1


def due_alerts(
    session: Session, now: datetime, limit: int = 100, *, channel_ids: Collection[str] | None = None
) -> list[Alert]:
    """Pending alerts whose next attempt is due, oldest due first."""
    stmt = (
        select(Alert)
        .where(Alert.status == "pending")
        .where(col(Alert.next_attempt_at) <= now)
        .order_by(col(Alert.next_attempt_at), col(Alert.id))
        .limit(limit)
    )
    if channel_ids is not None:
        stmt = stmt.where(col(Alert.channel_id).in_(list(channel_ids)))
    return list(session.exec(stmt))


def pending_for_channel(
    session: Session, channel_id: str, *, kinds: Collection[str] | None = None
) -> list[Alert]:
    """Every pending alert of one channel, oldest first (what a digest gathers)."""
    stmt = (
        select(Alert)
        .where(Alert.channel_id == channel_id)
        .where(Alert.status == "pending")
        .order_by(col(Alert.created_at), col(Alert.id))
    )
    if kinds is not None:
        stmt = stmt.where(col(Alert.kind).in_(list(kinds)))
    return list(session.exec(stmt))


def list_alerts(
    session: Session, *, statuses: Collection[str] | None = None, limit: int = 200
) -> list[Alert]:
    """The outbox, newest first (for `newsmon alerts`)."""
    stmt = select(Alert).order_by(col(Alert.created_at).desc(), col(Alert.id).desc()).limit(limit)
    if statuses is not None:
        stmt = stmt.where(col(Alert.status).in_(list(statuses)))
    return list(session.exec(stmt))


def _ids(alert_ids: int | Iterable[int]) -> list[int]:
    return [alert_ids] if isinstance(alert_ids, int) else list(alert_ids)


def _set_alerts(
    session: Session, alert_ids: int | Iterable[int], commit: bool, **values: Any
) -> None:
    with _unit(session, commit):
        for chunk in _chunks(_ids(alert_ids)):
            session.execute(
                update(Alert)
                .where(col(Alert.id).in_(chunk))
                .values(attempts=Alert.attempts + 1, **values)
                .execution_options(synchronize_session="fetch")
            )


def mark_sent(
    session: Session, alert_ids: int | Iterable[int], now: datetime, *, commit: bool = True
) -> None:
    """Delivered (one alert, or all alerts a digest carried)."""
    _set_alerts(session, alert_ids, commit, status="sent", sent_at=now, last_error=None)


def mark_retry(
    session: Session,
    alert_ids: int | Iterable[int],
    error: str,
    next_at: datetime,
    *,
    commit: bool = True,
) -> None:
    """A delivery failed; try again at `next_at` (the attempt is counted)."""
    _set_alerts(session, alert_ids, commit, last_error=error, next_attempt_at=next_at)


def mark_failed(
    session: Session, alert_ids: int | Iterable[int], error: str, *, commit: bool = True
) -> None:
    """Given up on (permanent error or too many attempts); `requeue` brings it back."""
    _set_alerts(session, alert_ids, commit, status="failed", last_error=error)


def requeue(
    session: Session,
    statuses: Collection[str] = ("failed",),
    *,
    now: datetime,
    commit: bool = True,
) -> int:
    """Make alerts with these statuses pending and due now (`alerts --retry`); failed ones get
    a fresh attempt count. Returns how many alerts changed."""
    with _unit(session, commit):
        result = session.execute(
            update(Alert)
            .where(col(Alert.status).in_(list(statuses)))
            .values(
                status="pending",
                next_attempt_at=now,
                attempts=case((col(Alert.status) == "failed", 0), else_=col(Alert.attempts)),
            )
            .execution_options(synchronize_session="fetch")
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- channel state --------------------------------------------------------------------------


def get_channel_state(session: Session, channel_id: str) -> ChannelState | None:
    return session.get(ChannelState, channel_id)


def set_last_digest(
    session: Session, channel_id: str, at: datetime, *, commit: bool = True
) -> ChannelState:
    with _unit(session, commit):
        state = session.get(ChannelState, channel_id)
        if state is None:
            state = ChannelState(channel_id=channel_id)
            session.add(state)
        state.last_digest_at = at
    return state
