"""The read side of the history: `report` rows and counts, one article for `show`, source health.

Read-only queries over a Session (SQLite and PostgreSQL alike); the renderers get plain
dataclasses (monitor.report) and never touch the database. An article's date is its published
date, else the time newsmon first saw it (`ix_articles_when` of migration 0002 indexes exactly
that expression). "Matched" means the article has at least one topic match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from monitor.report import Count, ReportArticle, TopicHit
from storage.models import Alert, Article, Revision, Source, TopicMatch
from storage.search import SearchQuery, apply_search, search_snippet

__all__ = [
    "ArticleDetail",
    "ReportFilter",
    "SourceHealth",
    "article_detail",
    "report_articles",
    "report_counts",
    "source_health",
]

BY = ("day", "source", "topic")
article_when = func.coalesce(Article.published_at, Article.first_seen_at)
_SNIPPET = 200


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """What `report` narrows the history to; None means "no limit" for every field."""

    since: datetime | None = None
    until: datetime | None = None  # exclusive
    topic: str | None = None
    source: str | None = None
    search: SearchQuery | None = None
    all: bool = False  # also articles that matched no topic
    limit: int | None = None


def _filtered(stmt: Select[Any], f: ReportFilter, *, matched: bool = True) -> Select[Any]:
    if f.since is not None:
        stmt = stmt.where(article_when >= f.since)
    if f.until is not None:
        stmt = stmt.where(article_when < f.until)
    if f.source is not None:
        stmt = stmt.where(col(Article.source_id) == f.source)
    if matched and (f.topic is not None or not f.all):
        hits = sa_select(TopicMatch.article_id)
        if f.topic is not None:
            hits = hits.where(col(TopicMatch.topic_id) == f.topic)
        stmt = stmt.where(col(Article.id).in_(hits))
    return stmt


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def report_articles(session: Session, f: ReportFilter) -> tuple[list[ReportArticle], int]:
    """The articles of the report, newest first (best first when searching), and how many
    articles the filters select in all (before `limit`)."""
    columns = (
        Article.id,
        Article.url,
        Article.title,
        Article.source_id,
        Article.published_at,
        Article.first_seen_at,
        Article.summary,
    )
    stmt = _filtered(sa_select(*columns), f)
    count = _filtered(sa_select(func.count()).select_from(Article), f)
    order: list[Any] = []
    if f.search is not None:
        stmt, rank = apply_search(stmt, _dialect(session), f.search)
        count, _ = apply_search(count, _dialect(session), f.search)
        order.append(rank)
    order += [article_when.desc(), col(Article.id).desc()]
    stmt = stmt.order_by(*order)
    if f.limit is not None:
        stmt = stmt.limit(f.limit)
    rows = session.execute(stmt).all()
    total = len(rows) if f.limit is None or len(rows) < f.limit else session.scalar(count) or 0
    ids = [r.id for r in rows]
    topics = _topic_hits(session, ids)
    snippets = _snippets(session, ids, topics, f.search)
    articles = [
        ReportArticle(
            id=r.id,
            url=r.url,
            title=r.title,
            source=r.source_id,
            published_at=r.published_at,
            first_seen_at=r.first_seen_at,
            topics=tuple(hit for hit, _ in topics.get(r.id, ())),
            snippet=snippets.get(r.id) or _shorten(r.summary or ""),
        )
        for r in rows
    ]
    return articles, total


def _chunks(ids: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _topic_hits(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[TopicHit, str]]]:
    """Each article's topic matches, best score first, with their snippets."""
    found: dict[int, list[tuple[TopicHit, str]]] = {}
    for chunk in _chunks(ids):
        stmt = select(TopicMatch).where(col(TopicMatch.article_id).in_(chunk))
        for m in session.exec(stmt):
            terms = tuple(str(t[0]) for t in m.terms)
            found.setdefault(m.article_id, []).append(
                (TopicHit(m.topic_id, m.score, terms), m.snippet)
            )
    for hits in found.values():
        hits.sort(key=lambda h: (-h[0].score, h[0].id))
    return found


