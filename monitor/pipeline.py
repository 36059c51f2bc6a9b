"""One poll of one source, top to bottom: fetch → extract → store → match → enqueue.

`poll_source` never raises for a source's own failure: it returns the `poll --json` record
(ok, status, items, new, updated, error) and keeps the source's poll state. The read-only
half (`read_source`) is shared with `newsmon try`, which stores nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from monitor.config import Config, Source
from monitor.errors import ExtractError, FetchError, NewsmonError
from monitor.extract import extract_article, extract_listing
from monitor.extract.urls import canonicalize, is_followable
from monitor.fetch import Fetcher, FetchResult, TLSOptions
from monitor.items import Article, Item, Listing
from monitor.matcher import Matcher, TopicMatch
from monitor.normalize import clean, fold

if TYPE_CHECKING:
    from monitor.store import PollBatch

log = logging.getLogger("newsmon.poll")


@dataclass
class PollRecord:
    """What `poll --json` prints for one source."""

    id: str
    ok: bool = True
    status: int | None = None
    items: int = 0
    new: int = 0
    updated: int = 0
    error: str | None = None
    ms: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "ok": self.ok,
            "status": self.status,
            "items": self.items,
            "new": self.new,
            "updated": self.updated,
            "error": self.error,
        }


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


def content_hash(title: str, body: str) -> str:
    """Edits are changes of the normalised text, not of markup or whitespace."""
    return hashlib.sha256(f"{clean(title)}\n{clean(body)}".encode()).hexdigest()


def search_text(title: str, body: str) -> str:
    """The folded text the search index holds (diacritics, tone placement, case ignored)."""
    return fold(f"{title}\n{body}")


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
    if not is_followable(feed_url, source.url, source.allow_hosts):
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
    from dataclasses import replace

    return replace(article, **changes)


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


async def poll_source(
    engine: Engine,
    config: Config,
    fetcher: Fetcher,
    matcher: Matcher,
    source: Source,
    now: datetime,
    *,
    batch: PollBatch | None = None,
) -> PollRecord:
    """Poll one source and store what is new. Never raises for the source's own failures.

    In a `batch` (a pass over many sources), the state comes from the batch and an unchanged
    healthy source's bookkeeping waits for `batch.flush()`.
    """
    from monitor import store

    started = time.monotonic()
    record = PollRecord(id=source.id)
    try:
        state = batch.state(source) if batch is not None else None
        if state is None:
            state = store.begin_poll(engine, source, now)
        result = await fetch_listing(
            fetcher, source, etag=state.etag, last_modified=state.last_modified
        )
        record.status = result.status
        if result.not_modified:
            _took(record, started)
            if batch is None or not batch.defer_unchanged(source, record, now, result):
                store.finish_poll(engine, config, source, record, now, result=result)
            return _done(record, started)
        listing = await follow_feed(
            fetcher, config, source, read_listing(config, source, result, now), now
        )
        items = wanted_items(source, listing.items)
        record.items = len(items)
        if not items:
            raise ExtractError("no article links found on the listing (check items selectors)")
        known = store.known_urls(engine, [i.url for i in items])
        fresh = [i for i in items if i.url not in known]
        read = await read_articles(fetcher, config, source, fresh, now)
        problems = [r.error for r in read if r.error]
        articles = [r.article for r in read if r.article is not None]
        empty = sum(1 for a in articles if not a.body.strip())
        matched = [(a, match_article(matcher, source, a)) for a in articles]
        record.new = store.save_articles(engine, config, source, state, matched, now)
        if empty:
            problems.append(f"{empty} article(s) with an empty body (check article selectors)")
        if problems:
            record.error = (
                problems[0]
                if len(problems) == 1
                else (f"{problems[0]} (and {len(problems) - 1} more problems)")
            )
        _took(record, started)
        store.finish_poll(engine, config, source, record, now, result=result, empty_bodies=empty)
    except NewsmonError as exc:
        record.ok, record.error = False, str(exc)
        _record_failure(engine, config, source, _took(record, started), now)
    except SQLAlchemyError as exc:  # full disk, read-only file, lost server: one line
        orig = getattr(exc, "orig", None) or exc
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        record.ok, record.error = False, f"database error: {reason}"
        log.debug("%s: database error", source.id, exc_info=True)
        _record_failure(engine, config, source, _took(record, started), now)
    except Exception as exc:  # a bug must not stop the other sources
        log.error("%s: unexpected error: %s: %s", source.id, type(exc).__name__, exc)
        log.debug("%s: unexpected error", source.id, exc_info=True)
        record.ok, record.error = False, f"internal error: {type(exc).__name__}: {exc}"
        _record_failure(engine, config, source, _took(record, started), now)
    return _done(record, started)


def _record_failure(
    engine: Engine, config: Config, source: Source, record: PollRecord, now: datetime
) -> None:
    """Keep the failure in the source's state; if the database itself fails, say so once."""
    from monitor import store

    try:
        store.fail_poll(engine, config, source, record, now)
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        log.error("%s: cannot record the failed poll: %s", source.id, str(orig).splitlines()[0])


def _took(record: PollRecord, started: float) -> PollRecord:
    """The poll's duration so far, so the poll log keeps it (set again when it is done)."""
    record.ms = int((time.monotonic() - started) * 1000)
    return record


def _done(record: PollRecord, started: float) -> PollRecord:
    _took(record, started)
    if not log.isEnabledFor(logging.INFO):
        return record
    outcome = "ok" if record.ok else "failed"
    extra = f" error={record.error}" if record.error else ""
    log.info(
        "poll %s %s status=%s items=%d new=%d updated=%d ms=%d%s",
        record.id,
        outcome,
        record.status,
        record.items,
        record.new,
        record.updated,
        record.ms,
        extra,
    )
    return record
