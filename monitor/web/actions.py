"""The writes of the web view: labels, and opening or closing a session with the token.

`POST /articles/{id}/labels` takes `Authorization: Bearer <settings.web_token>` (answers JSON),
or a session cookie plus the form's CSRF value (answers with a redirect to the article); any
other request gets 403, and so does every request while no token is configured. The label is
the same row `newsmon label` writes (storage.labels.set_label, origin "web").
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from monitor.report.render import iso
from monitor.web.auth import COOKIE, bearer_ok, csrf_ok, new_session, session_id, token_ok
from monitor.web.context import WebContext
from monitor.web.pages import error_page
from monitor.web.views import page

__all__ = ["label", "login", "login_form", "logout"]

SESSION_AGE = 30 * 86400


def _forbidden(request: Request, ctx: WebContext, bearer: bool) -> Response:
    message = (
        "labelling is off: settings.web_token is not set"
        if not ctx.token
        else "labelling needs the token (Authorization: Bearer, or sign in)"
    )
    if bearer or "html" not in request.headers.get("accept", ""):
        return JSONResponse({"error": message}, status_code=403)
    return error_page(request, ctx, 403, message)


async def label(request: Request, ctx: WebContext) -> Response:
    from starlette.concurrency import run_in_threadpool

    from storage.labels import set_label
    from storage.models import Article

    token = ctx.token
    form = await request.form()
    bearer = bearer_ok(request, token)
    if not bearer:
        sid = session_id(request, token)
        csrf = form.get("csrf")
        if token is None or sid is None or not csrf_ok(token, sid, str(csrf or "")):
            return _forbidden(request, ctx, "authorization" in request.headers)
    article_id = int(request.path_params["article_id"])
    topic, verdict = str(form.get("topic") or ""), str(form.get("verdict") or "")
    if ctx.config.topic(topic) is None or verdict not in ("yes", "no"):
        message = "form needs a known topic and verdict yes or no"
        if bearer:
            return JSONResponse({"error": message}, status_code=400)
        return error_page(request, ctx, 400, message)

    def write() -> tuple[bool, str | None]:
        with Session(ctx.engine) as session:
            if session.get(Article, article_id) is None:
                return False, None
            row = set_label(session, article_id, topic, verdict == "yes", ctx.now(), origin="web")
            return True, iso(row.labelled_at, ctx.config.settings.tz)

    found, at = await run_in_threadpool(write)
    if not found:
        if bearer:
            return JSONResponse({"error": "no such article"}, status_code=404)
        return error_page(request, ctx, 404, f"no stored article with id {article_id}")
    if bearer:
        return JSONResponse({"id": article_id, "topic": topic, "verdict": verdict, "at": at})
    return RedirectResponse(f"/articles/{article_id}?labelled={topic}#labels", status_code=303)


def login_form(request: Request, ctx: WebContext) -> Response:
    return page(request, ctx, "login.html", failed=False, back=_back(request))


def _local_path(value: object) -> str:
    """Where to go after signing in: a path of this site only (never `//host` or `/\\host`)."""
    back = str(value or "/")
    ok = back.startswith("/") and back[1:2] not in ("/", "\\") and back.isprintable()
    return back if ok else "/"


def _back(request: Request) -> str:
    return _local_path(request.query_params.get("back"))


async def login(request: Request, ctx: WebContext) -> Response:
    form = await request.form()
    back = _local_path(form.get("back"))
    token = ctx.token
    if token is None or not token_ok(token, str(form.get("token") or "")):
        return page(request, ctx, "login.html", status=403, failed=True, back=back)
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        COOKIE, new_session(token), max_age=SESSION_AGE, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    return response


async def logout(request: Request, ctx: WebContext) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
