"""The Starlette app of the web view: routes, error pages, shutdown.

`create_app(ctx)` wires the handlers (pages, actions, feeds, metrics) to their paths, each
handed the one WebContext. Errors are pages without detail: the traceback goes to the log
(secrets scrubbed by the log filter), the person sees one line.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.web import actions, feeds, metrics, pages
from monitor.web.context import WebContext

__all__ = ["create_app"]

log = logging.getLogger("newsmon.web")


def _bind(handler: Callable[..., Any], ctx: WebContext) -> Callable[..., Any]:
    return partial(handler, ctx=ctx)


def create_app(ctx: WebContext) -> Starlette:
    reg = metrics.registry(ctx)

    def metrics_route(request: Request) -> Response:
        return metrics.metrics(request, ctx, reg)

    routes = [
        Route("/", _bind(pages.index, ctx)),
        Route("/articles/{article_id:int}", _bind(pages.article_page, ctx)),
        Route("/articles/{article_id:int}/labels", _bind(actions.label, ctx), methods=["POST"]),
        Route("/sources", _bind(pages.sources_page, ctx)),
        Route("/alerts", _bind(pages.alerts_page, ctx)),
        Route("/login", _bind(actions.login_form, ctx), methods=["GET"]),
        Route("/login", _bind(actions.login, ctx), methods=["POST"]),
        Route("/logout", _bind(actions.logout, ctx), methods=["POST"]),
        Route("/feeds/{topic}.atom", _bind(feeds.atom, ctx)),
        Route("/api/articles", _bind(feeds.api_articles, ctx)),
        Route("/metrics", metrics_route),
        Route("/healthz", _bind(feeds.healthz, ctx)),
    ]

    def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {404: "no such page", 405: "method not allowed"}.get(status, "request refused")
        if request.url.path.startswith(("/api/", "/feeds/", "/metrics")):
            return JSONResponse({"error": message}, status_code=status)
        return pages.error_page(request, ctx, status, message)

    def server_error(request: Request, exc: Exception) -> Response:
        log.error("web: %s %s failed", request.method, request.url.path, exc_info=exc)
        message = "something went wrong on the server (details in its log)"
        if request.url.path.startswith(("/api/", "/feeds/", "/metrics")):
            return JSONResponse({"error": message}, status_code=500)
        return pages.error_page(request, ctx, 500, message)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        ctx.close()

    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
