"""Re-checks of young articles: revisions (the new version and its diff), unchanged and
withdrawn marks, and which articles are due.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import (
    delete,
    func,
    literal,
    or_,
    update,
)
from sqlmodel import Session, col, select

from storage.alerts import NewAlert, insert_alerts
from storage.matches import MatchLike, match_rows
from storage.models import (
    Article,
    Revision,
    TopicMatch,
    UTCDateTime,
)
from storage.txn import unit


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
    with unit(session, commit):
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
            session.add_all(match_rows(article_id, matches))
        session.flush()
        assert revision.id is not None
        insert_alerts(
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
    with unit(session, commit):
        session.execute(
            update(Article).where(col(Article.id) == article_id).values(last_checked_at=now)
        )


def mark_withdrawn(
    session: Session, article_id: int, now: datetime, *, commit: bool = True
) -> None:
    """The article's page is gone (404/410); the first time it was seen gone is kept."""
    with unit(session, commit):
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
