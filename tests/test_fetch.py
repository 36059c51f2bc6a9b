"""The fetcher against a real loopback server: politeness, caps, retries, robots, TLS, reasons."""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from monitor.errors import FetchError
from monitor.fetch.client import Fetcher, FetchResult, RetryPolicy, TLSOptions
from monitor.fetch.reasons import failure_reason, format_size
from monitor.fetch.responses import retry_after

try:
    from tests.loopback import LoopbackServer, Reply, Request, closed_port
except ImportError:  # tests/ itself on sys.path
    from loopback import LoopbackServer, Reply, Request, closed_port  # type: ignore[no-redef]

UA = "newsmon/1.0 (+https://example.org/newsmon)"
FAST = RetryPolicy(attempts=3, backoff_base=0.01, backoff_max=0.05, retry_after_cap=2.0)


@dataclass(frozen=True)
class Settings:
    """The attributes of config.Settings the fetcher reads."""

    user_agent: str = UA
    concurrency: int = 8
    per_host_delay: timedelta = timedelta(0)
    timeout: timedelta = timedelta(seconds=5)
    max_bytes: int = 5 * 1024 * 1024
    respect_robots: bool = True
    allow_private: bool = False


def fetch(
    url: str, settings: Settings | None = None, *, retry: RetryPolicy = FAST, **kw: Any
) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings or Settings(), retry=retry) as fetcher:
            return await fetcher.fetch(url, **kw)

    return asyncio.run(go())


def reason(url: str, settings: Settings | None = None, **kw: Any) -> str:
    with pytest.raises(FetchError) as info:
        fetch(url, settings, **kw)
    return str(info.value)


# -- plain GET --------------------------------------------------------------------------------
def test_get_sends_user_agent_and_source_headers(loopback: LoopbackServer) -> None:
    result = fetch(loopback.url("/echo"), headers={"Accept-Language": "vi", "X-Portal": "cantho"})
    seen = json.loads(result.content)
    assert result.status == 200
    assert result.url == loopback.url("/echo")
    assert result.content_type == "application/json"
    assert seen["headers"]["user-agent"] == UA
    assert seen["headers"]["accept-language"] == "vi"
    assert seen["headers"]["x-portal"] == "cantho"
    assert result.elapsed_ms >= 0


def test_cookies_set_by_a_site_are_sent_back(loopback: LoopbackServer) -> None:
    loopback.route("/give", lambda req: Reply(200, "ok", headers={"Set-Cookie": "phien=abc"}))

    async def go() -> dict[str, Any]:
        async with Fetcher(Settings(respect_robots=False), retry=FAST) as fetcher:
            await fetcher.fetch(loopback.url("/give"))
            return json.loads((await fetcher.fetch(loopback.url("/echo"))).content)

    headers = {k.lower(): v for k, v in asyncio.run(go())["headers"].items()}
    assert headers.get("cookie") == "phien=abc"


def test_page_bytes_and_validators_come_back_untouched(loopback: LoopbackServer) -> None:
    page = "<h1>UBND TP.HCM và Cần Thơ ký kết hợp tác liên kết vùng ĐBSCL</h1>"
    loopback.add_page("/tin/hop-tac.html", page.encode("utf-8"))
    result = fetch(loopback.url("/tin/hop-tac.html"))
    assert result.content.decode("utf-8") == page
    assert result.content_type == "text/html; charset=utf-8"
    assert result.etag and result.etag.startswith('"')
    assert result.last_modified == "Fri, 29 Nov 2024 03:30:00 GMT"
    assert result.not_modified is False


# -- conditional GET --------------------------------------------------------------------------
def test_etag_gives_304_not_modified(loopback: LoopbackServer) -> None:
    first = fetch(loopback.url("/cond"))
    again = fetch(loopback.url("/cond"), etag=first.etag)
    assert again.not_modified and again.status == 304
    assert again.content == b""
    assert again.etag == first.etag
    assert loopback.requests_to("/cond")[-1].headers["if-none-match"] == first.etag


def test_last_modified_gives_304_not_modified(loopback: LoopbackServer) -> None:
    first = fetch(loopback.url("/cond"))
    again = fetch(loopback.url("/cond"), last_modified=first.last_modified)
    assert again.not_modified
    assert again.last_modified == first.last_modified
    assert "if-none-match" not in loopback.requests_to("/cond")[-1].headers


