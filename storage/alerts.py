"""The alert outbox's rows: enqueue (the unique (channel, kind, key) makes it idempotent),
the due and pending queries, sent / retry / failed marks, requeue, digest state.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    case,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import (
    Alert,
    ChannelState,
)
from storage.txn import chunks, unit


@dataclass(frozen=True, slots=True)
class NewAlert:
    """An alert to enqueue with an article or revision; `key` defaults to "<kind>:<row id>"."""

    channel_id: str
    kind: str = "article"
    key: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    source_id: str | None = None


def alert_rows(
    alerts: Iterable[NewAlert],
    now: datetime,
    *,
    row_id: int | None = None,
    article_id: int | None = None,
    source_id: str | None = None,
    next_attempt_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows of these alerts; a missing key becomes "<kind>:<row_id>"."""
    return [
        {
            "channel_id": a.channel_id,
            "kind": a.kind,
            "key": a.key or f"{a.kind}:{row_id}",
            "article_id": article_id,
            "source_id": a.source_id or source_id,
            "payload": a.payload,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": next_attempt_at or now,
        }
        for a in alerts
    ]


def alert_insert(session: Session) -> Any:
    """INSERT … ON CONFLICT (channel_id, kind, key) DO NOTHING, on SQLite and PostgreSQL, to
    execute with a list of rows (one statement, cached)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(Alert).on_conflict_do_nothing(index_elements=["channel_id", "kind", "key"])


def insert_alerts(
    session: Session,
    alerts: Iterable[NewAlert],
    now: datetime,
    *,
    row_id: int | None = None,
    article_id: int | None = None,
    source_id: str | None = None,
    next_attempt_at: datetime | None = None,
) -> int:
    """Insert the alerts' rows, skipping those already in the outbox; returns how many were
    new. A missing key becomes "<kind>:<row_id>"."""
    rows = alert_rows(
        alerts,
        now,
        row_id=row_id,
        article_id=article_id,
        source_id=source_id,
        next_attempt_at=next_attempt_at,
    )
    if not rows:
        return 0
    stmt = alert_insert(session).returning(Alert.__table__.c.id)  # type: ignore[attr-defined]
    # the rows RETURNING gives back are the inserted ones (rowcount is -1 under psycopg)
    return len(session.connection().execute(stmt, rows).all())


def enqueue_alert(
    session: Session,
    channel_id: str,
    kind: str,
    key: str,
    *,
    now: datetime,
    article_id: int | None = None,
    source_id: str | None = None,
    payload: dict[str, Any] | None = None,
    next_attempt_at: datetime | None = None,
    commit: bool = True,
) -> bool:
    """Queue one alert; False when (channel, kind, key) is already in the outbox (a no-op)."""
    alert = NewAlert(channel_id, kind, key, payload or {}, source_id)
    with unit(session, commit):
        n = insert_alerts(
            session, [alert], now, article_id=article_id, next_attempt_at=next_attempt_at
        )
    return n == 1


def story_heard_elsewhere(session: Session, article_id: int, story_id: int | None) -> set[str]:
    """The channels that heard of this article's story through another copy: an edit of this
    copy is no news to them (they follow the copy they were alerted about)."""
    stmt = select(Alert.channel_id).where(
        Alert.kind == "article",
        Alert.key == f"article:{story_id or article_id}",
        col(Alert.article_id) != article_id,
    )
    return set(session.exec(stmt))


def due_alerts(
    session: Session, now: datetime, limit: int = 100, *, channel_ids: Collection[str] | None = None
) -> list[Alert]:
    """Pending alerts whose next attempt is due, oldest due first."""
    stmt = (
        select(Alert)
        .where(Alert.status == "pending")
        .where(col(Alert.next_attempt_at) <= now)
        .order_by(col(Alert.next_attempt_at), col(Alert.id))
        .limit(limit)
    )
    if channel_ids is not None:
        stmt = stmt.where(col(Alert.channel_id).in_(list(channel_ids)))
    return list(session.exec(stmt))


def pending_for_channel(
    session: Session, channel_id: str, *, kinds: Collection[str] | None = None
) -> list[Alert]:
    """Every pending alert of one channel, oldest first (what a digest gathers)."""
    stmt = (
        select(Alert)
        .where(Alert.channel_id == channel_id)
        .where(Alert.status == "pending")
        .order_by(col(Alert.created_at), col(Alert.id))
    )
    if kinds is not None:
        stmt = stmt.where(col(Alert.kind).in_(list(kinds)))
    return list(session.exec(stmt))


def list_alerts(
    session: Session, *, statuses: Collection[str] | None = None, limit: int = 200
) -> list[Alert]:
    """The outbox, newest first (for `newsmon alerts`)."""
    stmt = select(Alert).order_by(col(Alert.created_at).desc(), col(Alert.id).desc()).limit(limit)
    if statuses is not None:
        stmt = stmt.where(col(Alert.status).in_(list(statuses)))
    return list(session.exec(stmt))


def _ids(alert_ids: int | Iterable[int]) -> list[int]:
    return [alert_ids] if isinstance(alert_ids, int) else list(alert_ids)


def _set_alerts(
    session: Session, alert_ids: int | Iterable[int], commit: bool, **values: Any
) -> None:
    with unit(session, commit):
        for chunk in chunks(_ids(alert_ids)):
            session.execute(
                update(Alert)
                .where(col(Alert.id).in_(chunk))
                .values(attempts=Alert.attempts + 1, **values)
                .execution_options(synchronize_session="fetch")
            )


def mark_sent(
    session: Session, alert_ids: int | Iterable[int], now: datetime, *, commit: bool = True
) -> None:
    """Delivered (one alert, or all alerts a digest carried)."""
    _set_alerts(session, alert_ids, commit, status="sent", sent_at=now, last_error=None)


def mark_retry(
    session: Session,
    alert_ids: int | Iterable[int],
    error: str,
    next_at: datetime,
    *,
    commit: bool = True,
) -> None:
    """A delivery failed; try again at `next_at` (the attempt is counted)."""
    _set_alerts(session, alert_ids, commit, last_error=error, next_attempt_at=next_at)


def mark_failed(
    session: Session, alert_ids: int | Iterable[int], error: str, *, commit: bool = True
) -> None:
    """Given up on (permanent error or too many attempts); `requeue` brings it back."""
    _set_alerts(session, alert_ids, commit, status="failed", last_error=error)


def requeue(
    session: Session,
    statuses: Collection[str] = ("failed",),
    *,
    now: datetime,
    commit: bool = True,
) -> int:
    """Make alerts with these statuses pending and due now (`alerts --retry`); failed ones get
    a fresh attempt count. Returns how many alerts changed."""
    with unit(session, commit):
        result = session.execute(
            update(Alert)
            .where(col(Alert.status).in_(list(statuses)))
            .values(
                status="pending",
                next_attempt_at=now,
                attempts=case((col(Alert.status) == "failed", 0), else_=col(Alert.attempts)),
            )
            .execution_options(synchronize_session="fetch")
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def get_channel_state(session: Session, channel_id: str) -> ChannelState | None:
    return session.get(ChannelState, channel_id)


def set_last_digest(
    session: Session, channel_id: str, at: datetime, *, commit: bool = True
) -> ChannelState:
    with unit(session, commit):
        state = session.get(ChannelState, channel_id)
        if state is None:
            state = ChannelState(channel_id=channel_id)
            session.add(state)
        state.last_digest_at = at
    return state
