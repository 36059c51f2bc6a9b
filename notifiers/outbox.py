"""The durable outbox's rules: which channels hear of an event, the alert rows for it, retries.

Write side (pure): `article_alerts`, `update_alerts` and `health_transition` turn an event into
`AlertSpec`s that the pipeline writes in the same transaction as the article, its revision or
the source's poll state (`enqueue_health` does the latter in the caller's session): an alert
exists exactly when its event was stored, and the unique (channel, kind, key) makes writing it
twice harmless. Keys name one event, never one poll: "article:<article id>",
"update:<revision id>", "health:<source>:<last success>", "recovered:<source>:<time>",
"layout:<source>:<time>".

Retry rules: `retry_delay` (1 min doubling to 1 h) and `gives_up` (failed once 48 h old). The
send side, which applies them, is notifiers/dispatch.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from monitor.config.models import Channel, Config, Source
from storage.alerts import (
    NewAlert,
    enqueue_alert,
)
from storage.models import PollLog
from storage.models import Source as SourceRow
from storage.sources import set_source_state

log = logging.getLogger("newsmon.outbox")

AlertKind = Literal["article", "update", "health", "recovered", "layout"]
HEALTH_KINDS: frozenset[str] = frozenset({"health", "recovered", "layout"})
LAYOUT_EMPTY_POLLS = 2  # a listing that used to yield items yields none this many polls running
LAYOUT_EMPTY_BODIES = (
    2  # article pages read with an empty body, polls running (one is a photo page)
)
LAYOUT_MESSAGE = "source changed its layout: check its selectors"

# retry policy: 1 min doubling to 1 h, until the alert is 48 h old (and tried a few times)
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
MAX_AGE = timedelta(hours=48)
MIN_ATTEMPTS = 3  # an alert queued before a long outage of newsmon still gets a few tries


AlertSpec = NewAlert  # channel_id, kind, key (None: "<kind>:<article or revision id>"), …


# ---------------------------------------------------------------- routing


def applicable_topics(source: Source, matched_topic_ids: Iterable[str]) -> list[str]:
    """The matched topics that count for this source (its `topics` narrows them), order kept."""
    allowed = None if source.topics is None else set(source.topics)
    seen: list[str] = []
    for topic_id in matched_topic_ids:
        if (allowed is None or topic_id in allowed) and topic_id not in seen:
            seen.append(topic_id)
    return seen


def channel_topics(channel: Channel, topic_ids: Sequence[str]) -> list[str]:
    """The topics of an article this channel wants (all of them when it names none)."""
    if channel.topics is None:
        return list(topic_ids)
    return [t for t in topic_ids if t in channel.topics]


def route(
    config: Config, source: Source, matched_topic_ids: Iterable[str], *, kind: str = "article"
) -> list[str]:
    """Ids of the enabled channels an event goes to.

    article: channels wanting one of the article's topics (as the source narrows them);
    update: the same, among channels with `updates: true`; health/recovered/layout: channels
    with `health: true`, topics aside.
    """
    channels = [c for c in config.channels if c.enabled]
    if kind in HEALTH_KINDS:
        return [c.id for c in channels if c.health]
    topics = applicable_topics(source, matched_topic_ids)
    if not topics:
        return []
    if kind == "update":
        channels = [c for c in channels if c.updates]
    elif kind != "article":
        raise ValueError(f"unknown alert kind {kind!r}")
    return [c.id for c in channels if channel_topics(c, topics)]


def _topic_ids(matches: Iterable[Any]) -> list[str]:
    """Topic ids from matcher results, stored matches or plain ids; unmatched results skipped."""
    out: list[str] = []
    for m in matches:
        if isinstance(m, str):
            out.append(m)
        elif getattr(m, "matched", True):
            out.append(m.topic_id)
    return out


def article_alerts(
    config: Config,
    source: Source,
    matches: Iterable[Any],
    baseline: bool,
    *,
    kind: Literal["article", "update"] = "article",
) -> list[AlertSpec]:
    """The alert rows for a newly stored (or, kind="update", edited) matched article.

    `matches`: the matcher's results (`.topic_id`, `.matched`) or topic ids. A baseline article
    (stored by a source's first poll) alerts nobody unless `settings.alert_on_first_poll`.
    Each row's payload names the topics that made it go to that channel.
    """
    if baseline and not config.settings.alert_on_first_poll:
        return []
    topics = applicable_topics(source, _topic_ids(matches))
    specs: list[AlertSpec] = []
    for channel_id in route(config, source, topics, kind=kind):
        channel = next(c for c in config.channels if c.id == channel_id)
        payload = {"topics": channel_topics(channel, topics)}
        specs.append(
            AlertSpec(channel_id=channel_id, kind=kind, payload=payload, source_id=source.id)
        )
    return specs


def update_alerts(
    config: Config, source: Source, matches: Iterable[Any], baseline: bool = False
) -> list[AlertSpec]:
    """Alert rows for a matched article's new revision (write with `revision_id=`)."""
    return article_alerts(config, source, matches, baseline, kind="update")


# ---------------------------------------------------------------- source health


@dataclass(frozen=True)
class PollOutcome:
    """What one poll says about a source's health (gathered by `enqueue_health`)."""

    ok: bool
    error: str | None = None
    failures: int = 0  # consecutive failed polls, this one included
    listing_items: int | None = None  # items the listing yielded; None: it was not read
    empty_listings: int = 0  # consecutive polls whose listing was read and empty, this one incl.
    yielded_before: bool = False  # some earlier poll found items on the listing
    articles_read: int = 0  # new article pages stored this poll
    empty_bodies: int = 0  # of those, how many came out with an empty body
    failing_since: datetime | None = None  # the failure streak's first poll
    streak: str = ""  # names the failure streak (its last success), for the alert key


@dataclass(frozen=True)
class HealthChange:
    health: str  # "ok" | "failing" | "layout": which health alert is open after this poll
    alerts: list[AlertSpec]


def _health_alerts(
    config: Config, source: Source, kind: AlertKind, key: str, payload: dict[str, Any]
) -> list[AlertSpec]:
    base = {"source_name": source.name or source.id, "url": str(source.url)}
    return [
        AlertSpec(
            channel_id=c, kind=kind, key=key, payload={**base, **payload}, source_id=source.id
        )
        for c in route(config, source, (), kind=kind)
    ]


def layout_problem(outcome: PollOutcome) -> str | None:
    """Why the source looks like it changed its layout, if it does.

    An empty listing where items used to be, 2 polls running; or new article pages that came
    out empty: at least 2, and at least half of those read (one photo page is no sign)."""
    if outcome.yielded_before and outcome.empty_listings >= LAYOUT_EMPTY_POLLS:
        return "the listing yielded no articles in the last polls"
    empty = outcome.empty_bodies
    if empty >= LAYOUT_EMPTY_BODIES and empty * 2 >= outcome.articles_read:
        return f"{empty} new article(s) came out with an empty body"
    return None


def health_transition(
    config: Config, source: Source, health: str, outcome: PollOutcome, now: datetime
) -> HealthChange:
    """The source's health after one poll and the alerts the change causes (pure).

    `health` is the state before the poll. One "health" alert when failures reach
    `settings.failure_alert_after` (not one per poll), one "recovered" when a poll works again;
    one "layout" alert when `layout_problem` says so, and "recovered" once the listing yields
    items and new articles have bodies again (so it waits for the next new article). An empty listing where items used to be counts
    as a layout problem, not a failure, even when the poll reports it as an error.
    """
    sid = source.id
    stamp = now.isoformat()
    layout = layout_problem(outcome)
    listing_broken = outcome.listing_items == 0 and outcome.yielded_before
    alerts: list[AlertSpec] = []
    if not outcome.ok and not listing_broken:
        if outcome.failures >= config.settings.failure_alert_after and health != "failing":
            since = outcome.failing_since or now
            payload = {"error": outcome.error or "unknown error", "since": since.isoformat()}
            key = f"health:{sid}:{outcome.streak or since.isoformat()}"
            return HealthChange("failing", _health_alerts(config, source, "health", key, payload))
        return HealthChange(health, [])
    bodies_ok = outcome.articles_read > 0 and layout is None
    if (health == "failing" and outcome.ok and layout is None) or (
        health == "layout" and bool(outcome.listing_items) and bodies_ok
    ):
        payload = {"since": stamp}
        alerts += _health_alerts(config, source, "recovered", f"recovered:{sid}:{stamp}", payload)
        health = "ok"
    if layout is not None and health != "layout":
        payload = {"error": f"{LAYOUT_MESSAGE} ({layout})", "since": stamp}
        alerts += _health_alerts(config, source, "layout", f"layout:{sid}:{stamp}", payload)
        health = "layout"
    return HealthChange(health, alerts)


def poll_outcome(session: Session, row: SourceRow, now: datetime) -> PollOutcome:
    """Read this poll's outcome from the source's row and its poll log (this poll included)."""
    recent: list[Any] = list(  # the columns only: no ORM objects for a poll log read once
        session.exec(
            select(PollLog.status, PollLog.items, PollLog.new)
            .where(PollLog.source_id == row.id)
            .order_by(col(PollLog.started_at).desc(), col(PollLog.id).desc())
            .limit(LAYOUT_EMPTY_POLLS)
        )
    )

    def was_read(poll: Any) -> bool:
        return poll.status is not None and 200 <= poll.status < 300

    last = recent[0] if recent else None
    listing_items = last.items if last is not None and was_read(last) else None
    empty_listings = 0
    for p in recent:
        if not was_read(p) or p.items:
            break
        empty_listings += 1
    # a recent poll with items answers it; only a source with none lately needs the query
    yielded = any((p.items or 0) > 0 for p in recent) or (
        session.exec(
            select(PollLog.id).where(PollLog.source_id == row.id, col(PollLog.items) > 0).limit(1)
        ).first()
        is not None
    )
    ok = row.consecutive_failures == 0
    since = None
    if not ok:
        first_failed = select(func.min(PollLog.started_at)).where(
            PollLog.source_id == row.id, col(PollLog.ok).is_(False)
        )
        if row.last_success_at is not None:
            first_failed = first_failed.where(col(PollLog.started_at) > row.last_success_at)
        since = session.exec(first_failed).first()
    return PollOutcome(
        ok=ok,
        error=row.last_error,
        failures=row.consecutive_failures,
        listing_items=listing_items,
        empty_listings=empty_listings,
        yielded_before=yielded,
        articles_read=last.new if ok and last is not None else 0,
        empty_bodies=row.empty_bodies if ok else 0,
        failing_since=since or (now if not ok else None),
        streak=(row.last_success_at.isoformat() if row.last_success_at else "never"),
    )


def enqueue_health(
    session: Session, config: Config, source: Source, row: SourceRow, now: datetime
) -> list[AlertSpec]:
    """After `record_poll(..., commit=False)`: queue the health alerts this poll causes and
    keep the source's new health state, in the caller's transaction (the caller commits)."""
    change = health_transition(config, source, row.health, poll_outcome(session, row, now), now)
    for spec in change.alerts:
        enqueue_alert(
            session,
            spec.channel_id,
            spec.kind,
            spec.key or "",
            now=now,
            source_id=spec.source_id,
            payload=spec.payload,
            commit=False,
        )
    if change.health != row.health:
        set_source_state(session, row.id, health=change.health, commit=False)
    return change.alerts


# ---------------------------------------------------------------- retry policy


def retry_delay(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed try: 1 min, 2, 4, … capped at 1 h."""
    return min(FIRST_RETRY * (2 ** max(0, min(attempts - 1, 20))), MAX_RETRY)


def gives_up(created_at: datetime, attempts: int, now: datetime) -> bool:
    """A failed alert is marked failed once it is 48 h old and was tried a few times."""
    return now - created_at >= MAX_AGE and attempts >= MIN_ATTEMPTS