def test_changed_page_is_fetched_in_full_despite_old_etag(loopback: LoopbackServer) -> None:
    result = fetch(loopback.url("/cond"), etag='"an-old-version"')
    assert result.status == 200 and not result.not_modified
    assert "Thỏa thuận hợp tác" in result.content.decode("utf-8")


# -- size cap ---------------------------------------------------------------------------------
@pytest.mark.parametrize("chunked", ["0", "1"], ids=["content-length", "no-content-length"])
def test_body_over_max_bytes_is_abandoned(loopback: LoopbackServer, chunked: str) -> None:
    small = Settings(max_bytes=1024 * 1024)
    url = loopback.url(f"/big?size={2 * 1024 * 1024}&chunked={chunked}")
    assert reason(url, small) == "response over 1MB"
    assert len(loopback.requests_to("/big")) == 1  # not retried
    assert fetch(loopback.url("/big?size=1048576"), small).content == b"x" * 1048576


def test_default_cap_is_reported_as_5mb(loopback: LoopbackServer) -> None:
    assert reason(loopback.url("/big")) == "response over 5MB"


# -- retries ----------------------------------------------------------------------------------
def test_two_failures_then_success(loopback: LoopbackServer) -> None:
    result = fetch(loopback.url("/flaky/a?fail=2&code=503"))
    assert result.status == 200
    assert "Lần thử thứ 3: thành công" in result.content.decode("utf-8")
    assert len(loopback.requests_to("/flaky/a")) == 3


def test_429_is_retried(loopback: LoopbackServer) -> None:
    assert fetch(loopback.url("/flaky/b?fail=1&code=429")).status == 200


def test_persistent_503_gives_up_after_three_attempts(loopback: LoopbackServer) -> None:
    assert reason(loopback.url("/status/503")) == "HTTP 503 (after 3 attempts)"
    times = [r.time for r in loopback.requests_to("/status/503")]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.009 and times[2] - times[1] >= 0.019  # backoff doubles


def test_client_errors_are_not_retried(loopback: LoopbackServer) -> None:
    assert reason(loopback.url("/status/403")) == "HTTP 403"
    assert len(loopback.requests_to("/status/403")) == 1


def test_retry_after_is_honoured(loopback: LoopbackServer) -> None:
    fetch(loopback.url("/flaky/c?fail=1&code=503&retry_after=1"))
    first, second = (r.time for r in loopback.requests_to("/flaky/c"))
    assert second - first >= 0.95


def test_long_retry_after_is_capped(loopback: LoopbackServer) -> None:
    policy = replace(FAST, retry_after_cap=0.2)
    fetch(loopback.url("/flaky/d?fail=1&code=429&retry_after=3600"), retry=policy)
    first, second = (r.time for r in loopback.requests_to("/flaky/d"))
    assert 0.19 <= second - first < 2


def test_retry_after_as_http_date() -> None:
    soon = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    waits = [
        retry_after(httpx.Response(503, headers={"Retry-After": value}))
        for value in ("7", soon, "soon-ish", "")
    ]
    assert waits[0] == 7
    assert waits[1] is not None and 28 <= waits[1] <= 30
    assert waits[2:] == [None, None]


def test_elapsed_time_is_measured(loopback: LoopbackServer) -> None:
    assert fetch(loopback.url("/slow?s=0.1")).elapsed_ms >= 100


def test_connection_refused(loopback: LoopbackServer) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    assert reason(url) == "connection refused (after 3 attempts)"
    assert reason(url, retry=RetryPolicy(attempts=1)) == "connection refused"


def test_connection_reset(loopback: LoopbackServer) -> None:
    assert reason(loopback.url("/reset")) == "connection reset (after 3 attempts)"


def test_server_that_never_answers_times_out(loopback: LoopbackServer) -> None:
    quick = Settings(timeout=timedelta(milliseconds=200))
    started = time.monotonic()
    assert (
        reason(loopback.url("/never"), quick, retry=RetryPolicy(attempts=1)) == "timeout after 0.2s"
    )
    assert time.monotonic() - started < 2


