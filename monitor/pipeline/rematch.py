"""Score stored articles again (``newsmon rematch``) after a topic or its model changed.

Batches of articles are read in id order, matched with the current topics, and their rows for
those topics replaced in one transaction per batch: idempotent, and safe to interrupt. Old
articles alert nobody unless ``alert`` is set; then the articles that match now and did not
before are queued for the channels that want them (the outbox's key keeps it once).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.match.matcher import compile_topics

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from monitor.config.models import Config, Source
    from storage.rescore import StoredText

__all__ = ["rematch_all"]

BATCH = 500


def rematch_all(
    config: Config,
    engine: Engine,
    topic_ids: list[str],
    since: datetime | None,
    *,
    now: Callable[[], datetime],
    alert: bool = False,
    progress: Any = None,  # a rich Progress, on a terminal
) -> dict[str, int]:
    """Rescore and replace; returns counts: articles, matched, added, removed, alerts."""
    from sqlmodel import Session

    from storage.matches import match_rows
    from storage.rescore import count_articles, iter_articles, matched_before, replace_matches

    matcher = compile_topics(config.topics)
    sources = {s.id: s for s in config.sources}
    totals = {"articles": 0, "matched": 0, "added": 0, "removed": 0, "alerts": 0}
    with Session(engine) as session:
        task = None
        if progress is not None:
            progress.start()
            task = progress.add_task("rematch", total=count_articles(session, since))
        try:
            for batch in iter_articles(session, since, BATCH):
                ids = [a.id for a in batch]
                before = matched_before(session, ids, topic_ids)
                rows = {}
                now_matched: set[tuple[int, str]] = set()
                for a in batch:
                    results = [m for m in matcher.match(a.title, a.body, topic_ids) if m.matched]
                    rows[a.id] = match_rows(a.id, results)
                    now_matched.update((a.id, m.topic_id) for m in results)
                replace_matches(session, ids, topic_ids, rows)
                totals["articles"] += len(batch)
                totals["matched"] += len(now_matched)
                totals["added"] += len(now_matched - before)
                totals["removed"] += len(before - now_matched)
                if alert:
                    totals["alerts"] += _queue(
                        session, config, sources, batch, now_matched - before, now()
                    )
                if task is not None:
                    progress.advance(task, len(batch))
        finally:
            if progress is not None:
                progress.stop()
    return totals


def _queue(
    session: Session,
    config: Config,
    sources: dict[str, Source],
    batch: list[StoredText],
    added: set[tuple[int, str]],
    now: datetime,
) -> int:
    from notifiers import outbox
    from storage.alerts import enqueue_alert

    queued = 0
    by_article: dict[int, list[str]] = {}
    for article_id, topic_id in sorted(added):
        by_article.setdefault(article_id, []).append(topic_id)
    source_of = {a.id: a.source_id for a in batch}
    story_of = {a.id: a.story_id or a.id for a in batch}
    for article_id, topics in by_article.items():
        source = sources.get(source_of[article_id])
        if source is None:
            continue
        for spec in outbox.article_alerts(config, source, topics, baseline=False):
            queued += enqueue_alert(
                session,
                spec.channel_id,
                spec.kind,
                f"article:{story_of[article_id]}",  # one alert per story, as a poll keys it
                now=now,
                article_id=article_id,
                source_id=spec.source_id,
                payload=spec.payload,
            )
    return queued
