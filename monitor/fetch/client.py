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
import email.utils
import importlib.util
import math
import socket
import ssl
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from monitor.errors import FetchError
from monitor.fetch.netguard import ALLOWED_SCHEMES, AddressGuard
from monitor.fetch.robots import RobotsCache


def _httpx_cli() -> None:
    """httpx's own command line (`httpx.main`), loaded only if someone calls it."""
    sys.modules.pop("httpx._main", None)
    from httpx._main import main

    main()


# httpx's __init__ imports its command line (click, rich, pygments: ~40 ms) only to expose
# `httpx.main`; a fetcher never calls it, so a stand-in loads the real one on demand.
if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
    _stub = ModuleType("httpx._main")
    _stub.main = _httpx_cli  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = _stub

import httpx  # noqa: E402

if TYPE_CHECKING:
    from tenacity import RetryCallState

# httpcore imports sniffio each time it sets up a lock or a network backend (several times per
# request) and falls back to asyncio when it is missing; a missing module is looked for again
# on every sys.path entry at each import. Recorded as absent once, each attempt fails at once.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

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


@dataclass(slots=True)
class _HostLimit:
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


class _PerHostTransport(httpx.AsyncBaseTransport):
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
            if all(c.is_idle() for c in pool._pool.connections):
                del self._pools[key]
                await pool.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


class _Cookies(httpx.Cookies):
    """The client's cookie jar, as httpx keeps it; a response without Set-Cookie (nearly every
    one) skips the jar's parsing, which builds urllib request and response stand-ins each time.
    (The jar's default policy reads Set-Cookie2 only alongside Set-Cookie.)"""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


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
        self._global = asyncio.Semaphore(max(1, settings.concurrency))
        self._hosts: dict[str, _HostLimit] = {}
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
            extra["If-Modified-Since"] = _http_date(last_modified)
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
            result = _keep_validators(result, etag, last_modified)
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
            async with self._slot(request.url.host) as turn, asyncio.timeout(self._timeout):
                started = time.monotonic()
                request.extensions["trace"] = partial(_trace_written, turn)
                try:
                    response = await client.send(request, stream=True, follow_redirects=False)
                finally:
                    # No headers-written event (an error mid-write, a transport without the
                    # trace hook): count the gap from now, the latest the bytes can have left.
                    turn[0].written(turn[1])
                try:
                    if response.is_success:
                        body = await _read_capped(response, cap)
                    elif _small(response):
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
            if _is_permanent(exc):
                raise FetchError(reason) from exc
            raise _Retryable(reason) from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", _retry_after(response))
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
    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[tuple[_HostLimit, asyncio.Event]]:
        """Hold one of the host's connections and one global slot; space the sends per host.

        The gap counts from when the previous request's headers were written (its `sent`
        event), so a busy event loop delaying a send can never bring two sends closer.
        """
        limit = self._hosts.get(host)
        if limit is None:
            limit = self._hosts[host] = _HostLimit(asyncio.Semaphore(self._per_host))
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
            transport = _PerHostTransport(
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
                mounts=_env_proxies(context, self._settings.concurrency),
                http2=True,
                verify=context,
                timeout=httpx.Timeout(self._timeout),
                headers={"User-Agent": self._settings.user_agent},
                follow_redirects=False,  # followed by hand: each hop is checked and spaced
                max_redirects=MAX_REDIRECTS,
                trust_env=True,  # HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE
            )
            client._cookies = _Cookies()  # the `cookies` setter would copy it into a plain one
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


async def _trace_written(
    turn: tuple[_HostLimit, asyncio.Event], event: str, _info: dict[str, object]
) -> None:
    """httpcore's trace hook: the request's headers are on the wire now."""
    if event.endswith("send_request_headers.complete"):
        turn[0].written(turn[1])


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


def _is_permanent(exc: httpx.TransportError) -> bool:
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


async def _read_capped(response: httpx.Response, cap: int) -> bytes:
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


def _small(response: httpx.Response) -> bool:
    """A body cheap to drain (304s, short error pages), so keep-alive survives."""
    if response.status_code in (204, 304):
        return True
    length = response.headers.get("content-length", "")
    return length.isdigit() and int(length) <= 65536


def _retry_after(response: httpx.Response) -> float | None:
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


def _http_date(value: str | datetime) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return email.utils.format_datetime(value.astimezone(UTC), usegmt=True)


def _keep_validators(
    result: FetchResult, etag: str | None, last_modified: str | datetime | None
) -> FetchResult:
    """A 304 may omit the validators; the stored ones stay valid."""
    return replace(
        result,
        etag=result.etag or etag,
        last_modified=result.last_modified
        or (_http_date(last_modified) if last_modified else None),
    )


def _env_proxies(
    context: ssl.SSLContext, concurrency: int
) -> dict[str, httpx.AsyncBaseTransport | None]:
    """HTTP(S)_PROXY / ALL_PROXY / NO_PROXY as httpx mounts: httpx reads the environment only
    when it builds its own transport, and ours is the per-host one."""
    from httpx._utils import get_environment_proxies

    limits = httpx.Limits(max_connections=max(1, concurrency) + 2)
    return {
        pattern: None
        if url is None
        else httpx.AsyncHTTPTransport(
            proxy=url, verify=context, http2=True, limits=limits, trust_env=True
        )
        for pattern, url in get_environment_proxies().items()
    }


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
