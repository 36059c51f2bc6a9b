"""The pipeline's storage steps: poll state in, articles with matches and alerts out.

Each function is one short transaction through the repository, so a crash or a kill at any
moment leaves either the whole article (with its matches and its alert rows) or nothing.

New articles reach the SQLite search index in batches (storage/searchindex.py), from here
only: `save_articles` indexes a source's new articles right after their transaction (in the
daemon and in `newsmon poll` alike), `PollBatch.flush` at the end of a `newsmon poll` pass
indexes whatever still waits (a failed catch-up), and a search catches up on the rest itself.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from monitor.config.models import Config, Source
from monitor.items import Article
from monitor.match.matcher import TopicMatch
from monitor.match.normalize import clean, fold
from monitor.pipeline.record import PollRecord
from notifiers import outbox
from storage import articles as article_rows
from storage import searchindex
from storage.articles import NewArticle, store_articles
from storage.models import Source as SourceRow
from storage.sources import (
    PollStateRow,
    UnchangedPoll,
    get_source,
    poll_states,
    record_poll,
    record_unchanged_polls,
    sync_sources,
)

if TYPE_CHECKING:
    from monitor.fetch.client import FetchResult

log = logging.getLogger("newsmon.store")


def content_hash(title: str, body: str) -> str:
    """Edits are changes of the normalised text, not of markup or whitespace."""
    return hashlib.sha256(f"{clean(title)}\n{clean(body)}".encode()).hexdigest()


def search_text(title: str, body: str) -> str:
    """The folded text the search index holds (diacritics, tone placement, case ignored)."""
    return fold(f"{title}\n{body}")


# How many stored articles may wait for the search index before a save indexes them. 1: each
# source's new articles are searchable as soon as its poll stores them, even by a reader that
# cannot catch up itself. Indexing a poll's 10 rows costs about a quarter more per article than
# indexing hundreds at once (bench/bench_report.py); a daemon stores far too few for that to
# matter, and a bulk writer can raise this (a search catches up on whatever waits).
INDEX_EVERY = 1


@dataclass(frozen=True, slots=True)
class PollState:
    """What a poll needs to know before it starts."""

    etag: str | None
    last_modified: str | None
    baselined: bool
    health: str = "ok"

    @classmethod
    def of(cls, row: SourceRow | PollStateRow, source: Source) -> PollState:
        same = row.url == source.url  # a changed URL makes the stored validators meaningless
        return cls(
            etag=row.etag if same else None,
            last_modified=row.last_modified if same else None,
            baselined=row.baselined,
            health=row.health,
        )


def begin_poll(engine: Engine, source: Source, now: datetime) -> PollState:
    with Session(engine) as session:
        row = get_source(session, source.id)
        if row is None:
            sync_sources(session, [source])
            row = get_source(session, source.id)
        assert row is not None
        return PollState.of(row, source)


class PollBatch:
    """A pass over many sources: their states read in one query, and the unchanged polls of
    healthy sources (most of a pass, and nothing to alert about) kept in one transaction.

    Articles, failures and health changes are still written at once, source by source; only
    304 bookkeeping waits for `flush` (a crash before it loses those poll-log rows, never an
    article or an alert).
    """

    def __init__(self, engine: Engine, sources: Sequence[Source]) -> None:
        self._engine = engine
        with Session(engine) as session:
            rows = poll_states(session, [s.id for s in sources])
            self._states = {s.id: PollState.of(rows[s.id], s) for s in sources if s.id in rows}
        self._unchanged: list[UnchangedPoll] = []

    def state(self, source: Source) -> PollState | None:
        return self._states.get(source.id)

    def defer_unchanged(
        self, source: Source, record: PollRecord, now: datetime, result: FetchResult
    ) -> bool:
        """Queue a 304 of a healthy source (True); anything else is for `finish_poll` (False)."""
        state = self._states.get(source.id)
        if not result.not_modified or record.error or state is None or state.health != "ok":
            return False
        self._unchanged.append(
            UnchangedPoll(source.id, now, record.ms, result.etag, result.last_modified)
        )
        return True

    def flush(self) -> None:
        """Keep the deferred 304s and put every article stored so far in the search index."""
        polls, self._unchanged = self._unchanged, []
        if polls:
            with Session(self._engine) as session:
                record_unchanged_polls(session, polls)
        index_articles(self._engine)


def index_articles(engine: Engine, at_least: int = 1) -> int:
    """Index the stored articles that wait for the search index, if at least `at_least` wait.

    A failure is logged, not raised: the articles are stored, and the next call (or a search)
    indexes them.
    """
    try:
        return searchindex.index_pending_engine(engine, at_least=at_least)
    except (SQLAlchemyError, sqlite3.Error) as exc:
        orig = getattr(exc, "orig", None) or exc
        log.warning("search index not brought up to date (next time): %s", orig)
        return 0


def known_urls(engine: Engine, urls: Sequence[str]) -> set[str]:
    with Session(engine) as session:
        return article_rows.known_urls(session, urls)


def save_articles(
    engine: Engine,
    config: Config,
    source: Source,
    state: PollState,
    articles: Sequence[tuple[Article, Sequence[TopicMatch]]],
    now: datetime,
) -> int:
    """Store a poll's new articles, each with its matches and alert rows, in one transaction.

    The caller left out the URLs stored before (pipeline: `known_urls`). If one was stored
    meanwhile (another source listing the same article in the same pass), the batch fails on
    its URL and each article is stored in its own transaction instead, so one conflict never
    loses the others.
    """
    if not articles:
        return 0
    seen: set[str] = set()
    fresh: list[NewArticle] = []
    for article, matches in articles:
        if article.url in seen:  # one listing naming the same article twice
            continue
        seen.add(article.url)
        fresh.append(_new_article(config, source, state, article, matches))
    try:
        with Session(engine, expire_on_commit=False) as session:
            stored = store_articles(session, source.id, fresh, now)
    except IntegrityError:
        stored = sum(_store_alone(engine, source.id, a, now) for a in fresh)
    index_articles(engine, at_least=INDEX_EVERY)
    return stored


def _store_alone(engine: Engine, source_id: str, article: NewArticle, now: datetime) -> int:
    """One article in its own transaction, through the same batch path; 0 if its URL is
    stored already (before this poll or by a racing one)."""
    with Session(engine, expire_on_commit=False) as session:
        if article_rows.known_urls(session, [article.url]):
            return 0
        try:
            return store_articles(session, source_id, [article], now)
        except IntegrityError:
            if article_rows.known_urls(session, [article.url]):
                return 0  # a racing insert of the same URL
            raise  # another constraint (an unknown source, …)


def _new_article(
    config: Config,
    source: Source,
    state: PollState,
    article: Article,
    matches: Sequence[TopicMatch],
) -> NewArticle:
    baseline = not state.baselined
    return NewArticle(
        url=article.url,
        title=article.title,
        body=article.body,
        content_hash=content_hash(article.title, article.body),
        published_at=article.published_at,
        summary=article.summary,
        baseline=baseline,
        search_text=search_text(article.title, article.body),
        matches=matches,
        alerts=outbox.article_alerts(config, source, [m.topic_id for m in matches], baseline),
    )


def finish_poll(
    engine: Engine,
    config: Config,
    source: Source,
    record: PollRecord,
    now: datetime,
    *,
    result: FetchResult,
    empty_bodies: int = 0,
) -> None:
    """Keep a successful poll's outcome and any health transition it causes."""
    _record(
        engine,
        config,
        source,
        record,
        now,
        ok=True,
        unchanged=result.not_modified,
        etag=result.etag,
        last_modified=result.last_modified,
        empty_bodies=empty_bodies,
    )


def fail_poll(
    engine: Engine, config: Config, source: Source, record: PollRecord, now: datetime
) -> None:
    """Keep a failed poll's error line; after enough failures, one health alert."""
    _record(engine, config, source, record, now, ok=False)


def _record(
    engine: Engine,
    config: Config,
    source: Source,
    record: PollRecord,
    now: datetime,
    *,
    ok: bool,
    unchanged: bool = False,
    **state: object,
) -> None:
    """The poll's row and the source's state, plus health alerts, in one transaction."""
    with Session(engine, expire_on_commit=False) as session:
        row = record_poll(
            session,
            source.id,
            started_at=now,
            duration_ms=record.ms,
            ok=ok,
            status=record.status,
            items=record.items,
            new=record.new,
            updated=record.updated,
            error=record.error,
            commit=False,
            **state,  # type: ignore[arg-type]
        )
        # An unchanged, healthy source cannot change health: skip the poll-log reads.
        if not (unchanged and row.health == "ok"):
            outbox.enqueue_health(session, config, source, row, now)
        session.commit()
