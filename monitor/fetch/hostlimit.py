"""Politeness: at most `concurrency` requests in flight in all, at most `per_host` to one
host, and `gap` seconds between request starts to one host."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class HostLimit:
    """A host's politeness state. `last_sent` is when the latest request's headers were
    written to the socket (not when its turn came: under load the two can be far apart), and
    `sent` (the latest request's own event) is set once that request reached the wire or gave
    up, so the next one counts its gap from the real moment. Both on the monotonic clock; a
    late record only widens the gap, never narrows it."""

    connections: asyncio.Semaphore
    gap: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_sent: float = -math.inf
    sent: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.sent.set()

    def written(self, sent: asyncio.Event) -> None:
        """The request owning `sent` has written its headers now."""
        if not sent.is_set():
            self.last_sent = time.monotonic()
            sent.set()


class HostLimits:
    """Every host's politeness state and the global slots; `async with limits.slot(host)`."""

    def __init__(self, *, concurrency: int, per_host: int, gap: float) -> None:
        self._global = asyncio.Semaphore(max(1, concurrency))
        self._per_host = per_host
        self._gap = gap
        self._hosts: dict[str, HostLimit] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[tuple[HostLimit, asyncio.Event]]:
        """Hold one of the host's connections and one global slot; space the sends per host.

        The gap counts from when the previous request's headers were written (its `sent`
        event), so a busy event loop delaying a send can never bring two sends closer.
        """
        limit = self._hosts.get(host)
        if limit is None:
            limit = self._hosts[host] = HostLimit(asyncio.Semaphore(self._per_host))
        async with limit.connections:
            async with limit.gap:  # requests to one host leave one at a time, spaced
                await limit.sent.wait()
                wait = limit.last_sent + self._gap - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self._global.acquire()
                sent = limit.sent = asyncio.Event()  # this request's: set once it is written
            try:
                yield limit, sent
            finally:
                sent.set()
                self._global.release()


async def trace_written(
    turn: tuple[HostLimit, asyncio.Event], event: str, _info: dict[str, object]
) -> None:
    """httpcore's trace hook: the request's headers are on the wire now."""
    if event.endswith("send_request_headers.complete"):
        turn[0].written(turn[1])