def test_slow_drip_hits_the_overall_timeout(loopback: LoopbackServer) -> None:
    """Each byte arrives well within the read timeout; the whole answer does not."""
    quick = Settings(timeout=timedelta(milliseconds=300))
    url = loopback.url("/drip?n=100&every=0.02")
    assert reason(url, quick, retry=RetryPolicy(attempts=1)) == "timeout after 0.3s"


# -- redirects --------------------------------------------------------------------------------
def test_five_redirects_are_followed(loopback: LoopbackServer) -> None:
    result = fetch(loopback.url("/redirect/5"))
    assert result.content == b"arrived"
    assert result.url == loopback.url("/redirect/0")


def test_sixth_redirect_is_too_many(loopback: LoopbackServer) -> None:
    assert reason(loopback.url("/redirect/6")) == "too many redirects"
    assert reason(loopback.url("/redirect-loop")) == "too many redirects"


# -- robots.txt -------------------------------------------------------------------------------
def test_robots_disallow_blocks_and_is_fetched_once(loopback: LoopbackServer) -> None:
    loopback.robots_txt = "User-agent: *\nDisallow: /noi-bo/\n"
    loopback.add_page("/noi-bo/tai-lieu.html", "<p>Tài liệu nội bộ</p>")

    async def go() -> tuple[list[FetchResult | BaseException], FetchResult]:
        async with Fetcher(Settings(), retry=FAST) as fetcher:
            blocked = await asyncio.gather(
                *(fetcher.fetch(loopback.url("/noi-bo/tai-lieu.html")) for _ in range(3)),
                return_exceptions=True,
            )
            return blocked, await fetcher.fetch(loopback.url("/cond"))

    blocked, allowed = asyncio.run(go())
    assert [str(b) for b in blocked] == ["blocked by robots.txt"] * 3
    assert allowed.status == 200
    assert loopback.requests_to("/noi-bo/tai-lieu.html") == []
    assert len(loopback.requests_to("/robots.txt")) == 1


def test_robots_rules_for_our_user_agent(loopback: LoopbackServer) -> None:
    loopback.robots_txt = "User-agent: newsmon\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    assert reason(loopback.url("/cond")) == "blocked by robots.txt"
    other = Settings(user_agent="Mozilla/5.0 (compatible; other)")
    assert fetch(loopback.url("/cond"), other).status == 200


def test_respect_robots_false_ignores_robots(loopback: LoopbackServer) -> None:
    loopback.robots_txt = "User-agent: *\nDisallow: /\n"
    assert fetch(loopback.url("/cond"), Settings(respect_robots=False)).status == 200
    assert loopback.requests_to("/robots.txt") == []


@pytest.mark.parametrize("route", ["/status/500", "/status/404", "/never"])
def test_unreadable_robots_allows_everything(loopback: LoopbackServer, route: str) -> None:
    loopback.route("/robots.txt", lambda req: loopback._dispatch(replace(req, path=route)))
    quick = Settings(timeout=timedelta(milliseconds=300))
    assert fetch(loopback.url("/cond"), quick).status == 200


# -- TLS --------------------------------------------------------------------------------------
def test_self_signed_certificate_is_a_tls_failure(tls_loopback: LoopbackServer) -> None:
    message = reason(tls_loopback.url("/cond"))
    assert re.fullmatch(r"TLS certificate verify failed: self[- ]signed certificate", message)
    assert tls_loopback.requests == []  # no request was sent, and none retried


def test_ca_bundle_or_verify_false_accepts_the_server(
    tls_loopback: LoopbackServer, tls_cert: tuple[Any, Any]
) -> None:
    with_bundle = fetch(tls_loopback.url("/cond"), tls=TLSOptions(ca_bundle=tls_cert[0]))
    unverified = fetch(tls_loopback.url("/cond"), tls=TLSOptions(verify=False))
    assert with_bundle.status == unverified.status == 200
    assert "Thỏa thuận hợp tác" in with_bundle.content.decode("utf-8")


def test_robots_txt_is_read_with_the_sources_tls_options(
    tls_loopback: LoopbackServer, tls_cert: tuple[Any, Any]
) -> None:
    tls_loopback.robots_txt = "User-agent: *\nDisallow: /\n"
    message = reason(tls_loopback.url("/cond"), tls=TLSOptions(ca_bundle=tls_cert[0]))
    assert message == "blocked by robots.txt"


