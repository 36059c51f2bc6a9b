"""The read side of `show` and `sources`: one article with everything about it, source health.

Read-only queries over a Session (SQLite and PostgreSQL alike); `report`, whose start-up
matters most, reads through storage.history without SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import Alert, Article, Label, Revision, Source, SourceLease, TopicMatch

__all__ = ["ArticleDetail", "SourceHealth", "article_detail", "source_health"]

# --- show -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    """Everything `show` prints about one article."""

    article: Article
    source_name: str | None
    matches: list[TopicMatch] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    same_story: list[Article] = field(default_factory=list)  # the story's other copies


def find_article(session: Session, ref: str) -> Article | None:
    """By id ("42") or by URL (as stored; a trailing slash more or less is forgiven)."""
    ref = ref.strip()
    if ref.isdigit():
        return session.get(Article, int(ref))
    candidates = {ref, ref.rstrip("/"), ref.rstrip("/") + "/"}
    stmt = select(Article).where(col(Article.url).in_(sorted(candidates)))
    return session.exec(stmt).first()


def article_detail(session: Session, ref: str) -> ArticleDetail | None:
    article = find_article(session, ref)
    if article is None or article.id is None:
        return None
    source = session.get(Source, article.source_id)
    matches = session.exec(
        select(TopicMatch)
        .where(col(TopicMatch.article_id) == article.id)
        .order_by(col(TopicMatch.score).desc(), col(TopicMatch.topic_id))
    ).all()
    revisions = session.exec(
        select(Revision)
        .where(col(Revision.article_id) == article.id)
        .order_by(col(Revision.seen_at), col(Revision.id))
    ).all()
    alerts = session.exec(
        select(Alert)
        .where(col(Alert.article_id) == article.id)
        .order_by(col(Alert.created_at), col(Alert.id))
    ).all()
    labels = session.exec(
        select(Label).where(col(Label.article_id) == article.id).order_by(col(Label.topic_id))
    ).all()
    copies = session.exec(
        select(Article)
        .where(col(Article.story_id) == (article.story_id or article.id))
        .where(col(Article.id) != article.id)
        .order_by(col(Article.first_seen_at), col(Article.id))
    ).all()
    return ArticleDetail(
        article,
        source.name if source else None,
        list(matches),
        list(revisions),
        list(alerts),
        list(labels),
        list(copies),
    )


# --- sources --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source's state for `sources`: the stored poll state plus its article counts."""

    source: Source
    articles: int
    last_article_at: datetime | None
    lease: SourceLease | None = None  # several daemons: who holds or last held its lease

    @property
    def ok(self) -> bool:
        return self.source.consecutive_failures == 0 and self.source.health == "ok"

    @property
    def avg_poll_ms(self) -> int | None:
        s = self.source
        return round(s.poll_ms_total / s.polls) if s.polls else None


def source_health(session: Session) -> list[SourceHealth]:
    """Every stored source, problems first (most consecutive failures first), then by id."""
    stmt = sa_select(
        col(Article.source_id), func.count(), func.max(Article.first_seen_at)
    ).group_by(col(Article.source_id))
    counts = {sid: (n, last) for sid, n, last in session.execute(stmt).all()}
    leases = {lease.source_id: lease for lease in session.exec(select(SourceLease)).all()}
    rows = []
    for src in session.exec(select(Source)).all():
        n, last = counts.get(src.id, (0, None))
        if isinstance(last, str):  # SQLite hands back max() of the stored text as text
            last = datetime.fromisoformat(last).replace(tzinfo=UTC)
        elif isinstance(last, datetime) and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        rows.append(SourceHealth(src, int(n), last, leases.get(src.id)))
    rows.sort(key=lambda h: (h.ok, -h.source.consecutive_failures, h.source.id))
    return rows
