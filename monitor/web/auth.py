"""Who may label: `settings.web_token`, as `Authorization: Bearer …` or a session cookie.

Stateless: a session is a random id signed with the token (HMAC-SHA256), and its CSRF value is
another HMAC of the same id, so nothing is kept in memory and a changed token ends every
session. Every comparison is constant-time (hmac.compare_digest). Without a configured token
nobody may write: the view is read-only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request

__all__ = ["COOKIE", "bearer_ok", "csrf_of", "new_session", "session_id", "token_ok"]

COOKIE = "newsmon_session"


def _sign(token: str, purpose: str, sid: str) -> str:
    return hmac.new(token.encode(), f"{purpose}:{sid}".encode(), hashlib.sha256).hexdigest()


def token_ok(token: str | None, given: str | None) -> bool:
    """Whether `given` is the configured token (False when none is configured)."""
    if not token or not given:
        return False
    return hmac.compare_digest(token.encode(), given.encode())


def bearer_ok(request: Request, token: str | None) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token_ok(token, value.strip())


def new_session(token: str) -> str:
    """A cookie value: a random id and its signature."""
    sid = secrets.token_urlsafe(24)
    return f"{sid}.{_sign(token, 'session', sid)}"


def session_id(request: Request, token: str | None) -> str | None:
    """The id of a valid session cookie, else None."""
    if not token:
        return None
    sid, _, signature = request.cookies.get(COOKIE, "").partition(".")
    if not sid or not signature:
        return None
    if not hmac.compare_digest(signature.encode(), _sign(token, "session", sid).encode()):
        return None
    return sid


def csrf_of(token: str, sid: str) -> str:
    """The CSRF value the session's forms carry."""
    return _sign(token, "csrf", sid)


def csrf_ok(token: str, sid: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(csrf_of(token, sid).encode(), (given or "").encode())
