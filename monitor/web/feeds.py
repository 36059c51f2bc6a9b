"""Machine routes: `/feeds/{topic}.atom`, `/api/articles` (the JSON of `report --format json`),
`/healthz`. The articles come from the same query as `report` (storage.history)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from monitor.report.render import articles_json
from monitor.web.context import WebContext
from monitor.web.filters import BadQuery, parse_filters
from monitor.web.views import safe_url
from notifiers.render import clean
from storage.history import ReportFilter, report_articles

__all__ = ["FEED_SIZE", "api_articles", "atom", "healthz"]

FEED_SIZE = 50


def api_articles(request: Request, ctx: WebContext) -> Response:
    """Exactly `report --format json` with the same filters (`limit`: 100 unless given)."""
    try:
        q = parse_filters(ctx, request.query_params, api=True)
    except BadQuery as err:
        return JSONResponse({"error": str(err)}, status_code=400)
    articles, total = report_articles(ctx.read_db(), q.filter)
    body = articles_json(articles, total, ctx.config.settings.tz)
    return Response(body, media_type="application/json; charset=utf-8")


def atom(request: Request, ctx: WebContext) -> Response:
    from feedgen.feed import FeedGenerator

    topic_id = request.path_params["topic"]
    topic = ctx.config.topic(topic_id)
    if topic is None:
        return PlainTextResponse("no such topic", status_code=404)
    articles, _ = report_articles(ctx.read_db(), ReportFilter(topic=topic.id, limit=FEED_SIZE))
    base = str(request.base_url).rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{base}/feeds/{topic.id}.atom")
    fg.title(clean(f"newsmon: {topic.name}", oneline=True))
    fg.link(href=f"{base}/feeds/{topic.id}.atom", rel="self")
    fg.link(href=f"{base}/?topic={topic.id}", rel="alternate")
    fg.language("vi")
    newest = max((a.first_seen_at for a in articles), default=datetime(2000, 1, 1, tzinfo=UTC))
    fg.updated(newest)
    for a in reversed(articles):  # feedgen puts each new entry first: oldest in first
        entry = fg.add_entry()
        entry.id(f"{base}/articles/{a.id}")
        entry.title(clean(a.title, oneline=True) or "(no title)")
        entry.link(href=safe_url(a.url) or f"{base}/articles/{a.id}", rel="alternate")
        entry.updated(a.first_seen_at)
        if a.published_at is not None:
            entry.published(a.published_at)
        entry.author(name=a.source)
        entry.summary(clean(a.snippet, oneline=True))
        for hit in a.topics:
            entry.category(term=hit.id)
    return Response(fg.atom_str(pretty=True), media_type="application/atom+xml; charset=utf-8")


def healthz(request: Request, ctx: WebContext) -> Response:
    """200 "ok" when the database answers; 503 otherwise (the reason stays in the log)."""
    try:
        ctx.read_db().scalar("SELECT 1")
    except Exception:
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("ok")
