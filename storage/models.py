"""The tables. Every datetime column is `UTCDateTime`: aware UTC in, aware UTC out, on both databases.

Constraint and index names are explicit so the hand-written migrations and `compare_metadata`
agree on SQLite and PostgreSQL alike. Schema changes need a new migration in storage/migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

__all__ = [
    "Alert",
    "Article",
    "ChannelState",
    "Daemon",
    "Label",
    "PollLog",
    "Revision",
    "Source",
    "SourceLease",
    "TopicMatch",
    "UTCDateTime",
    "as_utc",
]


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is a bug upstream, so it is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} (newsmon stores only aware datetimes)"
        )
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; returns aware UTC.

    SQLite has no time zone type: `DateTime(timezone=True)` there silently drops the offset, so the
    value is converted to UTC first and stored naive (the strings then also sort chronologically).
    PostgreSQL keeps `timestamptz`, read back and converted to UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _Table(SQLModel):
    """Base of the tables: an assigned datetime becomes UTC at once, so objects kept by the
    session after commit read the same as rows loaded from the database."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, datetime):
            value = as_utc(value)
        super().__setattr__(name, value)


def _when(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime(), nullable=nullable, index=index)


class Source(_Table, table=True):
    """A configured source and its poll state (conditional GET, health, counters)."""

    __tablename__ = "sources"

    id: str = Field(primary_key=True)  # the config id
    name: str
    url: str = Field(sa_type=Text())
    etag: str | None = None
    last_modified: str | None = None  # the HTTP header as received
    last_poll_at: datetime | None = _when()
    last_success_at: datetime | None = _when()
    consecutive_failures: int = 0
    last_error: str | None = Field(default=None, sa_type=Text())
    baselined: bool = False  # the first successful poll is done
    empty_polls: int = 0  # consecutive successful polls that yielded no items
    empty_bodies: int = 0  # consecutive article pages read with an empty body
    health: str = "ok"  # "ok" | "failing" | "layout": which health alert is open
    polls: int = 0
    poll_ms_total: int = 0
    last_new_at: datetime | None = _when()


class SourceLease(_Table, table=True):
    """Which daemon holds a source's poll lease and until when (database clock), and when a
    poll under a lease last started: how several daemons on PostgreSQL share the sources."""

    __tablename__ = "source_leases"
    __table_args__ = (Index("ix_source_leases_owner", "owner"),)

    source_id: str = Field(primary_key=True, foreign_key="sources.id", ondelete="CASCADE")
    owner: str | None = None  # "host:pid" of the holder (or the last holder, once released)
    expires_at: datetime | None = _when()  # lapses then unless renewed; None: released
    polled_at: datetime | None = _when()  # when the last poll under a lease started


class Daemon(_Table, table=True):
    """A running `newsmon run` on PostgreSQL ("host:pid"); alive while `expires_at` is ahead."""

    __tablename__ = "daemons"

    name: str = Field(primary_key=True)
    started_at: datetime = _when(nullable=False)
    expires_at: datetime = _when(nullable=False)


class Article(_Table, table=True):
    """One stored article, by canonical URL; the row holds its current version."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("url", name="uq_articles_url"),
        Index("ix_articles_first_seen_at", "first_seen_at"),
        Index("ix_articles_source_first_seen", "source_id", "first_seen_at"),
        Index("ix_articles_story_id", "story_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key="sources.id")
    url: str = Field(sa_type=Text())
    title: str = Field(sa_type=Text())
    published_at: datetime | None = _when()
    first_seen_at: datetime = _when(nullable=False)
    body: str = Field(default="", sa_type=Text())
    summary: str | None = Field(default=None, sa_type=Text())
    content_hash: str  # sha256 hex of the normalised title + body
    baseline: bool = False  # stored on a source's first poll: never alerted
    last_checked_at: datetime | None = _when()
    withdrawn_at: datetime | None = _when()
    search_text: str = Field(default="", sa_type=Text())  # folded text for search
    story_id: int | None = None  # the earliest stored copy's id (storage/stories.py)


class Revision(_Table, table=True):
    """A new version of an article seen at `seen_at`, with the diff from the version before."""

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_article_id", "article_id"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id", ondelete="CASCADE")
    seen_at: datetime = _when(nullable=False)
    title: str = Field(sa_type=Text())
    body: str = Field(sa_type=Text())
    diff: str = Field(default="", sa_type=Text())
    content_hash: str


class TopicMatch(_Table, table=True):
    """Why an article matched a topic: score, [term, count] pairs, snippet and hit spans in it."""

    __tablename__ = "topic_matches"
    __table_args__ = (
        UniqueConstraint("article_id", "topic_id", name="uq_topic_matches_article_topic"),
        Index("ix_topic_matches_topic_article", "topic_id", "article_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id", ondelete="CASCADE")
    topic_id: str
    score: float
    terms: list[Any] = Field(default_factory=list, sa_type=JSON())  # [[term, count], ...]
    snippet: str = Field(default="", sa_type=Text())
    spans: list[Any] = Field(default_factory=list, sa_type=JSON())  # [[start, end], ...]


class Alert(_Table, table=True):
    """The durable outbox: one row per (channel, kind, key), whatever happens to its delivery."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("channel_id", "kind", "key", name="uq_alerts_channel_kind_key"),
        Index("ix_alerts_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_alerts_article_id", "article_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str
    kind: str  # "article" | "update" | "health" | "recovered" | "digest" | "layout"
    key: str  # "article:42", "update:7", "health:src:3"
    article_id: int | None = Field(default=None, foreign_key="articles.id", ondelete="SET NULL")
    source_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON())
    status: str = "pending"  # "pending" | "sent" | "failed"
    attempts: int = 0
    created_at: datetime = _when(nullable=False)
    next_attempt_at: datetime = _when(nullable=False)
    last_error: str | None = Field(default=None, sa_type=Text())
    sent_at: datetime | None = _when()


class ChannelState(_Table, table=True):
    """Per-channel state that outlives restarts: when the last digest went out."""

    __tablename__ = "channel_state"

    channel_id: str = Field(primary_key=True)
    last_digest_at: datetime | None = _when()


class PollLog(_Table, table=True):
    """One row per poll of a source: the `poll --json` record, kept for history and timing."""

    __tablename__ = "poll_log"
    __table_args__ = (Index("ix_poll_log_source_started", "source_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key="sources.id")
    started_at: datetime = _when(nullable=False)
    duration_ms: int = Field(default=0, sa_type=Integer())
    ok: bool
    status: int | None = None  # HTTP status, None when no response came
    items: int = 0
    new: int = 0
    updated: int = 0
    error: str | None = Field(default=None, sa_type=Text())


class Label(_Table, table=True):
    """A person's judgment: is this article about the topic? The last word per pair stays."""

    __tablename__ = "labels"
    __table_args__ = (
        UniqueConstraint("article_id", "topic_id", name="uq_labels_article_topic"),
        Index("ix_labels_topic", "topic_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id", ondelete="CASCADE")
    topic_id: str
    verdict: bool
    labelled_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    origin: str = Field(default="cli")  # cli or web
