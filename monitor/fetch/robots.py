"""robots.txt per site, fetched once and cached.

The fetcher hands in a loader so robots.txt goes through the same politeness limits as every
other request. A robots.txt that cannot be read (404, 5xx, timeout) allows everything, as
RFC 9309 and the big crawlers do; a server error is retried sooner than a real answer.
"""

from __future__ import annotations

import asyncio
import time
import urllib.robotparser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

# The loader returns (text, definitive): text None means "no rules" (allow all);
# definitive False means the answer was a failure and should be asked again soon.
Loader = Callable[[str], Awaitable[tuple[str | None, bool]]]

FAILURE_TTL = 600.0  # seconds before a robots.txt that failed to load is tried again


@dataclass(slots=True)
class _Entry:
    expires: float
    parser: urllib.robotparser.RobotFileParser | None  # None: everything allowed
    allows_all: bool = False  # no rule refuses anything: every URL allowed, nothing to parse


def _allows_all(parser: urllib.robotparser.RobotFileParser | None) -> bool:
    """True when no rule of any group disallows a path (an empty `Disallow:` allows)."""
    if parser is None:
        return True
    # disallow_all, entries, default_entry: RobotFileParser's attributes, undocumented
    if parser.disallow_all or not parser.mtime():  # type: ignore[attr-defined]
        return False
    default = parser.default_entry  # type: ignore[attr-defined]
    groups = [*parser.entries, *([default] if default else [])]  # type: ignore[attr-defined]
    return all(line.allowance for group in groups for line in group.rulelines)


def robots_url(url: str) -> str:
    """The robots.txt that governs `url` (same scheme, host and port)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/robots.txt"


def parse_robots(text: str) -> urllib.robotparser.RobotFileParser:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    return parser


class RobotsCache:
    """`await cache.allowed(url, user_agent, load)`: cached per scheme+host+port for `ttl` s."""

    def __init__(self, *, ttl: float = 86400.0) -> None:
        self._ttl = ttl
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str, user_agent: str, load: Loader) -> bool:
        """`load` is called (once per site and TTL) when the rules are not cached."""
        key = robots_url(url)
        entry = self._entries.get(key)
        if entry is None or entry.expires <= time.monotonic():
            lock = self._locks.setdefault(key, asyncio.Lock())
            async with lock:  # concurrent requests to one site load robots.txt once
                entry = self._entries.get(key)
                if entry is None or entry.expires <= time.monotonic():
                    entry = await self._load(key, load)
                    self._entries[key] = entry
        return entry.allows_all or entry.parser.can_fetch(user_agent, url)  # type: ignore[union-attr]

    async def _load(self, key: str, load: Loader) -> _Entry:
        text, definitive = await load(key)
        ttl = self._ttl if definitive else min(self._ttl, FAILURE_TTL)
        parser = parse_robots(text) if text is not None else None
        return _Entry(time.monotonic() + ttl, parser, _allows_all(parser))
