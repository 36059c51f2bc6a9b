"""Stored articles scored again (``newsmon rematch``): read in batches, matches replaced in place.

Replacing is per (article, topic): the topics being rescored lose their old rows for the
batch's articles and get the new ones, in one transaction per batch, so running it twice
leaves the same rows and an interrupted run leaves every batch either old or new.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from storage.models import Article, TopicMatch

__all__ = ["StoredText", "count_articles", "iter_articles", "replace_matches"]


@dataclass(frozen=True, slots=True)
class StoredText:
    id: int
    source_id: str
    title: str
    body: str
    story_id: int | None = None  # the alert key names the story (storage/articles.py)


def _since(stmt: object, since: datetime | None) -> object:
    if since is None:
        return stmt
    when = func.coalesce(Article.published_at, Article.first_seen_at)
    return stmt.where(when >= since)  # type: ignore[attr-defined]


def count_articles(session: Session, since: datetime | None = None) -> int:
    stmt = _since(select(func.count()).select_from(Article), since)
    return int(session.exec(stmt).one())  # type: ignore[call-overload]


def iter_articles(
    session: Session, since: datetime | None = None, batch: int = 500
) -> Iterator[list[StoredText]]:
    """Articles in id order, ``batch`` at a time (keyset paging: no OFFSET scans)."""
    last = 0
    while True:
        stmt = select(  # type: ignore[call-overload]  # sqlmodel types up to 4 columns
            Article.id, Article.source_id, Article.title, Article.body, Article.story_id
        ).where(col(Article.id) > last)
        stmt = _since(stmt, since).order_by(col(Article.id)).limit(batch)  # type: ignore[attr-defined]
        rows = [
            StoredText(int(i), s, t or "", b or "", story)
            for i, s, t, b, story in session.exec(stmt)
        ]
        if not rows:
            return
        yield rows
        last = rows[-1].id


def matched_before(
    session: Session, article_ids: Sequence[int], topic_ids: Iterable[str]
) -> set[tuple[int, str]]:
    """(article, topic) pairs matched now, for the given articles and topics."""
    stmt = select(TopicMatch.article_id, TopicMatch.topic_id).where(
        col(TopicMatch.article_id).in_(list(article_ids)),
        col(TopicMatch.topic_id).in_(list(topic_ids)),
    )
    return {(int(a), str(t)) for a, t in session.exec(stmt)}


def replace_matches(
    session: Session,
    article_ids: Sequence[int],
    topic_ids: Sequence[str],
    rows: Mapping[int, Sequence[TopicMatch]],
) -> None:
    """The topics' matches of these articles become ``rows``; one transaction."""
    try:
        session.exec(
            delete(TopicMatch).where(
                col(TopicMatch.article_id).in_(list(article_ids)),
                col(TopicMatch.topic_id).in_(list(topic_ids)),
            )
        )
        for matches in rows.values():
            session.add_all(matches)
        session.commit()
    except BaseException:
        session.rollback()
        raise
