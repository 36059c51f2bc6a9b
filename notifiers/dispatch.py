"""The dispatcher: claim the due alerts, send each through apprise (notifiers/deliver.py), mark
it sent or schedule a retry by the outbox's rules (notifiers/outbox.py: 1 min doubling to 1 h,
failed once 48 h old), and send the digests that are due.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from monitor.config.models import Channel, Config
from notifiers.deliver import DeliveryResult, prepare, send
from notifiers.digest import alert_content, digest_due_at, digest_parts, pending_digest
from notifiers.outbox import HEALTH_KINDS, gives_up, retry_delay
from notifiers.render import AlertContent, Rendered
from storage.alerts import (
    get_channel_state,
    mark_failed,
    mark_retry,
    mark_sent,
    set_last_digest,
)
from storage.leases import SessionLocks
from storage.models import Alert

log = logging.getLogger("newsmon.outbox")


LEASE = timedelta(minutes=15)  # a claimed alert is left alone this long (crash: then retried)
DIGEST_MAX = 1000  # alerts gathered into one digest pass
_warned: set[str] = set()  # channels whose stranded alerts were already logged


@dataclass
class DispatchStats:
    """What one dispatch pass did, counted in alerts (a digest counts every alert it carried)."""

    sent: int = 0
    failed: int = 0  # could not be delivered in this pass (retried later or given up)
    retried: int = 0  # of those: still queued for a later attempt
    gave_up: int = 0  # of those: marked failed (too old)
    messages: int = 0  # messages the services accepted
    stranded: dict[str, int] = field(default_factory=dict)  # pending, channel gone or disabled


async def dispatch_due(
    engine: Engine,
    config: Config,
    now: datetime,
    *,
    limit: int = 100,
    locks: SessionLocks | None = None,
) -> DispatchStats:
    """Send what is due: instant alerts, due digests, health alerts (also of digest channels).

    Channels run concurrently and independently (a slow or failing service never holds up
    another); within a channel one message is in flight at a time, at most `limit` alerts
    each. Each alert is claimed before it is sent and marked right after: a crash between the
    service accepting a message and the mark can repeat that one message (after LEASE).
    Alerts of channels that are gone or disabled stay pending and are reported in `stranded`.

    On PostgreSQL several daemons dispatch: a channel's round is one dispatcher's turn (an
    advisory lock per channel, on `locks`' connection, or one of this call's own), the others
    skip that channel until the next round; so one message per channel is in flight across all
    daemons, and a digest's slot is checked and recorded by one of them.
    """
    stats = DispatchStats()
    own_locks = locks is None and engine.dialect.name == "postgresql"
    if own_locks:
        locks = SessionLocks(engine, "newsmon channel")
    try:
        await _dispatch_all(engine, config, now, limit, locks, stats)
    finally:
        if own_locks and locks is not None:
            locks.close()
    return stats


async def _dispatch_all(
    engine: Engine,
    config: Config,
    now: datetime,
    limit: int,
    locks: SessionLocks | None,
    stats: DispatchStats,
) -> None:
    channels = [c for c in config.channels if c.enabled]
    with Session(engine) as session:
        stats.stranded = _stranded(session, {c.id for c in channels})
    for channel_id, count in stats.stranded.items():
        if channel_id not in _warned:  # once per process: the daemon dispatches every minute
            _warned.add(channel_id)
            log.warning(
                "%d alert(s) wait for channel %s, not enabled in the config", count, channel_id
            )
    results = await asyncio.gather(
        *(_channel_turn(engine, config, c, now, limit, stats, locks) for c in channels),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise errors[0]


async def _channel_turn(
    engine: Engine,
    config: Config,
    channel: Channel,
    now: datetime,
    limit: int,
    stats: DispatchStats,
    locks: SessionLocks | None,
) -> None:
    """The channel's round, if no other dispatcher is in its own round of this channel."""
    if locks is not None and not locks.try_lock(channel.id):
        return
    try:
        await _dispatch_channel(engine, config, channel, now, limit, stats)
    finally:
        if locks is not None:
            locks.unlock(channel.id)


def _stranded(session: Session, enabled: set[str]) -> dict[str, int]:
    stmt = (
        select(Alert.channel_id, func.count())
        .where(Alert.status == "pending", col(Alert.channel_id).not_in(enabled or {""}))
        .group_by(Alert.channel_id)
    )
    return {channel_id: int(n) for channel_id, n in session.exec(stmt)}


def _due(session: Session, channel: Channel, now: datetime, limit: int) -> list[Alert]:
    """Due alerts sent one by one: every kind for instant channels, health kinds for digest."""
    stmt = (
        select(Alert)
        .where(Alert.channel_id == channel.id, Alert.status == "pending")
        .where(col(Alert.next_attempt_at) <= now)
        .order_by(col(Alert.next_attempt_at), col(Alert.id))
        .limit(limit)
    )
    if channel.mode == "digest":
        stmt = stmt.where(col(Alert.kind).in_(sorted(HEALTH_KINDS)))
    return list(session.exec(stmt))


