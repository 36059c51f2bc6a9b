"""Re-read stored articles for a while after they appear: edits become revisions, 404/410 withdrawals.

Portals correct figures, names and titles after publishing, and sometimes take a page down. An
article first seen less than `settings.recheck` ago is fetched again once per `every` (hourly by
default); a change of the normalised text (`pipeline.content_hash`, so markup and whitespace do
not count) is stored as a Revision with a unified diff, re-matched, and — for matched articles —
announced to channels with `updates: true` through the outbox. HTTP 404 or 410 marks the
article withdrawn, with the time it was first seen gone.

Only articles whose text came from their own page can be compared with their page: sources that
read the text from a feed (`type: feed`) or the listing (`follow: false`) are checked for
withdrawal only.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.config.models import Config, Source
from monitor.errors import ExtractError, FetchError
from monitor.extract import extract_article
from monitor.fetch.client import Fetcher, TLSOptions
from monitor.items import Article
from monitor.match.matcher import Matcher
from monitor.pipeline.read import match_article
from monitor.pipeline.rows import content_hash, search_text
from notifiers import outbox
from storage.alerts import story_heard_elsewhere
from storage.models import Article as StoredArticle
from storage.models import TopicMatch as StoredMatch
from storage.revisions import add_revision, articles_to_recheck, mark_checked, mark_withdrawn

log = logging.getLogger("newsmon.recheck")

_GONE = re.compile(r"^HTTP (404|410)\b")
DIFF_CONTEXT = 1  # lines of context around each change: enough to read, short in an alert


@dataclass
class RecheckStats:
    checked: int = 0
    revised: int = 0
    withdrawn: int = 0
    errors: int = 0


def text_diff(old_title: str, old_body: str, new_title: str, new_body: str) -> str:
    """A unified diff of the readable text, title first, one paragraph per line."""
    before = [old_title, "", *old_body.splitlines()]
    after = [new_title, "", *new_body.splitlines()]
    lines = difflib.unified_diff(
        before, after, "trước (before)", "sau (after)", lineterm="", n=DIFF_CONTEXT
    )
    return "\n".join(lines)


def compares_text(source: Source) -> bool:
    """Whether the stored text came from the article's own page (see the module note)."""
    return source.follow and source.type != "feed"


def due_articles(
    engine: Engine, config: Config, now: datetime, every: timedelta, limit: int
) -> list[tuple[Source, StoredArticle]]:
    """Articles of enabled sources, young enough, not checked for `every`; oldest check first."""
    out: list[tuple[Source, StoredArticle]] = []
    with Session(engine, expire_on_commit=False) as session:
        for source in config.sources:
            if not source.enabled or len(out) >= limit:
                continue
            rows = articles_to_recheck(
                session,
                now,
                config.settings.recheck,
                now - every,
                limit - len(out),
                source_id=source.id,
            )
            out.extend((source, row) for row in rows)
    return out


async def recheck_due(
    engine: Engine,
    config: Config,
    fetcher: Fetcher,
    matcher: Matcher,
    now: datetime,
    *,
    every: timedelta = timedelta(hours=1),
    limit: int = 20,
) -> RecheckStats:
    """One round: re-read up to `limit` due articles concurrently (the fetcher keeps politeness)."""
    due = due_articles(engine, config, now, every, limit)
    outcomes = await asyncio.gather(
        *(recheck_article(engine, config, fetcher, matcher, s, a, now) for s, a in due)
    )
    stats = RecheckStats(checked=len(due))
    for outcome in outcomes:
        if outcome == "revised":
            stats.revised += 1
        elif outcome == "withdrawn":
            stats.withdrawn += 1
        elif outcome == "error":
            stats.errors += 1
    return stats


async def recheck_article(
    engine: Engine,
    config: Config,
    fetcher: Fetcher,
    matcher: Matcher,
    source: Source,
    stored: StoredArticle,
    now: datetime,
) -> str:
    """Fetch one article again; returns "same", "revised", "withdrawn" or "error"."""
    assert stored.id is not None
    try:
        result = await fetcher.fetch(
            stored.url,
            headers=source.headers,
            tls=TLSOptions.for_source(source),
            discovered=True,
            source_url=source.url,
        )
    except FetchError as exc:
        if _GONE.match(str(exc)):
            with Session(engine) as session:
                mark_withdrawn(session, stored.id, now)
            log.info("article %d of %s withdrawn (%s): %s", stored.id, source.id, exc, stored.url)
            return "withdrawn"
        log.info("recheck of article %d of %s failed: %s", stored.id, source.id, exc)
        _checked(engine, stored.id, now)  # try again after `every`, not at every tick
        return "error"
    if not compares_text(source):
        _checked(engine, stored.id, now)
        return "same"
    try:
        page = extract_article(
            result.url,
            result.content,
            result.content_type,
            source,
            tz=config.settings.tz,
            now=now,
        )
    except ExtractError as exc:
        log.info("recheck of article %d of %s unreadable: %s", stored.id, source.id, exc)
        _checked(engine, stored.id, now)
        return "error"
    title = page.title or stored.title
    body = page.body if page.body.strip() else stored.body  # an empty read is no edit
    digest = content_hash(title, body)
    if digest == stored.content_hash:
        _checked(engine, stored.id, now)
        return "same"
    matches = match_article(matcher, source, _with_text(page, title, body))
    before = _stored_topics(engine, stored.id)
    alerts = outbox.update_alerts(
        config, source, [*before, *(m.topic_id for m in matches)], stored.baseline
    )
    with Session(engine) as session:
        # a copy of a story a channel heard of through another copy: its edits are not news
        elsewhere = story_heard_elsewhere(session, stored.id, stored.story_id)
        alerts = [a for a in alerts if a.channel_id not in elsewhere]
        add_revision(
            session,
            stored.id,
            seen_at=now,
            title=title,
            body=body,
            content_hash=digest,
            diff=text_diff(stored.title, stored.body, title, body),
            search_text=search_text(title, body),
            matches=matches,
            alerts=alerts,
        )
    log.info(
        "article %d of %s edited: revision stored, %d update alert(s): %s",
        stored.id,
        source.id,
        len(alerts),
        stored.url,
    )
    return "revised"


def _with_text(page: Article, title: str, body: str) -> Article:
    return replace(page, title=title, body=body)


def _stored_topics(engine: Engine, article_id: int) -> Sequence[str]:
    """Topics the article matched before the edit: an edit that removes them is news too."""
    with Session(engine) as session:
        stmt = select(StoredMatch.topic_id).where(col(StoredMatch.article_id) == article_id)
        return list(session.exec(stmt))


def _checked(engine: Engine, article_id: int, now: datetime) -> None:
    with Session(engine) as session:
        mark_checked(session, article_id, now)