def test_missing_ca_bundle_is_reported(tls_loopback: LoopbackServer, tmp_path: Any) -> None:
    message = reason(tls_loopback.url("/cond"), tls=TLSOptions(ca_bundle=tmp_path / "none.pem"))
    assert message.startswith(f"cannot read CA bundle {tmp_path / 'none.pem'}")


# -- links discovered on pages ------------------------------------------------------------------
def test_discovered_link_to_private_address_is_refused(loopback: LoopbackServer) -> None:
    assert reason(loopback.url("/cond"), discovered=True) == "private address not allowed"
    assert loopback.requests_to("/cond") == []


def test_discovered_link_allowed_when_source_is_private_or_setting_allows(
    loopback: LoopbackServer,
) -> None:
    url = loopback.url("/cond")
    assert fetch(url, discovered=True, source_url=loopback.url("/")).status == 200
    assert fetch(url, Settings(allow_private=True), discovered=True).status == 200


@pytest.mark.parametrize("link", ["file:///etc/passwd", "javascript:alert(1)", "ftp://127.0.0.1/x"])
def test_discovered_link_with_other_scheme_is_refused(loopback: LoopbackServer, link: str) -> None:
    scheme = link.split(":")[0]
    message = reason(link, discovered=True, source_url=loopback.url("/"))
    assert message == f"unsupported URL scheme '{scheme}'"


# -- politeness ---------------------------------------------------------------------------------
def run_many(settings: Settings, urls: list[str], **fetcher_kw: Any) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(settings, retry=FAST, **fetcher_kw) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(u) for u in urls)))

    return asyncio.run(go())


def test_requests_to_one_host_are_spaced(loopback: LoopbackServer) -> None:
    polite = Settings(per_host_delay=timedelta(milliseconds=100), respect_robots=False)
    run_many(polite, [loopback.url(f"/cond?trang={i}") for i in range(5)])
    times = sorted(r.time for r in loopback.requests_to("/cond"))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 5
    assert min(gaps) >= 0.06, gaps  # 100 ms apart at the client; arrival jitter allowed


def test_global_concurrency_limit(loopback: LoopbackServer) -> None:
    settings = Settings(concurrency=3, respect_robots=False)
    run_many(
        settings, [loopback.url(f"/slow?s=0.15&i={i}") for i in range(8)], per_host_connections=10
    )
    assert loopback.max_inflight == 3


def test_at_most_two_connections_per_host(loopback: LoopbackServer) -> None:
    settings = Settings(concurrency=10, respect_robots=False)
    run_many(settings, [loopback.url(f"/slow?s=0.1&i={i}") for i in range(6)])
    assert loopback.max_inflight == 2


