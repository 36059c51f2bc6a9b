"""The one place a fetch failure becomes words: "timeout after 20s", "HTTP 403",
"response over 5MB". That line feeds last_error, `poll` and the health alerts."""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

import httpx


def failure_reason(exc: BaseException, url: str, *, timeout: float) -> str:
    """The user's one-line reason for an exception raised while fetching `url`."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return f"timeout after {_seconds(timeout)}"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL scheme '{urlsplit(url).scheme}'"
    if isinstance(exc, httpx.InvalidURL | ValueError):
        return "invalid URL"
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or cause.reason or "unknown reason"
            return f"TLS certificate verify failed: {detail}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {cause.reason or cause}"
        if isinstance(cause, socket.gaierror):
            return f"DNS lookup failed for {urlsplit(url).hostname}"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed by server"
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ProxyError):
        return f"proxy error: {first}"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {first}"
    return f"{type(exc).__name__}: {first}"


def is_permanent(exc: httpx.TransportError) -> bool:
    """Errors another attempt cannot fix: a rejected certificate, a scheme or request httpx
    refuses. (Refused connections, resets and dropped handshakes are worth retrying.)"""
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return True
    return any(isinstance(c, ssl.SSLCertVerificationError) for c in _chain(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    """exc and its causes/contexts, outermost first (httpx wraps the ssl/socket error)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def format_size(n: int) -> str:
    """5242880 → "5MB", 524288 → "512KB" (the SPEC's size units)."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor and n % factor == 0:
            return f"{n // factor}{unit}"
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= factor and n % factor == 0:
            return f"{n // factor}{unit}"
    return f"{n}B" if n < 1 << 20 else f"{n / (1 << 20):.1f}MB"


def _seconds(value: float) -> str:
    return f"{value:g}s"
