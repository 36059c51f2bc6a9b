"""A poll's transactions over storage/: the poll state in (`begin_poll`, `PollBatch`), the
URLs already stored (`known_urls`), and what the pass found out (`write_poll`, `fail_poll`).

`write_poll` is one transaction: the new articles with their matches and alert rows, the
poll's row, the source's state and its health alerts; a crash or a kill at any moment leaves
all of it or none.

New articles reach the SQLite search index in batches (storage/searchindex.py), from here
only: `write_poll` indexes a source's new articles right after its transaction (in the daemon
and in `newsmon poll` alike), `PollBatch.flush` at the end of a `newsmon poll` pass indexes
whatever still waits (a failed catch-up), and a search catches up on the rest itself.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from monitor.config.models import Config, Source
from monitor.pipeline.record import PollPass, PollRecord
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


def write_poll(
    engine: Engine,
    config: Config,
    source: Source,
    record: PollRecord,
    found: PollPass,
    now: datetime,
    *,
    started: float,
    batch: PollBatch | None = None,
) -> None:
    """Write what one pass found, in one transaction: its new articles (each with its matches
    and alert rows), the poll's row, the source's state and the health alerts it causes; then
    the new articles go into the search index.

    The pass left out the URLs stored before (`known_urls`). If one was stored meanwhile
    (another source listing the same article in the same pass), the batch fails on its URL and
    each article is stored in its own transaction instead, so one conflict never loses the
    others; the poll's row follows them. A 304 of a healthy source in a `batch` waits for
    `batch.flush()`.
    """
    result = found.result
    if result.not_modified:
        record.stamp(started)
        if batch is None or not batch.defer_unchanged(source, record, now, result):
            finish_poll(engine, config, source, record, now, result=result)
        return
    alone = False  # the conflict fallback: each article committed in its own transaction
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                record.new = store_articles(
                    session,
                    source.id,
                    found.articles,
                    now,
                    commit=False,
                    story_window=config.settings.story_window,
                )
            except IntegrityError:
                session.rollback()
                alone = True
                window = config.settings.story_window
                record.new = sum(
                    _store_alone(engine, source.id, a, now, window) for a in found.articles
                )
            record.stamp(started)
            _record_in(
                session,
                config,
                source,
                record,
                now,
                ok=True,
                etag=result.etag,
                last_modified=result.last_modified,
                empty_bodies=found.empty_bodies,
            )
            session.commit()
    except BaseException:
        if not alone:
            record.new = 0  # rolled back with the poll's row: nothing of this poll is stored
        raise
    if found.articles:
        index_articles(engine, at_least=INDEX_EVERY)


def _store_alone(
    engine: Engine, source_id: str, article: NewArticle, now: datetime, window: timedelta
) -> int:
    """One article in its own transaction, through the same batch path; 0 if its URL is
    stored already (before this poll or by a racing one)."""
    with Session(engine, expire_on_commit=False) as session:
        if article_rows.known_urls(session, [article.url]):
            return 0
        try:
            return store_articles(session, source_id, [article], now, story_window=window)
        except IntegrityError:
            if article_rows.known_urls(session, [article.url]):
                return 0  # a racing insert of the same URL
            raise  # another constraint (an unknown source, …)


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
        _record_in(session, config, source, record, now, ok=ok, unchanged=unchanged, **state)
        session.commit()


def _record_in(
    session: Session,
    config: Config,
    source: Source,
    record: PollRecord,
    now: datetime,
    *,
    ok: bool,
    unchanged: bool = False,
    **state: object,
) -> None:
    """The poll's row, the source's state and its health alerts, in the caller's transaction."""
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
