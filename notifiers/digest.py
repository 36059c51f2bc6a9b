"""Reading the outbox: what a stored alert says, and when and how a digest goes out.

An alert row holds only keys (article, revision, topics, health details); the message is built
from the stored article and matches at send time, so a retry shows the same article and a
digest shows every article it carries. The digest rules are pure: `digest_due_at` (when) and
`digest_parts` (which alerts share one message, so none is cut off by a length limit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar, cast

from sqlmodel import Session, col, select

from monitor.config.models import Config
from notifiers.render import AlertContent, Kind, Rendered, TopicHit
from storage.models import Alert, Article, Revision, TopicMatch
from storage.models import Source as SourceRow

DIGEST_KINDS: tuple[str, ...] = ("article", "update")  # what a digest channel batches
NOT_SHOWN = "not shown here"  # render's tail line when a digest body had to leave entries out

T = TypeVar("T")


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _source_name(session: Session, config: Config, source_id: str | None) -> str:
    if not source_id:
        return ""
    configured = config.source(source_id)
    if configured is not None and configured.name:
        return configured.name
    stored = session.get(SourceRow, source_id)
    return (stored.name if stored is not None else "") or source_id


def topic_hits(config: Config, matches: Sequence[TopicMatch]) -> list[TopicHit]:
    """Stored matches as the message shows them: the topic's name, score, matched terms."""
    hits = []
    for m in sorted(matches, key=lambda m: -m.score):
        topic = config.topic(m.topic_id)
        name = (topic.name if topic is not None else "") or m.topic_id
        hits.append(TopicHit(name, m.score, [str(t[0]) for t in m.terms if t]))
    return hits


def _article_content(session: Session, config: Config, alert: Alert) -> AlertContent:
    kind: Literal["article", "update"] = "update" if alert.kind == "update" else "article"
    article = session.get(Article, alert.article_id) if alert.article_id is not None else None
    if article is None:  # deleted since: say so rather than lose the alert
        return AlertContent(
            kind=kind,
            title=f"(article {alert.key} is no longer stored)",
            source_name=_source_name(session, config, alert.source_id),
        )
    matches = list(session.exec(select(TopicMatch).where(TopicMatch.article_id == article.id)))
    wanted = alert.payload.get("topics") if isinstance(alert.payload, dict) else None
    chosen = [m for m in matches if m.topic_id in wanted] if wanted else matches
    chosen = chosen or matches
    best = max(chosen, key=lambda m: m.score, default=None)
    diff = None
    if kind == "update":
        revision_id = alert.payload.get("revision_id") or alert.key.rpartition(":")[2]
        revision = session.get(Revision, int(revision_id)) if str(revision_id).isdigit() else None
        diff = revision.diff if revision is not None else None
    return AlertContent(
        kind=kind,
        also=story_sources(session, config, article),
        title=article.title,
        url=article.url,
        source_name=_source_name(session, config, article.source_id),
        published_at=article.published_at,
        topics=topic_hits(config, chosen),
        snippet=best.snippet if best is not None else (article.summary or ""),
        spans=[(int(a), int(b)) for a, b in best.spans] if best is not None else [],
        diff=diff,
    )


def story_sources(session: Session, config: Config, article: Article) -> list[str]:
    """The names of the other sources that carry this article's story (its copies), in the
    order they were first seen; the article's own source is left out."""
    if article.story_id is None:
        return []
    stmt = (
        select(Article.source_id)
        .where(Article.story_id == article.story_id, Article.id != article.id)
        .order_by(col(Article.first_seen_at), col(Article.id))
    )
    seen: list[str] = []
    for source_id in session.exec(stmt):
        if source_id != article.source_id and source_id not in seen:
            seen.append(source_id)
    return [_source_name(session, config, s) for s in seen]


def _health_content(session: Session, config: Config, alert: Alert) -> AlertContent:
    """health ("source failing"), layout ("layout changed") with the reason; recovered."""
    payload = alert.payload if isinstance(alert.payload, dict) else {}
    name = payload.get("source_name") or _source_name(session, config, alert.source_id)
    return AlertContent(
        kind=cast(Kind, alert.kind) if alert.kind in ("recovered", "layout") else "health",
        url=str(payload.get("url") or ""),
        source_name=str(name),
        published_at=_when(payload.get("since")) or alert.created_at,
        error=str(payload.get("error") or ""),
    )


def alert_content(session: Session, config: Config, alert: Alert) -> AlertContent:
    """The message content of one stored alert, from the rows it points to."""
    if alert.kind in ("article", "update"):
        return _article_content(session, config, alert)
    return _health_content(session, config, alert)


def pending_digest(session: Session, channel_id: str, limit: int) -> list[Alert]:
    """A digest channel's pending article/update alerts, oldest first."""
    stmt = (
        select(Alert)
        .where(Alert.channel_id == channel_id, Alert.status == "pending")
        .where(col(Alert.kind).in_(DIGEST_KINDS))
        .order_by(col(Alert.created_at), col(Alert.id))
        .limit(limit)
    )
    return list(session.exec(stmt))


# ---------------------------------------------------------------- digest rules (pure)


def digest_due_at(
    last_digest_at: datetime | None, oldest_pending: datetime, every: timedelta
) -> datetime:
    """When the digest holding an alert queued at `oldest_pending` goes out.

    Digests keep their cadence: the first slot `every` after the last digest (or, before any
    digest, `every` after the oldest alert) that is not before that alert. A slot that passed
    while newsmon was down is due at once; messages are never closer than `every`.
    """
    if last_digest_at is None:
        return oldest_pending + every
    slots = max(1, math.ceil((oldest_pending - last_digest_at) / every))
    return last_digest_at + slots * every


def digest_order(entries: Sequence[tuple[T, AlertContent]]) -> list[tuple[T, AlertContent]]:
    """Entries grouped by their main topic (as the digest shows them), oldest first within."""
    first_seen: dict[str, int] = {}
    for i, (_, content) in enumerate(entries):
        first_seen.setdefault(_main_topic(content), i)
    indexed = list(enumerate(entries))
    indexed.sort(key=lambda p: (first_seen[_main_topic(p[1][1])], p[0]))
    return [entry for _, entry in indexed]


def _main_topic(content: AlertContent) -> str:
    hits = sorted((TopicHit(*t) for t in content.topics), key=lambda t: -t.score)
    return hits[0].name if hits else "Other"


def digest_parts(
    entries: Sequence[tuple[T, AlertContent]],
    render: Callable[[AlertContent], Rendered],
    *,
    max_entries: int = 200,
) -> list[list[tuple[T, AlertContent]]]:
    """Split the entries into messages that each show every entry they carry.

    Each part is the longest run (binary search) whose rendered digest leaves nothing out, so
    marking a part's alerts sent never marks an article the reader did not get."""
    ordered = digest_order(entries)
    parts: list[list[tuple[T, AlertContent]]] = []

    def fits(run: Sequence[tuple[T, AlertContent]]) -> bool:
        body = render(AlertContent(kind="digest", entries=[c for _, c in run])).body
        return NOT_SHOWN not in body

    while ordered:
        high = min(len(ordered), max_entries)
        if not fits(ordered[:high]):
            low = 1  # one entry always goes, even if the service can't show it whole
            while low < high - 1:
                middle = (low + high) // 2
                if fits(ordered[:middle]):
                    low = middle
                else:
                    high = middle
            high = low
        parts.append(list(ordered[:high]))
        ordered = ordered[high:]
    return parts
