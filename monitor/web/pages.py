"""The HTML pages: `/` (matched articles), `/articles/{id}`, `/sources`, `/alerts`.

Each handler parses its parameters, runs the read path `report` and `show` use
(storage.history, storage.queries) and hands plain values to a template (views.page).
Handlers are plain functions: Starlette runs them in its thread pool, off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import HTMLResponse

from monitor.web.context import WebContext
from monitor.web.filters import PAGE_SIZE, BadQuery, parse_filters
from monitor.web.highlight import highlight
from monitor.web.views import page
from storage.history import report_articles
from storage.rows import ReportArticle

__all__ = ["Story", "alerts_page", "article_page", "group_copies", "index", "sources_page"]


@dataclass(frozen=True, slots=True)
class Story:
    """One line of `/`: an article and the other copies of its story shown under it."""

    lead: ReportArticle
    copies: tuple[ReportArticle, ...] = ()


def group_copies(articles: Sequence[ReportArticle]) -> list[Story]:
    """The page's articles as stories, in the page's order (the newest copy leads).

    The hook for story grouping: `ReportArticle` carries no story id yet (being built beside
    this view); once it has one (`story`), copies sharing it go under their lead here, and
    the template already shows `copies`."""
    stories: dict[Any, list[ReportArticle]] = {}
    for a in articles:
        key = getattr(a, "story", None) or ("article", a.id)
        stories.setdefault(key, []).append(a)
    return [Story(group[0], tuple(group[1:])) for group in stories.values()]


def error_page(request: Request, ctx: WebContext, status: int, message: str) -> HTMLResponse:
    return page(request, ctx, "error.html", status=status, status_code=status, message=message)


def index(request: Request, ctx: WebContext) -> HTMLResponse:
    try:
        q = parse_filters(ctx, request.query_params)
    except BadQuery as err:
        return error_page(request, ctx, 400, str(err))
    articles, total = report_articles(ctx.read_db(), q.filter)
    pages = max(1, -(-total // PAGE_SIZE))
    return page(
        request,
        ctx,
        "index.html",
        stories=group_copies(articles),
        total=total,
        page_no=q.page,
        pages=pages,
        params=q.params,
        sources=sorted(s.id for s in ctx.config.sources),
    )


def _why(ctx: WebContext, title: str, body: str) -> tuple[list[Any], str | None]:
    """A fresh match of the stored text with the current topics (and models)."""
    try:
        return list(ctx.matcher().match(title, body)), None
    except Exception as err:  # a broken model file must not take the page down
        return [], f"could not score the text again: {type(err).__name__}"


def article_page(request: Request, ctx: WebContext) -> HTMLResponse:
    from storage.queries import article_detail

    article_id = int(request.path_params["article_id"])
    with Session(ctx.engine) as session:
        detail = article_detail(session, str(article_id))
    if detail is None:
        return error_page(request, ctx, 404, f"no stored article with id {article_id}")
    a = detail.article
    fresh, fresh_error = _why(ctx, a.title, a.body)
    terms = {str(t[0]) for m in detail.matches for t in m.terms}
    terms |= {str(t[0]) for m in fresh if m.matched for t in m.terms}  # as scored now
    folded = {t.id for t in ctx.config.topics if t.fold_diacritics}
    fold = any(m.topic_id in folded for m in detail.matches)
    return page(
        request,
        ctx,
        "article.html",
        detail=detail,
        article=a,
        title_pieces=highlight(a.title, terms, fold),
        body_pieces=highlight(a.body or "", terms, fold),
        fresh=[m for m in fresh if m.matched or m.score > 0 or m.why is not None],
        fresh_error=fresh_error,
        same_story=getattr(detail, "same_story", []),  # stories: filled once built
        label_of={lb.topic_id: lb for lb in detail.labels},
        topic_names={t.id: t.name for t in ctx.config.topics},
        done=request.query_params.get("labelled"),
    )


def sources_page(request: Request, ctx: WebContext) -> HTMLResponse:
    from storage.models import Source
    from storage.queries import SourceHealth, source_health

    with Session(ctx.engine) as session:
        rows = source_health(session)
    stored = {h.source.id for h in rows}
    rows += [
        SourceHealth(Source(id=s.id, name=s.name, url=str(s.url)), 0, None)
        for s in ctx.config.sources
        if s.id not in stored
    ]
    configured = {s.id: s.enabled for s in ctx.config.sources}

    def rank(h: SourceHealth) -> tuple[int, int, str]:
        s = h.source
        if s.id not in configured or not configured[s.id]:
            return (5 if s.id in configured else 6, 0, s.id)
        if s.consecutive_failures:
            return (0, -s.consecutive_failures, s.id)
        if s.health != "ok":
            return (1, 0, s.id)
        return (2 if s.polls == 0 else 3, 0, s.id)

    rows.sort(key=rank)
    return page(request, ctx, "sources.html", rows=rows, configured=configured)


ALERT_STATUSES = ("pending", "failed", "sent")


def alerts_page(request: Request, ctx: WebContext) -> HTMLResponse:
    from storage.alerts import list_alerts
    from storage.models import Article

    status = request.query_params.get("status") or None
    if status is not None and status not in ALERT_STATUSES:
        return error_page(request, ctx, 400, "status must be pending, failed or sent")
    with Session(ctx.engine) as session:
        rows = list_alerts(session, statuses=[status] if status else None, limit=200)
        ids = sorted({r.article_id for r in rows if r.article_id is not None})
        titles = dict(
            session.exec(select(Article.id, Article.title).where(col(Article.id).in_(ids))).all()
        )
    return page(
        request, ctx, "alerts.html", rows=rows, titles=titles, status_filter=status,
        statuses=ALERT_STATUSES,
    )  # fmt: skip
