"""Reading an HTTP response: the body under a cap, whether draining it is cheap, Retry-After,
and HTTP dates."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import httpx

from monitor.errors import FetchError
from monitor.fetch.reasons import format_size


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """Read the body, abandoning it as soon as it passes `cap` bytes."""
    declared = response.headers.get("content-length")
    too_big = FetchError(f"response over {format_size(cap)}")
    if declared and declared.isdigit() and int(declared) > cap:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():  # decoded: a gzip bomb counts at full size
        size += len(chunk)
        if size > cap:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def drains_cheaply(response: httpx.Response) -> bool:
    """A body cheap to drain (304s, short error pages), so keep-alive survives."""
    if response.status_code in (204, 304):
        return True
    length = response.headers.get("content-length", "")
    return length.isdigit() and int(length) <= 65536


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def http_date(value: str | datetime) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return email.utils.format_datetime(value.astimezone(UTC), usegmt=True)
