"""A loopback news site for the benchmarks: many sources on many hosts, slow on purpose.

1,000 sources (default) spread over 50 hosts, 127.0.0.2 to 127.0.0.51, all on one port, so
per-host limits are real. Every answer (listing, article, robots.txt, 304) leaves after
`latency` seconds (100 ms default), like a far-away portal. Listings carry an ETag and answer
304 to a matching If-None-Match. Text comes from a seeded generator: the same seed, the same
site.

A control server on 127.0.0.1 (not counted in the statistics) lets the harness watch and steer:
    GET  /stats              per host: requests, most requests in flight at once, smallest gap
                             between two request arrivals (ms), and the totals
    POST /reset              forget the statistics
    POST /publish?source=N   put a new article (about regional cooperation) on top of source
                             N's listing; answers {"url", "title", "token", "at"} (at: epoch s)

Run it as a process: `python bench/site.py --seed 1` prints one line
`READY <port> <control_port>` and serves until killed. The server is bare asyncio (no
framework): at 500 requests/s on a 2-core machine its own CPU must stay small.

Arrivals are the kernel's receive times (SO_TIMESTAMPNS, read with recvmsg), not the moment
the event loop got round to a request: under CPU load (the daemon under test shares the cores)
that moment lags irregularly by a few ms, and the smallest gap per host came out below the
client's real one. Kernel stamps are CLOCK_REALTIME, so every time the site reports
(first_arrival, last_answer, gaps) is time.time()'s.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import math
import random
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

ITEMS_PER_LISTING = 10
# Linux's value where Python (3.11) does not name it; elsewhere arrivals are time.time() on read
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35 if sys.platform == "linux" else None)

_TEXT = (
    "UBND thành phố triển khai kế hoạch phát triển kinh tế xã hội năm nay tại các quận huyện "
    "người dân doanh nghiệp nông nghiệp thủy sản lúa gạo trái cây giao thông cầu đường "
    "hội nghị sơ kết tổng kết công tác đầu tư xây dựng nông thôn mới giáo dục y tế "
    "chuyển đổi số cải cách hành chính du lịch văn hóa thể thao môi trường biến đổi khí hậu "
    "sạt lở bờ sông hạn mặn nước sạch khởi công khánh thành bàn giao hỗ trợ hộ nghèo "
    "Vĩnh Thạnh Ninh Kiều Bình Thủy Cái Răng Ô Môn Thốt Nốt Phong Điền Cờ Đỏ Thới Lai "
    "tiếp xúc cử tri kỳ họp Hội đồng nhân dân Mặt trận Tổ quốc đoàn thanh niên "
    "tăng trưởng xuất khẩu chợ nổi hoà thuận thoả đáng quy hoạch"
)
_WORDS = _TEXT.split()

PUBLISHED_TITLE = (
    "TP.HCM và Cần Thơ ký thỏa thuận hợp tác liên kết vùng ĐBSCL giai đoạn mới ({token})"
)
PUBLISHED_BODY = (
    "Sáng nay, UBND TP.HCM và UBND thành phố Cần Thơ đã ký thỏa thuận hợp tác về liên kết "
    "vùng, tập trung vào giao thông, logistics, nông nghiệp công nghệ cao và du lịch. "
    "Hai địa phương thống nhất thành lập tổ công tác chung để theo dõi tiến độ. "
    "Mã tin: {token}."
)


@dataclass
class _Article:
    number: int
    title: str
    published: datetime
    paragraphs: list[str]


@dataclass
class _Source:
    index: int
    host: str
    articles: list[_Article] = field(default_factory=list)
    _listing: tuple[int, bytes] | None = None

    @property
    def path(self) -> str:
        return f"/s{self.index:04d}/"

    @property
    def etag(self) -> str:
        return f'"s{self.index}-v{len(self.articles)}"'

    def listing(self) -> bytes:
        """The listing page, rebuilt only when an article was added."""
        if self._listing is None or self._listing[0] != len(self.articles):
            self._listing = (len(self.articles), _render_listing(self))
        return self._listing[1]


def _sentence(rng: random.Random, n: int) -> str:
    text = " ".join(rng.choices(_WORDS, k=n))
    return text[0].upper() + text[1:]


def _make_article(rng: random.Random, number: int, published: datetime) -> _Article:
    title = _sentence(rng, rng.randint(8, 14))
    paragraphs = [_sentence(rng, rng.randint(30, 60)) + "." for _ in range(rng.randint(3, 6))]
    return _Article(number, title, published, paragraphs)


def _date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%d/%m/%Y %H:%M")


def _render_listing(source: _Source) -> bytes:
    items = []
    for art in reversed(source.articles[-ITEMS_PER_LISTING:]):
        items.append(
            f'<li class="item"><a class="title" href="{source.path}a{art.number:04d}.html">'
            f'{art.title}</a><span class="date">{_date(art.published)}</span>'
            f'<p class="sapo">{art.paragraphs[0][:160]}</p></li>'
        )
    html = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>Tin tức - Nguồn {source.index}</title></head><body>"
        '<nav class="menu"><a href="/">Trang chủ</a> <a href="/gioi-thieu">Giới thiệu</a></nav>'
        f'<h2>Tin mới</h2><ul class="news-list">{"".join(items)}</ul>'
        "<footer>Cổng thông tin điện tử thử nghiệm</footer></body></html>"
    )
    return html.encode()


def _render_article(source: _Source, art: _Article) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in art.paragraphs)
    html = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{art.title}</title></head><body>"
        '<nav class="menu"><a href="/">Trang chủ</a></nav>'
        f'<h1 class="title">{art.title}</h1><div class="post-date">{_date(art.published)}</div>'
        f'<div class="news-content">{body}</div>'
        f'<div class="related"><a href="{source.path}">Tin khác</a></div></body></html>'
    )
    return html.encode()


@dataclass
class _HostStats:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    recent: list[float] = field(default_factory=list)  # the last arrivals, in time order
    min_gap: float = math.inf


class Site:
    """The generated content and the statistics; `handle` answers one request."""

    def __init__(
        self, *, seed: int = 1, sources: int = 1000, hosts: int = 50, latency: float = 0.1
    ) -> None:
        self.latency = latency
        self.hosts = [f"127.0.0.{2 + h}" for h in range(hosts)]
        start = datetime(2024, 11, 29, 3, 30, tzinfo=UTC)
        self.sources: list[_Source] = []
        for i in range(sources):
            rng = random.Random(seed * 1_000_003 + i)
            src = _Source(i, self.hosts[i % hosts])
            for n in range(ITEMS_PER_LISTING):
                src.articles.append(_make_article(rng, n, start + timedelta(hours=n - 24)))
            self.sources.append(src)
        self.published = 0
        self.reset()

    def url(self, index: int, port: int) -> str:
        src = self.sources[index]
        return f"http://{src.host}:{port}{src.path}"

    # -- requests --------------------------------------------------------------------------
    def arrive(self, host: str, at: float | None = None) -> _HostStats:
        """Count a request that reached `host` at `at` (time.time()'s clock; default: now).
        The loop reads connections in its own order, not quite their stamps': a gap is taken
        to the arrivals next to this one in time, among the last few."""
        st = self.stats.setdefault(host, _HostStats())
        now = time.time() if at is None else at
        st.requests += 1
        i = bisect.bisect(st.recent, now)
        st.recent.insert(i, now)
        for a, b in ((i - 1, i), (i, i + 1)):
            if a >= 0 and b < len(st.recent):
                st.min_gap = min(st.min_gap, st.recent[b] - st.recent[a])
        del st.recent[:-8]
        st.in_flight += 1
        st.max_in_flight = max(st.max_in_flight, st.in_flight)
        self.first_arrival = min(self.first_arrival, now)
        return st

    def answered(self, stats: _HostStats, status: int) -> None:
        stats.in_flight -= 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.last_answer = time.time()

    def handle(self, path: str, if_none_match: str | None) -> tuple[int, bytes, str | None]:
        """(status, body, etag) for a GET of `path`."""
        if path == "/robots.txt":
            return 200, b"User-agent: *\nAllow: /\n", None
        parts = path.strip("/").split("/")
        if not parts or not parts[0].startswith("s") or not parts[0][1:].isdigit():
            return 404, b"not found", None
        index = int(parts[0][1:])
        if index >= len(self.sources):
            return 404, b"not found", None
        src = self.sources[index]
        if len(parts) == 1:
            if if_none_match == src.etag:
                return 304, b"", src.etag
            return 200, src.listing(), src.etag
        name = parts[1]
        if name.startswith("a") and name.endswith(".html") and name[1:-5].isdigit():
            number = int(name[1:-5])
            if number < len(src.articles):
                return 200, _render_article(src, src.articles[number]), None
        return 404, b"not found", None

    # -- control -----------------------------------------------------------------------------
    def publish(self, index: int, port: int) -> dict[str, object]:
        src = self.sources[index]
        self.published += 1
        token = f"bench-{index}-{self.published}"
        number = len(src.articles)
        at = time.time()
        art = _Article(
            number,
            PUBLISHED_TITLE.format(token=token),
            datetime.now(UTC),
            [PUBLISHED_BODY.format(token=token)] * 2,
        )
        src.articles.append(art)
        url = f"http://{src.host}:{port}{src.path}a{number:04d}.html"
        return {"url": url, "title": art.title, "token": token, "at": at}

    def stats_json(self) -> dict[str, object]:
        hosts = {
            h: {
                "requests": s.requests,
                "max_in_flight": s.max_in_flight,
                "min_gap_ms": None if s.min_gap == math.inf else round(s.min_gap * 1000, 3),
            }
            for h, s in self.stats.items()
            if s.requests
        }
        gaps = [v["min_gap_ms"] for v in hosts.values() if v["min_gap_ms"] is not None]
        return {
            "hosts": hosts,
            "requests": sum(s.requests for s in self.stats.values()),
            "max_in_flight": max((s.max_in_flight for s in self.stats.values()), default=0),
            "min_gap_ms": min(gaps) if gaps else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            # epoch seconds (CLOCK_REALTIME, the kernel stamps' clock): subtract them from
            # each other, not from another process's monotonic clock
            "first_arrival": None if self.first_arrival == math.inf else self.first_arrival,
            "last_answer": None if self.last_answer == -math.inf else self.last_answer,
        }

    def reset(self) -> None:
        self.stats: dict[str, _HostStats] = {h: _HostStats() for h in self.hosts}
        self.statuses: dict[int, int] = {}
        self.first_arrival = math.inf
        self.last_answer = -math.inf


_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 400: "Bad Request"}


class _HTTP(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, one request at a time per connection (no pipelining)."""

    def __init__(self, site: Site, control: ControlHandler | None = None) -> None:
        self.site = site
        self.control = control
        self.buffer = b""
        self.busy = False
        self.transport: asyncio.Transport | _StampedConnection | None = None
        self.host = ""
        self.stamp: float | None = None  # when the request being read began to arrive

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.host = transport.get_extra_info("sockname")[0]

    def data_received(self, data: bytes, stamp: float | None = None) -> None:
        if not self.buffer:
            self.stamp = stamp
        self.buffer += data
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def _next(self) -> None:
        if self.busy or b"\r\n\r\n" not in self.buffer:
            return
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            self._write(400, b"bad request", None, close=True)
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if length:  # control POSTs carry no useful body; drop it
            self.buffer = self.buffer[length:]
        self.busy = True
        if self.control is not None:
            status, body = self.control(method, target)
            self._write(status, body, None, ctype="application/json")
            return
        stats = self.site.arrive(self.host, self.stamp)
        self.stamp = None  # a pipelined next request has no stamp of its own: read time
        status, body, etag = self.site.handle(urlsplit(target).path, headers.get("if-none-match"))
        loop = asyncio.get_running_loop()
        loop.call_later(self.site.latency, self._answer, stats, status, body, etag)

    def _answer(self, stats: _HostStats, status: int, body: bytes, etag: str | None) -> None:
        self.site.answered(stats, status)
        self._write(status, body, etag)

    def _write(
        self,
        status: int,
        body: bytes,
        etag: str | None,
        *,
        ctype: str = "text/html; charset=utf-8",
        close: bool = False,
    ) -> None:
        self.busy = False
        if self.transport is None:
            return
        head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}"]
        if status != 304:
            head.append(f"Content-Type: {ctype}")
        head.append(f"Content-Length: {len(body)}")
        if etag:
            head.append(f"ETag: {etag}")
        if close:
            head.append("Connection: close")
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        if close:
            self.transport.close()
            return
        self._next()


