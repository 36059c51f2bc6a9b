"""Sources and their poll state: the configured sources mirrored in the database, one
poll-log row per poll, the validators (ETag, Last-Modified), failures and health state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    Engine,
    bindparam,
    func,
    insert,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import (
    PollLog,
    Source,
)
from storage.txn import chunks, unit


class SourceLike(Protocol):
    """What `sync_sources` needs of a configured source (monitor.config.models.Source fits)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...


def sync_sources(
    session: Session | Engine, sources: Iterable[SourceLike] | Any, *, commit: bool = True
) -> None:
    """Insert configured sources not yet stored and refresh the name and URL of the others.

    Sources gone from the configuration keep their rows (and history). Accepts an Engine (a
    session is opened) and a Config (its `.sources`) for the CLI's convenience.
    """
    if isinstance(session, Engine):
        with Session(session, expire_on_commit=False) as own:
            sync_sources(own, sources, commit=True)
        return
    wanted = list(getattr(sources, "sources", sources))
    with unit(session, commit):
        stored = {s.id: s for s in session.exec(select(Source))}
        new = [
            {"id": src.id, "name": src.name, "url": str(src.url)}
            for src in wanted
            if src.id not in stored
        ]
        if new:  # several daemons starting at once insert the same rows: the first one wins
            session.connection().execute(_insert_new(session), new)
        for src in wanted:
            row = stored.get(src.id)
            if row is not None and (row.name, row.url) != (src.name, str(src.url)):
                row.name, row.url = src.name, str(src.url)


def _insert_new(session: Session) -> Any:
    """INSERT … ON CONFLICT (id) DO NOTHING of source rows, on SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return make(Source).on_conflict_do_nothing(index_elements=["id"])


def get_source(session: Session, source_id: str) -> Source | None:
    return session.get(Source, source_id)


def list_sources(session: Session) -> list[Source]:
    return list(session.exec(select(Source).order_by(col(Source.id))))


def _source(session: Session, source_id: str) -> Source:
    row = session.get(Source, source_id)
    if row is None:
        raise LookupError(f"source {source_id!r} is not stored (sync_sources first)")
    return row


def record_poll(
    session: Session,
    source_id: str,
    *,
    started_at: datetime,
    duration_ms: int,
    ok: bool,
    status: int | None = None,
    items: int = 0,
    new: int = 0,
    updated: int = 0,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    empty_bodies: int | None = None,
    commit: bool = True,
) -> Source:
    """Keep one poll's outcome: the source's state and counters, and a PollLog row, together.

    A success clears the failure count and marks the source baselined; a failure counts up and
    keeps the error line. `etag`/`last_modified` replace the stored ones when given; an ok poll
    with no items (other than a 304) counts as an empty poll.
    """
    with unit(session, commit):
        src = _source(session, source_id)
        src.last_poll_at = started_at
        src.polls += 1
        src.poll_ms_total += max(0, duration_ms)
        if ok:
            src.last_success_at = started_at
            src.consecutive_failures = 0
            src.last_error = error  # an ok poll may still carry a warning
            src.baselined = True
            if status != 304:
                src.empty_polls = src.empty_polls + 1 if items == 0 else 0
            if etag is not None:
                src.etag = etag
            if last_modified is not None:
                src.last_modified = last_modified
            if new:
                src.last_new_at = started_at
        else:
            src.consecutive_failures += 1
            src.last_error = error
        if empty_bodies is not None:
            src.empty_bodies = empty_bodies
        session.add(
            PollLog(
                source_id=source_id,
                started_at=started_at,
                duration_ms=max(0, duration_ms),
                ok=ok,
                status=status,
                items=items,
                new=new,
                updated=updated,
                error=error,
            )
        )
    return src


@dataclass(frozen=True, slots=True)
class UnchangedPoll:
    """One successful poll that got a 304: what `record_unchanged_polls` keeps of it."""

    source_id: str
    started_at: datetime
    duration_ms: int
    etag: str | None = None
    last_modified: str | None = None


class PollStateRow(Protocol):
    """What `poll_states` gives for each source (a light row, not a tracked object)."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...
    @property
    def baselined(self) -> bool: ...
    @property
    def health(self) -> str: ...


def poll_states(session: Session, source_ids: Iterable[str]) -> dict[str, PollStateRow]:
    """The poll state of these sources, in one query per 500 ids (a poll pass reads its
    sources' validators and health once, not once per source)."""
    columns = (Source.id, Source.url, Source.etag, Source.last_modified, Source.baselined)
    rows: dict[str, PollStateRow] = {}
    for chunk in chunks(sorted(set(source_ids))):
        stmt = select(*columns, Source.health).where(  # type: ignore[call-overload]
            col(Source.id).in_(chunk)
        )
        rows.update((r.id, r) for r in session.exec(stmt))
    return rows


def record_unchanged_polls(
    session: Session, polls: Sequence[UnchangedPoll], *, commit: bool = True
) -> None:
    """Keep many 304 polls at once: for each, what `record_poll(ok=True, status=304,
    empty_bodies=0)` keeps, as one UPDATE and one INSERT executed over all of them."""
    if not polls:
        return
    table, log = Source.__table__, PollLog.__table__  # type: ignore[attr-defined]
    when = table.c.last_poll_at.type
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            last_poll_at=bindparam("b_at", type_=when),
            last_success_at=bindparam("b_at", type_=when),
            polls=table.c.polls + 1,
            poll_ms_total=table.c.poll_ms_total + bindparam("b_ms"),
            consecutive_failures=0,
            last_error=None,
            baselined=True,
            empty_bodies=0,
            etag=func.coalesce(bindparam("b_etag", type_=table.c.etag.type), table.c.etag),
            last_modified=func.coalesce(
                bindparam("b_lm", type_=table.c.last_modified.type), table.c.last_modified
            ),
        )
    )
    with unit(session, commit):
        connection = session.connection()
        connection.execute(
            stmt,
            [
                {
                    "b_id": p.source_id,
                    "b_at": p.started_at,
                    "b_ms": max(0, p.duration_ms),
                    "b_etag": p.etag,
                    "b_lm": p.last_modified,
                }
                for p in polls
            ],
        )
        connection.execute(
            insert(log),
            [
                {
                    "source_id": p.source_id,
                    "started_at": p.started_at,
                    "duration_ms": max(0, p.duration_ms),
                    "ok": True,
                    "status": 304,
                    "items": 0,
                    "new": 0,
                    "updated": 0,
                    "error": None,
                }
                for p in polls
            ],
        )


def set_source_state(
    session: Session,
    source_id: str,
    *,
    health: str | None = None,
    empty_bodies: int | None = None,
    commit: bool = True,
) -> Source:
    """Set the health-alert state ("ok" | "failing" | "layout") and/or the empty-body count."""
    with unit(session, commit):
        src = _source(session, source_id)
        if health is not None:
            src.health = health
        if empty_bodies is not None:
            src.empty_bodies = empty_bodies
    return src
