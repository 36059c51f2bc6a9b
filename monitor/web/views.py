"""The templates (jinja2, autoescape on) and the small filters they use.

Every string a page shows comes from a page newsmon read, so it is hostile: autoescape escapes
it, `safe_url` lets only http(s) links through (anything else is shown as text), `clean` drops
control and bidi-override characters. Templates live in templates/, one per page.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from monitor.logsetup import secret_filter
from monitor.report.render import iso, local
from monitor.web.auth import csrf_of, session_id
from monitor.web.context import WebContext
from notifiers.render import clean

__all__ = ["page", "safe_url"]

TEMPLATES = Path(__file__).with_name("templates")

# No script, no frames, no plugins; styles only from the page itself.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s) with a host, else None (shown as text, never a link)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["clean"] = lambda text: clean(text)
    env.filters["oneline"] = lambda text: clean(text, oneline=True)
    env.filters["scrub"] = lambda text: secret_filter.scrub(clean(text, oneline=True))
    return env


ENV = _env()


def page(
    request: Request, ctx: WebContext, name: str, status: int = 200, **values: Any
) -> HTMLResponse:
    tz: tzinfo = ctx.config.settings.tz
    now = ctx.now()
    token = ctx.token
    sid = session_id(request, token)

    def when(value: datetime | None) -> str:
        return local(value, tz)

    def when_iso(value: datetime | None) -> str:
        return iso(value, tz) or ""

    def link(path: str, params: dict[str, str], **more: Any) -> str:
        merged = {**params, **{k: str(v) for k, v in more.items() if v is not None}}
        return path + ("?" + urlencode(merged) if merged else "")

    html = ENV.get_template(name).render(
        request_path=request.url.path,
        writable=bool(token),
        signed_in=sid is not None,
        csrf=csrf_of(token, sid) if token and sid else "",
        topics=ctx.config.topics,
        now=now,
        when=when,
        when_iso=when_iso,
        link=link,
        **values,
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)