class _StampedConnection:
    """An accepted site connection read with recvmsg, so each request carries the kernel's
    receive time of its first bytes (asyncio's transports drop ancillary data). It stands in
    for the transport of an `_HTTP`: write, close, get_extra_info("sockname")."""

    def __init__(self, sock: socket.socket, protocol: _HTTP) -> None:
        self.loop = asyncio.get_running_loop()
        self.sock, self.protocol = sock, protocol
        self.out = b""  # what the socket did not take yet
        self.closing = False
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if SO_TIMESTAMPNS is not None:  # not inherited from the listener: ask again to read
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)  # the stamps it already has
        protocol.connection_made(self)
        self.loop.add_reader(sock, self._readable)

    @classmethod
    def accept(cls, listener: socket.socket, site: Site) -> None:
        """Reader callback of a listening socket: its SO_TIMESTAMPNS, set before listen(),
        has the kernel stamp segments that arrive before accept() too."""
        while True:
            try:
                sock, _addr = listener.accept()
            except OSError:  # BlockingIOError: no one else is waiting
                return
            cls(sock, _HTTP(site))

    def get_extra_info(self, name: str) -> Any:
        return self.sock.getsockname() if name == "sockname" else None

    def _readable(self) -> None:
        try:
            data, ancillary, _flags, _addr = self.sock.recvmsg(65536, 64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client closed (or reset): nothing more to send it
            self._drop()
            return
        stamp = time.time()
        for level, kind, raw in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(raw) >= 16:
                sec, nsec = struct.unpack("qq", raw[:16])
                stamp = sec + nsec / 1e9
        self.protocol.data_received(data, stamp)

    def write(self, data: bytes) -> None:
        self.out += data
        self._flush()

    def _flush(self) -> None:
        """Send what the socket takes; wait to be writable for the rest."""
        try:
            sent = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._drop()
            return
        self.out = self.out[sent:]
        if self.out:
            self.loop.add_writer(self.sock, self._flush)
            return
        self.loop.remove_writer(self.sock)
        if self.closing:
            self._drop()

    def close(self) -> None:
        """Stop reading; the socket closes once what was written is sent."""
        self.closing = True
        self.loop.remove_reader(self.sock)
        if not self.out:
            self._drop()

    def _drop(self) -> None:
        if self.sock.fileno() < 0:
            return
        self.loop.remove_reader(self.sock)
        self.loop.remove_writer(self.sock)
        self.sock.close()
        self.protocol.connection_lost(None)


class ControlHandler:
    """The harness's endpoints on 127.0.0.1."""

    def __init__(self, site: Site, port: int) -> None:
        self.site, self.port = site, port

    def __call__(self, method: str, target: str) -> tuple[int, bytes]:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if parts.path == "/stats":
            out: object = self.site.stats_json()
        elif parts.path == "/reset" and method == "POST":
            self.site.reset()
            out = {"ok": True}
        elif parts.path == "/publish" and method == "POST":
            index = int(query.get("source", ["0"])[0])
            out = self.site.publish(index, self.port)
        else:
            return 404, b'{"error": "not found"}'
        return 200, json.dumps(out, ensure_ascii=False).encode()


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket whose connections' segments are stamped from the first one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if SO_TIMESTAMPNS is not None:
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def serve(site: Site, port: int = 0, control_port: int = 0) -> tuple[int, int]:
    """Listen on every host (same port) and on the control port; return both ports."""
    loop = asyncio.get_running_loop()
    for _attempt in range(20):
        chosen = port or free_port(site.hosts[0])
        listeners: list[socket.socket] = []
        try:
            for host in site.hosts:
                listeners.append(_listen(host, chosen))
        except OSError:
            for s in listeners:
                s.close()
            if port:
                raise
            continue
        break
    else:
        raise OSError("no free port common to every loopback host")
    for listener in listeners:
        loop.add_reader(listener, _StampedConnection.accept, listener, site)
    control = await loop.create_server(
        lambda: _HTTP(site, ControlHandler(site, chosen)), "127.0.0.1", control_port
    )
    return chosen, control.sockets[0].getsockname()[1]


class SiteProcess:
    """The site in its own process (its CPU is not the benchmark's): `with SiteProcess() as site:`
    → `site.port`, `site.url(i)`, `site.stats()`, `site.reset()`, `site.publish(i)`."""

    def __init__(
        self, *, seed: int = 1, sources: int = 1000, hosts: int = 50, latency: float = 0.1
    ) -> None:
        self.args = [
            *("--seed", str(seed), "--sources", str(sources)),
            *("--hosts", str(hosts), "--latency", str(latency)),
        ]
        self.sources, self.hosts = sources, hosts
        self.proc: subprocess.Popen[str] | None = None
        self.port = self.control_port = 0

    def __enter__(self) -> SiteProcess:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, *self.args], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "READY":
            self.__exit__()
            raise RuntimeError("the loopback site did not start")
        self.port, self.control_port = int(line[1]), int(line[2])
        return self

    def __exit__(self, *_: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def host(self, index: int) -> str:
        return f"127.0.0.{2 + index % self.hosts}"

    def url(self, index: int) -> str:
        return f"http://{self.host(index)}:{self.port}/s{index:04d}/"

    def _call(self, method: str, path: str) -> Any:
        req = urllib.request.Request(f"http://127.0.0.1:{self.control_port}{path}", method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def reset(self) -> None:
        self._call("POST", "/reset")

    def publish(self, index: int) -> dict[str, Any]:
        return self._call("POST", f"/publish?source={index}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--latency", type=float, default=0.1, help="seconds before each answer")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--control-port", type=int, default=0)
    args = ap.parse_args(argv)
    site = Site(seed=args.seed, sources=args.sources, hosts=args.hosts, latency=args.latency)

    async def run() -> None:
        port, control = await serve(site, args.port, args.control_port)
        print(f"READY {port} {control}", flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