class Meter:
    """Requests in flight across several servers at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = self.peak = 0

    def route(self, req: Request) -> Reply:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.1)
        with self.lock:
            self.now -= 1
        return Reply(200, "ok")


@pytest.fixture
def three_hosts() -> Iterator[list[LoopbackServer]]:
    try:
        servers = [LoopbackServer(host=f"127.0.0.{i}").start() for i in (1, 2, 3)]
    except OSError:  # pragma: no cover - systems that only route 127.0.0.1
        pytest.skip("127.0.0.2 and 127.0.0.3 are not usable here")
    yield servers
    for srv in servers:
        srv.stop()


def test_global_limit_holds_across_hosts(three_hosts: list[LoopbackServer]) -> None:
    meter = Meter()
    for srv in three_hosts:
        srv.route("/work", meter.route)
    urls = [srv.url(f"/work?i={i}") for srv in three_hosts for i in range(3)]
    run_many(Settings(concurrency=4, respect_robots=False), urls)
    assert meter.peak == 4
    assert all(srv.max_inflight <= 2 for srv in three_hosts)


# -- proxies and reasons ----------------------------------------------------------------------
def test_proxy_from_environment(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY is honoured: the request for another host arrives at the proxy."""
    monkeypatch.setenv("HTTP_PROXY", loopback.base_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = fetch("http://portal.example/echo", Settings(respect_robots=False))
    assert json.loads(result.content)["headers"]["host"] == "portal.example"


def test_dns_failure_reason() -> None:
    exc = httpx.ConnectError("boom")
    exc.__cause__ = socket.gaierror(-2, "Name or service not known")
    assert failure_reason(exc, "https://khong-ton-tai.example/tin", timeout=20) == (
        "DNS lookup failed for khong-ton-tai.example"
    )
    assert failure_reason(httpx.ReadTimeout("x"), "http://a/", timeout=20) == "timeout after 20s"


def test_sizes_are_written_as_in_the_config() -> None:
    assert format_size(5 * 1024 * 1024) == "5MB"
    assert format_size(512 * 1024) == "512KB"
    assert format_size(5_000_000) == "5MB"


# -- the loopback helper itself (other test files serve tests/fixtures/sites with it) -----------
def test_loopback_serves_a_directory_with_header_files(tmp_path: Any) -> None:
    site = tmp_path / "cong-ttdt"
    (site / "tin-tuc").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Trang chủ</h1>", "utf-8")
    page = "<p>Ủy ban nhân dân tỉnh Hậu Giang</p>".encode("cp1258", errors="replace")
    (site / "tin-tuc" / "bai.html").write_bytes(page)
    (site / "tin-tuc" / "bai.html.headers").write_text(
        "Content-Type: text/html; charset=windows-1258\n", "utf-8"
    )
    with LoopbackServer(root=tmp_path) as srv:
        home = fetch(srv.url("/cong-ttdt/"))
        article = fetch(srv.url("/cong-ttdt/tin-tuc/bai.html"))
        again = fetch(srv.url("/cong-ttdt/tin-tuc/bai.html"), etag=article.etag)
        assert reason(srv.url("/cong-ttdt/tin-tuc/bai.html.headers")) == "HTTP 404"
        assert reason(srv.url("/../../etc/passwd")) == "HTTP 404"
    assert home.content.decode("utf-8") == "<h1>Trang chủ</h1>"
    assert article.content == page
    assert article.content_type == "text/html; charset=windows-1258"
    assert again.not_modified


# -- politeness as a server sees it, under the daemon's pattern --------------------------------
# A server in its own process, stamping each request with the kernel's receive time
# (SO_TIMESTAMPNS): neither the GIL nor the server's scheduling delays what it records.
STAMPING_SERVER = r"""
import heapq, json, select, socket, struct, sys, time
latency = float(sys.argv[1])
lsock = socket.socket()
# the constant is Linux's (Python 3.11 does not name it); elsewhere: the time at recv()
TSNS = getattr(socket, "SO_TIMESTAMPNS", 35 if sys.platform == "linux" else None)
stamping = TSNS is not None
if stamping:  # from the start: bytes queued before accept() are stamped too
    lsock.setsockopt(socket.SOL_SOCKET, TSNS, 1)
lsock.bind(("127.0.0.1", 0))
lsock.listen(64)
lsock.setblocking(False)
print(lsock.getsockname()[1], flush=True)
conns, bufs, arrivals, due = {}, {}, [], []

def answer(sock, path, head):
    if path == "/__arrivals":
        body, status, extra = json.dumps(arrivals).encode(), "200 OK", ""
    elif path == "/robots.txt":
        body, status, extra = b"User-agent: *\nAllow: /\n", "200 OK", ""
    elif path.startswith("/list/") and 'if-none-match: "v1"' in head.lower():
        body, status, extra = b"", "304 Not Modified", 'ETag: "v1"\r\n'
    else:
        body, status, extra = b"<html><body><p>trang</p></body></html>", "200 OK", 'ETag: "v1"\r\n'
    head_out = f"HTTP/1.1 {status}\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
    try:
        sock.sendall(head_out.encode() + body)
    except OSError:
        pass

while True:
    timeout = max(0.0, due[0][0] - time.monotonic()) if due else 1.0
    ready, _, _ = select.select([lsock, *conns.values()], [], [], timeout)
    for sock in ready:
        if sock is lsock:
            c, _ = lsock.accept()
            if stamping:
                c.setsockopt(socket.SOL_SOCKET, TSNS, 1)
            conns[c.fileno()], bufs[c.fileno()] = c, [b"", None]
            continue
        data, anc, _, _ = sock.recvmsg(65536, 64)
        if not data:
            conns.pop(sock.fileno()); bufs.pop(sock.fileno()); sock.close()
            continue
        stamp = time.time()
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == TSNS:
                sec, nsec = struct.unpack("qq", raw[:16])
                stamp = sec + nsec / 1e9
        buf = bufs[sock.fileno()]
        if not buf[0]:
            buf[1] = stamp  # the request's first bytes
        buf[0] += data
        while b"\r\n\r\n" in buf[0]:
            head, _, buf[0] = buf[0].partition(b"\r\n\r\n")
            text = head.decode("latin-1")
            path = text.split(" ", 2)[1]
            if path == "/__arrivals":
                answer(sock, path, text)
                continue
            arrivals.append([buf[1], path])
            heapq.heappush(due, (time.monotonic() + latency, id(sock), sock, path, text))
    now = time.monotonic()
    while due and due[0][0] <= now:
        _, _, sock, path, text = heapq.heappop(due)
        answer(sock, path, text)
"""


@pytest.fixture
def stamping_server() -> Iterator[str]:
    """The base URL of a server answering 90 ms late and recording kernel arrival times."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", STAMPING_SERVER, "0.09"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    yield f"http://127.0.0.1:{port}"
    proc.kill()
    proc.wait()


def test_gap_between_arrivals_holds_under_the_daemons_pattern(stamping_server: str) -> None:
    """Several sources on one host polled with and without validators, article rechecks and
    robots.txt, from one fetcher, some arriving while a gap is running, the event loop held by
    other work now and then: no two requests reach the server closer than per_host_delay
    (2 ms allowed for the stamping itself)."""
    base = stamping_server
    polite = Settings(per_host_delay=timedelta(milliseconds=100), concurrency=50)

    async def go() -> None:
        async def busy() -> None:  # extraction and storage hold the loop now and then
            while True:
                await asyncio.sleep(0.037)
                time.sleep(0.011)

        hog = asyncio.create_task(busy())
        async with Fetcher(polite, retry=FAST) as fetcher:

            async def later(delay: float, url: str, **kw: Any) -> FetchResult:
                await asyncio.sleep(delay)
                return await fetcher.fetch(url, **kw)

            jobs = [fetcher.fetch(f"{base}/list/{i}", etag='"v1"') for i in range(5)]
            jobs += [later(0.13 * i, f"{base}/list/n{i}") for i in range(4)]
            jobs += [
                later(0.05 * i, f"{base}/art/{i}", discovered=True, source_url=f"{base}/list/0")
                for i in range(6)
            ]
            results = await asyncio.gather(*jobs)
            assert all(r.status in (200, 304) for r in results)
        hog.cancel()

    asyncio.run(go())
    arrivals = httpx.get(f"{base}/__arrivals").json()
    assert len(arrivals) == 16  # robots.txt once, 15 pages
    times = sorted(t for t, _path in arrivals)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.098, sorted(gaps)[:3]


def test_httpx_private_names_still_exist() -> None:
    """monitor/fetch/httpxcompat.py is the one place httpx's private names are touched; when
    an httpx release moves one of them, this fails (and says which) before a fetch does."""
    import sys
    from pathlib import Path

    import httpx

    from monitor.fetch import httpxcompat

    assert isinstance(httpxcompat.environment_proxies(), dict), (
        "httpx._utils.get_environment_proxies"
    )
    transport = httpx.AsyncHTTPTransport()
    assert isinstance(transport._pool.connections, list), "AsyncHTTPTransport._pool.connections"
    assert httpxcompat.pool_is_idle(transport)
    client = httpx.AsyncClient()
    assert isinstance(client._cookies, httpx.Cookies), "AsyncClient._cookies"
    jar = httpx.Cookies()
    httpxcompat.set_cookie_jar(client, jar)
    assert client.cookies is jar, "AsyncClient.cookies reads AsyncClient._cookies"
    stub = sys.modules["httpx._main"]
    assert callable(getattr(stub, "main", None)), "httpx._main.main (the command-line stand-in)"
    real = Path(httpx.__file__).with_name("_main.py")  # the stand-in loads this one on demand
    assert "def main(" in real.read_text(encoding="utf-8"), "httpx/_main.py defines main()"
