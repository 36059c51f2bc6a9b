"""Small stand-ins the storage tests hand to the repository (a configured source, a match)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage.alerts import NewAlert
from storage.articles import NewArticle, article_by_url, store_articles
from storage.models import Article
from storage.searchindex import index_pending_session


@dataclass(frozen=True)
class Src:
    """What `sync_sources` reads of a configured source."""

    id: str
    name: str
    url: str


@dataclass(frozen=True)
class Match:
    """What the repository stores of a topic match (monitor.match.matcher.TopicMatch fits too)."""

    topic_id: str
    score: float
    terms: list[tuple[str, int]] = field(default_factory=list)
    snippet: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)


def store_article(
    session: Session,
    source_id: str,
    *,
    url: str,
    now: datetime,
    matches: Iterable[Any] = (),
    alerts: Iterable[NewAlert] = (),
    **fields: Any,
) -> Article:
    """The tests' shorthand for one article, through the one storing path (`store_articles`)
    and into the search index, as a poll leaves it; the stored row back (a URL stored before:
    that row, untouched)."""
    known = article_by_url(session, url)
    if known is not None:
        return known
    article = NewArticle(url=url, matches=tuple(matches), alerts=tuple(alerts), **fields)
    store_articles(session, source_id, [article], now)
    index_pending_session(session)
    session.commit()
    stored = article_by_url(session, url)
    assert stored is not None
    return stored
