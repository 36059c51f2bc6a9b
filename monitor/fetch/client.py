"""Fetch pages politely on one HTTP client, and turn every failure into a one-line reason.

Politeness: at most `settings.concurrency` requests in flight in all, at most
`per_host_connections` to one host, and `settings.per_host_delay` between request starts to
one host (retries, redirects and robots.txt included). Bodies are streamed and abandoned
above `settings.max_bytes`. Connection errors, timeouts, 429 and 5xx are retried with
exponential backoff, honouring Retry-After. Every failure leaves `fetch` as
`FetchError(reason)`, and `reason` is written in exactly one place: `_reason`.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import httpx

from monitor.errors import FetchError
from monitor.fetch.hostlimit import HostLimits, trace_written
from monitor.fetch.httpxcompat import set_cookie_jar
from monitor.fetch.netguard import ALLOWED_SCHEMES, AddressGuard
from monitor.fetch.reasons import failure_reason, is_permanent
from monitor.fetch.responses import (
    drains_cheaply,
    http_date,
    read_capped,
    retry_after,
)
from monitor.fetch.robots import RobotsCache
from monitor.fetch.transport import PerHostTransport, SkipEmptyCookies, proxy_mounts

if TYPE_CHECKING:
    from tenacity import RetryCallState

MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 512 * 1024  # what Google reads of a robots.txt


class FetchSettings(Protocol):
    """The part of `config.Settings` the fetcher reads."""

    @property
    def user_agent(self) -> str: ...
    @property
    def concurrency(self) -> int: ...
    @property
    def per_host_delay(self) -> timedelta: ...
    @property
    def timeout(self) -> timedelta: ...
    @property
    def max_bytes(self) -> int: ...
    @property
    def respect_robots(self) -> bool: ...
    @property
    def allow_private(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class TLSOptions:
    """A source's TLS settings: `verify_tls` and `ca_bundle` (extra CAs, on top of the defaults)."""

    verify: bool = True
    ca_bundle: Path | None = None

    @classmethod
    def for_source(cls, source: object) -> TLSOptions:
        """From a `config.Source` (`verify_tls`, `ca_bundle`)."""
        return cls(
            verify=bool(getattr(source, "verify_tls", True)),
            ca_bundle=getattr(source, "ca_bundle", None),
        )


