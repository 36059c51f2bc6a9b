"""The read-only half of a poll: fetch the listing, extract items, read the article pages,
match them. No database here; `newsmon try` uses it as is, `poll.poll_source` stores the result.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from monitor.config.models import Config, Source
from monitor.errors import ExtractError, FetchError
from monitor.extract import extract_article, extract_listing
from monitor.extract.urls import canonicalize, is_followable
from monitor.fetch.client import Fetcher, FetchResult, TLSOptions
from monitor.items import Article, Item, Listing
from monitor.match.matcher import Matcher, TopicMatch

log = logging.getLogger("newsmon.poll")


@dataclass
class ReadArticle:
    """An article as read from the site, before it is stored."""

    item: Item
    article: Article | None = None
    error: str | None = None


@dataclass
class SourceRead:
    """Everything a poll learns from the site, no database involved."""

    listing_result: FetchResult | None = None
    listing: Listing = field(default_factory=Listing)
    items: list[Item] = field(default_factory=list)
    articles: list[ReadArticle] = field(default_factory=list)


async def fetch_listing(
    fetcher: Fetcher, source: Source, *, etag: str | None = None, last_modified: str | None = None
) -> FetchResult:
    return await fetcher.fetch(
        source.url,
        etag=etag,
        last_modified=last_modified,
        headers=source.headers,
        tls=TLSOptions.for_source(source),
    )


def read_listing(config: Config, source: Source, result: FetchResult, now: datetime) -> Listing:
    tz = config.settings.tz
    return extract_listing(result.url, result.content, result.content_type, source, tz=tz, now=now)


async def follow_feed(
    fetcher: Fetcher, config: Config, source: Source, listing: Listing, now: datetime
) -> Listing:
    """Auto mode: a feed the page advertises is read instead of the page's links."""
    if source.type != "auto" or listing.is_feed or not listing.feed_url:
        return listing
    feed_url = canonicalize(listing.feed_url, source.url)
    if feed_url is None or not is_followable(feed_url, source.url, source.allow_hosts):
        return listing
    try:
        result = await fetcher.fetch(
            feed_url,
            headers=source.headers,
            tls=TLSOptions.for_source(source),
            discovered=True,
            source_url=source.url,
        )
        feed = read_listing(config, source, result, now)
    except (FetchError, ExtractError) as exc:
        log.info("%s: advertised feed %s unusable (%s); reading the page", source.id, feed_url, exc)
        return listing
    return feed if feed.items else listing


def wanted_items(source: Source, items: Sequence[Item]) -> list[Item]:
    """Same-site links only (plus allow_hosts), each canonical URL once, listing order kept."""
    seen: set[str] = set()
    out: list[Item] = []
    for item in items:
        if item.url in seen or not is_followable(item.url, source.url, source.allow_hosts):
            continue
        seen.add(item.url)
        out.append(item)
    return out


async def read_article(
    fetcher: Fetcher, config: Config, source: Source, item: Item, now: datetime
) -> ReadArticle:
    """The article behind an item: the feed's full text, the listing data, or its page."""
    if item.body or not source.follow:
        article = Article(
            url=item.url,
            title=item.title or "",
            body=item.body or item.summary or "",
            published_at=item.published_at,
            summary=item.summary,
        )
        return ReadArticle(item, article)
    try:
        result = await fetcher.fetch(
            item.url,
            headers=source.headers,
            tls=TLSOptions.for_source(source),
            discovered=True,
            source_url=source.url,
        )
        tz = config.settings.tz
        article = extract_article(
            result.url, result.content, result.content_type, source, tz=tz, now=now
        )
    except (FetchError, ExtractError) as exc:
        return ReadArticle(item, error=f"{item.url}: {exc}")
    if not is_followable(article.url, source.url, source.allow_hosts):
        article = _replace(article, url=item.url)
    return ReadArticle(item, _fill_from_item(article, item))


def _replace(article: Article, **changes: object) -> Article:
    return replace(article, **changes)  # type: ignore[arg-type]


def _fill_from_item(article: Article, item: Item) -> Article:
    """The page wins; the listing fills what the page lacks (a date, a title, a lead)."""
    return _replace(
        article,
        title=article.title or item.title or "",
        published_at=article.published_at or item.published_at,
        summary=article.summary or item.summary,
    )


async def read_articles(
    fetcher: Fetcher, config: Config, source: Source, items: Sequence[Item], now: datetime
) -> list[ReadArticle]:
    """Article pages fetched concurrently; the fetcher keeps the per-host politeness."""
    return list(
        await asyncio.gather(*(read_article(fetcher, config, source, i, now) for i in items))
    )


def match_article(matcher: Matcher, source: Source, article: Article) -> list[TopicMatch]:
    """The topics this article matches (only the source's topics, when it narrows them)."""
    if not matcher.topics:
        return []
    results = matcher.match(article.title, article.body, source.topics)
    return [m for m in results if m.matched]
