"""What a poll writes, decided without the database: each new article's row with its content
hash, its folded search text, its topic matches and the alert rows of the channels that must
hear of it (notifiers/outbox.py's routing)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from monitor.config.models import Config, Source
from monitor.items import Article
from monitor.match.matcher import TopicMatch
from monitor.match.normalize import clean, fold
from notifiers import outbox
from storage.articles import NewArticle


def content_hash(title: str, body: str) -> str:
    """Edits are changes of the normalised text, not of markup or whitespace."""
    return hashlib.sha256(f"{clean(title)}\n{clean(body)}".encode()).hexdigest()


def search_text(title: str, body: str) -> str:
    """The folded text the search index holds (diacritics, tone placement, case ignored)."""
    return fold(f"{title}\n{body}")


def new_article(
    config: Config,
    source: Source,
    article: Article,
    matches: Sequence[TopicMatch],
    *,
    baseline: bool,
) -> NewArticle:
    """The row of a newly read article; a `baseline` one (a source's first poll) alerts nobody
    unless `settings.alert_on_first_poll`."""
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


def new_articles(
    config: Config,
    source: Source,
    articles: Sequence[tuple[Article, Sequence[TopicMatch]]],
    *,
    baseline: bool,
) -> list[NewArticle]:
    """The rows of a poll's new articles, each URL once (a listing may name one twice)."""
    seen: set[str] = set()
    rows: list[NewArticle] = []
    for article, matches in articles:
        if article.url in seen:
            continue
        seen.add(article.url)
        rows.append(new_article(config, source, article, matches, baseline=baseline))
    return rows