DEFAULT_TLS = TLSOptions()


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # final URL, after redirects
    status: int
    content: bytes  # empty for a 304
    content_type: str | None
    etag: str | None  # on a 304 without validators: the ones that were sent
    last_modified: str | None
    not_modified: bool  # 304: nothing new to parse
    elapsed_ms: int  # network time of the successful attempt, redirects included


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How failed attempts are retried; tests shrink the delays."""

    attempts: int = 3
    backoff_base: float = 1.0  # seconds before the 2nd attempt; doubles each time
    backoff_max: float = 30.0
    retry_after_cap: float = 60.0  # a longer Retry-After is waited only this long


class _Retryable(Exception):
    """An attempt failed in a way another attempt may fix."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Fetcher:
    """`async with Fetcher(settings) as f: result = await f.fetch(url, etag=...)`."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        retry: RetryPolicy | None = None,
        per_host_connections: int = 2,
        robots_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self._settings = settings
        self._retry = retry or RetryPolicy()
        self._timeout = settings.timeout.total_seconds()
        self._gap = settings.per_host_delay.total_seconds()
        self._per_host = per_host_connections
        self._limits = HostLimits(
            concurrency=settings.concurrency, per_host=per_host_connections, gap=self._gap
        )
        self._clients: dict[TLSOptions, httpx.AsyncClient] = {}
        self._robots = RobotsCache(ttl=robots_ttl.total_seconds())
        self._guard = AddressGuard()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    # -- public ----------------------------------------------------------------------------
    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | datetime | None = None,
        headers: Mapping[str, str] | None = None,
        tls: TLSOptions = DEFAULT_TLS,
        discovered: bool = False,
        source_url: str | None = None,
    ) -> FetchResult:
        """GET `url`. `discovered`: the URL was found on a page, so only http(s) and no private
        addresses (unless settings.allow_private or `source_url` is itself private).

        Raises FetchError with the one-line reason on any failure.
        """
        extra = dict(headers) if headers else {}
        if etag:
            extra["If-None-Match"] = etag
        if last_modified:
            extra["If-Modified-Since"] = http_date(last_modified)
        source_host = urlsplit(source_url).hostname if source_url else None
        attempts = self._retry.attempts
        try:
            try:  # most fetches succeed at once: the retry machinery is built only on failure
                result = await self._attempt(url, extra, tls, discovered, source_host)
            except _Retryable as first:
                if attempts <= 1:
                    raise
                result = await self._retried(first, url, extra, tls, discovered, source_host)
        except _Retryable as exc:
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            raise FetchError(exc.reason + suffix) from exc
        if result.not_modified:
            result = keep_validators(result, etag, last_modified)
        return result

    async def _retried(
        self,
        first: _Retryable,
        url: str,
        headers: dict[str, str],
        tls: TLSOptions,
        discovered: bool,
        source_host: str | None,
    ) -> FetchResult:
        """Attempts 2…n after the first failed with `first`, spaced by `_wait`."""
        from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retry.attempts - 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            reraise=True,
        )
        await asyncio.sleep(self._delay(first, 1))
        async for attempt in retrying:
            with attempt:
                return await self._attempt(url, headers, tls, discovered, source_host)
        raise AssertionError("unreachable: tenacity reraises the last failure")

    # -- one attempt -------------------------------------------------------------------------
    async def _attempt(
        self,
        url: str,
        headers: dict[str, str],
        tls: TLSOptions,
        discovered: bool,
        source_host: str | None,
    ) -> FetchResult:
        if not url[:8].lower().startswith(("http://", "https://")):
            scheme = urlsplit(url).scheme.lower()
            if scheme not in ALLOWED_SCHEMES:  # httpx would read "file:///x" as a relative URL
                raise FetchError(f"unsupported URL scheme '{scheme}'")
        client = self._client(tls)
        try:
            request = client.build_request("GET", url, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
            raise FetchError(self._reason(exc, url)) from exc
        elapsed = 0.0
        for _hop in range(MAX_REDIRECTS + 1):
            await self._admit(request.url, client, discovered, source_host)
            response, body, took = await self._send(client, request, self._settings.max_bytes)
            elapsed += took
            if response.next_request is None:
                break
            request = response.next_request
        else:
            raise FetchError("too many redirects")
        return self._result(response, body, elapsed)

    async def _admit(
        self, url: httpx.URL, client: httpx.AsyncClient, discovered: bool, source_host: str | None
    ) -> None:
        """Refuse what this URL may not be fetched for: scheme, private address, robots.txt."""
        if discovered:
            await self._guard.check_discovered(
                url.scheme,
                url.host,
                allow_private=self._settings.allow_private,
                source_host=source_host,
            )
        if self._settings.respect_robots and url.path != "/robots.txt":
            load = partial(self._load_robots, client)
            allowed = await self._robots.allowed(str(url), self._settings.user_agent, load)
            if not allowed:
                raise FetchError("blocked by robots.txt")

    async def _send(
        self, client: httpx.AsyncClient, request: httpx.Request, cap: int
    ) -> tuple[httpx.Response, bytes, float]:
        """Send one request inside the limits: the response, (for a 2xx) its body, seconds taken."""
        body = b""
        try:
            async with self._limits.slot(request.url.host) as turn, asyncio.timeout(self._timeout):
                started = time.monotonic()
                request.extensions["trace"] = partial(trace_written, turn)
                try:
                    response = await client.send(request, stream=True, follow_redirects=False)
                finally:
                    # No headers-written event (an error mid-write, a transport without the
                    # trace hook): count the gap from now, the latest the bytes can have left.
                    turn[0].written(turn[1])
                try:
                    if response.is_success:
                        body = await read_capped(response, cap)
                    elif drains_cheaply(response):
                        await response.aread()  # drained, the connection is reused
                finally:
                    await response.aclose()
                took = time.monotonic() - started
        except FetchError:
            raise
        except (httpx.TimeoutException, TimeoutError) as exc:
            raise _Retryable(self._reason(exc, str(request.url))) from exc
        except httpx.TransportError as exc:
            reason = self._reason(exc, str(request.url))
            if is_permanent(exc):
                raise FetchError(reason) from exc
            raise _Retryable(reason) from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", retry_after(response))
        return response, body, took

    def _result(self, response: httpx.Response, body: bytes, elapsed: float) -> FetchResult:
        status = response.status_code
        if status != 304 and not response.is_success:
            raise FetchError(f"HTTP {status}")
        not_modified = status == 304
        return FetchResult(
            url=str(response.url),
            status=status,
            content=body,
            content_type=response.headers.get("content-type"),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            not_modified=not_modified,
            elapsed_ms=round(elapsed * 1000),
        )

    # -- limits ------------------------------------------------------------------------------
    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        # tenacity counts from the 2nd attempt (the 1st ran before it was built)
        return self._delay(exc, state.attempt_number + 1)

    def _delay(self, exc: BaseException | None, failed_attempt: int) -> float:
        """Seconds to wait after the `failed_attempt`-th attempt failed with `exc`."""
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self._retry.retry_after_cap)
        delay = self._retry.backoff_base * 2 ** (failed_attempt - 1)
        return min(delay, self._retry.backoff_max)

    # -- clients -----------------------------------------------------------------------------
    def _client(self, tls: TLSOptions) -> httpx.AsyncClient:
        """One client per distinct TLS configuration: httpx binds `verify` to the client."""
        client = self._clients.get(tls)
        if client is None:
            context = _ssl_context(tls)
            transport = PerHostTransport(
                max_pools=max(1, self._settings.concurrency),
                http2=True,
                verify=context,
                limits=httpx.Limits(
                    max_connections=self._per_host + 1,
                    max_keepalive_connections=self._per_host,
                ),
                trust_env=True,
            )
            client = self._clients[tls] = httpx.AsyncClient(
                transport=transport,
                mounts=proxy_mounts(context, self._settings.concurrency),
                http2=True,
                verify=context,
                timeout=httpx.Timeout(self._timeout),
                headers={"User-Agent": self._settings.user_agent},
                follow_redirects=False,  # followed by hand: each hop is checked and spaced
                max_redirects=MAX_REDIRECTS,
                trust_env=True,  # HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE
            )
            set_cookie_jar(client, SkipEmptyCookies())
        return client

    async def _load_robots(
        self, client: httpx.AsyncClient, robots_url: str
    ) -> tuple[str | None, bool]:
        """robots.txt through the same limits and TLS options; (None, …) means "no rules"."""
        request = client.build_request("GET", robots_url)
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                response, body, _took = await self._send(client, request, ROBOTS_MAX_BYTES)
                if response.next_request is None:
                    break
                request = response.next_request
            else:
                return None, True
        except _Retryable:
            return None, False  # timeouts, refused, 5xx: allow, ask again soon
        except FetchError:
            return None, True  # too big, TLS, …: allow
        if not response.is_success:
            return None, True  # 4xx: no robots.txt
        return body.decode("utf-8", errors="replace"), True

    # -- the one place failures become words ------------------------------------------------
    def _reason(self, exc: BaseException, url: str) -> str:
        return failure_reason(exc, url, timeout=self._timeout)


def keep_validators(
    result: FetchResult, etag: str | None, last_modified: str | datetime | None
) -> FetchResult:
    """A 304 may omit the validators; the stored ones stay valid."""
    return replace(
        result,
        etag=result.etag or etag,
        last_modified=result.last_modified or (http_date(last_modified) if last_modified else None),
    )


def _ssl_context(tls: TLSOptions) -> ssl.SSLContext:
    if not tls.verify:
        return httpx.create_ssl_context(verify=False)
    ctx = httpx.create_ssl_context()
    if tls.ca_bundle is not None:
        try:
            ctx.load_verify_locations(cafile=str(tls.ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise FetchError(f"cannot read CA bundle {tls.ca_bundle}: {exc}") from exc
    return ctx
