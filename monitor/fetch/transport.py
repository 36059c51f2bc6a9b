"""The fetcher's transport: one small connection pool per origin, the proxy mounts, a jar
that skips responses without cookies."""

from __future__ import annotations

import ssl

import httpx

from monitor.fetch.httpxcompat import environment_proxies, pool_is_idle


class PerHostTransport(httpx.AsyncBaseTransport):
    """One small connection pool per origin.

    httpcore's pool scans every connection it holds on each request and each response close,
    so one pool over many hosts costs CPU in proportion to the hosts; per-origin pools keep
    each scan to a connection or two. Pools idle the longest are closed beyond `max_pools`,
    so the open sockets stay bounded however many hosts a configuration lists.
    """

    def __init__(self, max_pools: int, **options: object) -> None:
        self._options = options
        self._max_pools = max(1, max_pools)
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.pop(key, None)
        if pool is None:
            pool = httpx.AsyncHTTPTransport(**self._options)  # type: ignore[arg-type]
            if len(self._pools) >= self._max_pools:
                await self._close_idle()
        self._pools[key] = pool  # most recently used last
        return await pool.handle_async_request(request)

    async def _close_idle(self) -> None:
        for key, pool in list(self._pools.items()):
            if len(self._pools) < self._max_pools:
                break
            if pool_is_idle(pool):
                del self._pools[key]
                await pool.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


class SkipEmptyCookies(httpx.Cookies):
    """The client's cookie jar, as httpx keeps it; a response without Set-Cookie (nearly every
    one) skips the jar's parsing, which builds urllib request and response stand-ins each time.
    (The jar's default policy reads Set-Cookie2 only alongside Set-Cookie.)"""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


def proxy_mounts(
    context: ssl.SSLContext, concurrency: int
) -> dict[str, httpx.AsyncBaseTransport | None]:
    """HTTP(S)_PROXY / ALL_PROXY / NO_PROXY as httpx mounts: httpx reads the environment only
    when it builds its own transport, and ours is the per-host one."""
    limits = httpx.Limits(max_connections=max(1, concurrency) + 2)
    return {
        pattern: None
        if url is None
        else httpx.AsyncHTTPTransport(
            proxy=url, verify=context, http2=True, limits=limits, trust_env=True
        )
        for pattern, url in environment_proxies().items()
    }
