"""The pipeline's storage steps: poll state in, articles with matches and alerts out.

Each function is one short transaction through the repository, so a crash or a kill at any
moment leaves either the whole article (with its matches and its alert rows) or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from monitor.config import Config, Source
from monitor.items import Article
from monitor.matcher import TopicMatch
from notifiers import outbox
from storage import repo
from storage.models import Article as StoredArticle

if TYPE_CHECKING:
    from monitor.fetch import FetchResult
    from monitor.pipeline import PollRecord


@dataclass(frozen=True, slots=True)
class PollState:
    """What a poll needs to know before it starts."""

    etag: str | None
    last_modified: str | None
    baselined: bool


def begin_poll(engine: Engine, source: Source, now: datetime) -> PollState:
    with Session(engine) as session:
        row = repo.get_source(session, source.id)
        if row is None:
            repo.sync_sources(session, [source])
            row = repo.get_source(session, source.id)
        assert row is not None
        # A changed URL makes the stored validators meaningless.
        same = row.url == source.url
        return PollState(
            etag=row.etag if same else None,
            last_modified=row.last_modified if same else None,
            baselined=row.baselined,
        )


def known_urls(engine: Engine, urls: Sequence[str]) -> set[str]:
    with Session(engine) as session:
        return repo.known_urls(session, urls)


def save_articles(
    engine: Engine,
    config: Config,
    source: Source,
    state: PollState,
    articles: Sequence[tuple[Article, Sequence[TopicMatch]]],
    now: datetime,
) -> int:
    """Store a poll's new articles, each with its matches and alert rows, in one transaction.

    Returns how many were new. If the batch collides with a concurrent writer, each article is
    stored in its own transaction instead, so one conflict never loses the others.
    """
    if not articles:
        return 0
    try:
        with Session(engine, expire_on_commit=False) as session:
            known = repo.known_urls(session, [a.url for a, _ in articles])
            fresh = []
            for article, matches in articles:
                if article.url in known:  # two sources may list the same article in one pass
                    continue
                known.add(article.url)
                _store(session, config, source, state, article, matches, now, commit=False)
                fresh.append(article)
            session.commit()
            return len(fresh)
    except IntegrityError:
        return sum(save_article(engine, config, source, state, a, m, now) for a, m in articles)


def save_article(
    engine: Engine,
    config: Config,
    source: Source,
    state: PollState,
    article: Article,
    matches: Sequence[TopicMatch],
    now: datetime,
) -> bool:
    """Store one article with its matches and alert rows; False if its URL was already known."""
    with Session(engine, expire_on_commit=False) as session:
        if repo.article_by_url(session, article.url) is not None:
            return False
        row = _store(session, config, source, state, article, matches, now, commit=True)
        return row.first_seen_at == now


def _store(
    session: Session,
    config: Config,
    source: Source,
    state: PollState,
    article: Article,
    matches: Sequence[TopicMatch],
    now: datetime,
    *,
    commit: bool,
) -> StoredArticle:
    from monitor.pipeline import content_hash, search_text

    baseline = not state.baselined
    alerts = outbox.article_alerts(config, source, [m.topic_id for m in matches], baseline)
    return repo.store_article(
        session,
        source.id,
        url=article.url,
        title=article.title,
        body=article.body,
        content_hash=content_hash(article.title, article.body),
        now=now,
        published_at=article.published_at,
        summary=article.summary,
        baseline=baseline,
        search_text=search_text(article.title, article.body),
        matches=matches,
        alerts=alerts,
        commit=commit,
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
    with Session(engine, expire_on_commit=False) as session:
        row = repo.record_poll(
            session,
            source.id,
            started_at=now,
            duration_ms=record.ms,
            ok=True,
            status=record.status,
            items=record.items,
            new=record.new,
            updated=record.updated,
            error=record.error,
            etag=result.etag,
            last_modified=result.last_modified,
            empty_bodies=empty_bodies,
            commit=False,
        )
        # An unchanged, healthy source cannot change health: skip the poll-log reads.
        if not (result.not_modified and row.health == "ok"):
            outbox.enqueue_health(session, config, source, row, now)
        session.commit()


def fail_poll(
    engine: Engine, config: Config, source: Source, record: PollRecord, now: datetime
) -> None:
    """Keep a failed poll's error line; after enough failures, one health alert."""
    with Session(engine, expire_on_commit=False) as session:
        row = repo.record_poll(
            session,
            source.id,
            started_at=now,
            duration_ms=record.ms,
            ok=False,
            status=record.status,
            items=record.items,
            error=record.error,
            commit=False,
        )
        outbox.enqueue_health(session, config, source, row, now)
        session.commit()