async def _dispatch_channel(
    engine: Engine,
    config: Config,
    channel: Channel,
    now: datetime,
    limit: int,
    stats: DispatchStats,
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        batch = [(a, alert_content(session, config, a)) for a in _due(session, channel, now, limit)]
    for alert, content in batch:
        await _deliver(engine, config, channel, [alert], content, now, stats)
    if channel.mode == "digest":
        await _dispatch_digest(engine, config, channel, now, stats)


async def _dispatch_digest(
    engine: Engine, config: Config, channel: Channel, now: datetime, stats: DispatchStats
) -> None:
    """One digest when its slot has come (and no part of it waits for a retry)."""
    with Session(engine, expire_on_commit=False) as session:
        alerts = pending_digest(session, channel.id, DIGEST_MAX)
        if not alerts:
            return
        state = get_channel_state(session, channel.id)
        last = state.last_digest_at if state is not None else None
        due = digest_due_at(last, min(a.created_at for a in alerts), channel.digest_every)
        if now < max(due, *(a.next_attempt_at for a in alerts)):
            return
        entries = [(a, alert_content(session, config, a)) for a in alerts]

    def render_for(content: AlertContent) -> Rendered:
        return prepare(channel.url, content, config.settings.tz, channel.format)

    for part in digest_parts(entries, render_for):
        digest = AlertContent(kind="digest", entries=[c for _, c in part])
        rows = [a for a, _ in part]
        if not await _deliver(engine, config, channel, rows, digest, now, stats, digest=True):
            return


def _claim(engine: Engine, alert_ids: list[int], now: datetime) -> bool:
    """Take the alerts for this sender: due and pending, all of them, or none (another
    dispatcher, e.g. `poll` beside the daemon or another daemon, is sending them). On
    PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED: two claimers never wait on each
    other, and one of them gets each alert."""
    claimable = (  # rows another dispatcher is claiming right now are skipped, not waited for
        select(Alert.id)
        .where(col(Alert.id).in_(alert_ids), col(Alert.status) == "pending")
        .where(col(Alert.next_attempt_at) <= now)
        .with_for_update(skip_locked=True)
    )
    with Session(engine) as session:
        result = session.execute(
            update(Alert)
            .where(col(Alert.id).in_(claimable.scalar_subquery()))
            .values(next_attempt_at=now + LEASE)
        )
        if int(result.rowcount or 0) != len(alert_ids):  # type: ignore[attr-defined]
            session.rollback()
            return False
        session.commit()
    return True


async def _deliver(
    engine: Engine,
    config: Config,
    channel: Channel,
    alerts: list[Alert],
    content: AlertContent,
    now: datetime,
    stats: DispatchStats,
    *,
    digest: bool = False,
) -> bool:
    """Send one message carrying `alerts` and record the outcome; True if it was accepted."""
    ids = [a.id for a in alerts if a.id is not None]
    if not _claim(engine, ids, now):
        return False
    try:
        rendered = prepare(channel.url, content, config.settings.tz, channel.format)
        result = await asyncio.to_thread(send, channel.url, rendered)
    except Exception as exc:  # a rendering bug: the alert waits, the others go on
        log.exception("alerts %s for channel %s could not be rendered", ids, channel.id)
        result = DeliveryResult(False, f"internal error: {type(exc).__name__}")
    with Session(engine) as session:
        if result.ok:
            mark_sent(session, ids, now, commit=False)
            if digest:
                set_last_digest(session, channel.id, now, commit=False)
            session.commit()
            stats.sent += len(ids)
            stats.messages += 1
            log.info("channel %s: sent %s (%d alert(s))", channel.id, content.kind, len(ids))
            return True
        error = result.error or "delivery failed"
        _record_failure(session, alerts, error, now, stats)
        session.commit()
    log.warning("channel %s: %s not delivered: %s", channel.id, content.kind, error)
    return False


def _record_failure(
    session: Session, alerts: list[Alert], error: str, now: datetime, stats: DispatchStats
) -> None:
    stats.failed += len(alerts)
    given_up = [a.id for a in alerts if gives_up(a.created_at, a.attempts + 1, now)]
    if given_up:
        mark_failed(session, [i for i in given_up if i is not None], error, commit=False)
        stats.gave_up += len(given_up)
    retry: dict[datetime, list[int]] = {}
    for a in alerts:
        if a.id is not None and a.id not in given_up:
            retry.setdefault(now + retry_delay(a.attempts + 1), []).append(a.id)
    for next_at, ids in retry.items():
        mark_retry(session, ids, error, next_at, commit=False)
        stats.retried += len(ids)