def _shorten(text: str, width: int = _SNIPPET) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[: cut if cut > width // 2 else width] + "…"


def _snippets(
    session: Session,
    ids: Sequence[int],
    topics: dict[int, list[tuple[TopicHit, str]]],
    search: SearchQuery | None,
) -> dict[int, str]:
    """Around the search hit when searching; else the best match's snippet; else the lead."""
    out = {i: hits[0][1] for i, hits in topics.items() if hits and hits[0][1]}
    wanted = list(ids) if search is not None else [i for i in ids if i not in out]
    for chunk in _chunks(wanted):
        stmt = sa_select(Article.id, Article.title, Article.body).where(col(Article.id).in_(chunk))
        for row in session.execute(stmt):
            if search is not None:
                out[row.id] = search_snippet(row.title, row.body, search, _SNIPPET)
            elif row.body:
                out[row.id] = _shorten(row.body)
    return out


def report_counts(session: Session, f: ReportFilter, by: str, tz: tzinfo) -> list[Count]:
    """`report --by day|source|topic`: articles per local day (oldest first), per source or
    per topic (most first). An article with two topics counts once under each."""
    if by == "day":
        return _per_day(session, f, tz)
    if by == "source":
        stmt = _filtered(sa_select(Article.source_id, func.count()), f)
        stmt = stmt.group_by(col(Article.source_id))
    elif by == "topic":
        stmt = sa_select(TopicMatch.topic_id, func.count()).join(
            Article, col(Article.id) == col(TopicMatch.article_id)
        )
        stmt = _filtered(stmt, f, matched=False)
        if f.topic is not None:
            stmt = stmt.where(col(TopicMatch.topic_id) == f.topic)
        stmt = stmt.group_by(col(TopicMatch.topic_id))
    else:
        raise ValueError(f"cannot count by {by!r} (day, source or topic)")
    if f.search is not None:
        stmt, _ = apply_search(stmt, _dialect(session), f.search)
    counts = [Count(key, n) for key, n in session.execute(stmt).all()]
    if by == "topic" and f.all and f.topic is None:
        none = sa_select(func.count()).select_from(Article)
        none = _filtered(none, f, matched=False).where(
            col(Article.id).not_in(sa_select(TopicMatch.article_id))
        )
        if f.search is not None:
            none, _ = apply_search(none, _dialect(session), f.search)
        unmatched = session.scalar(none) or 0
        if unmatched:
            counts.append(Count(None, unmatched))
    counts.sort(key=lambda c: (-c.articles, c.key or "\uffff"))
    return counts[: f.limit] if f.limit is not None else counts


def _per_day(session: Session, f: ReportFilter, tz: tzinfo) -> list[Count]:
    """Counted per UTC hour in the database, then summed per day in `tz` (exact for every zone
    whose offset is a whole number of hours, Asia/Ho_Chi_Minh among them)."""
    dialect = _dialect(session)
    hour: ColumnElement[Any]
    if dialect == "sqlite":
        hour = func.strftime("%Y-%m-%d %H", article_when)
    else:
        hour = func.to_char(func.timezone("UTC", article_when), "YYYY-MM-DD HH24")
    stmt = _filtered(sa_select(hour, func.count()), f).group_by(hour)
    if f.search is not None:
        stmt, _ = apply_search(stmt, dialect, f.search)
    per_day: Counter[str] = Counter()
    for key, n in session.execute(stmt).all():
        start = datetime.strptime(key, "%Y-%m-%d %H").replace(tzinfo=UTC)
        per_day[start.astimezone(tz).date().isoformat()] += n
    counts = [Count(day, n) for day, n in sorted(per_day.items())]
    return counts[-f.limit :] if f.limit else counts


# --- show -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    """Everything `show` prints about one article."""

    article: Article
    source_name: str | None
    matches: list[TopicMatch] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


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
    return ArticleDetail(
        article, source.name if source else None, list(matches), list(revisions), list(alerts)
    )


# --- sources --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source's state for `sources`: the stored poll state plus its article counts."""

    source: Source
    articles: int
    last_article_at: datetime | None

    @property
    def ok(self) -> bool:
        return self.source.consecutive_failures == 0 and self.source.health == "ok"

    @property
    def avg_poll_ms(self) -> int | None:
        s = self.source
        return round(s.poll_ms_total / s.polls) if s.polls else None


def source_health(session: Session) -> list[SourceHealth]:
    """Every stored source, problems first (most consecutive failures first), then by id."""
    stmt = sa_select(Article.source_id, func.count(), func.max(Article.first_seen_at)).group_by(
        col(Article.source_id)
    )
    counts = {sid: (n, last) for sid, n, last in session.execute(stmt).all()}
    rows = []
    for src in session.exec(select(Source)).all():
        n, last = counts.get(src.id, (0, None))
        if isinstance(last, str):  # SQLite hands back max() of the stored text as text
            last = datetime.fromisoformat(last).replace(tzinfo=UTC)
        elif isinstance(last, datetime) and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        rows.append(SourceHealth(src, int(n), last))
    rows.sort(key=lambda h: (h.ok, -h.source.consecutive_failures, h.source.id))
    return rows
