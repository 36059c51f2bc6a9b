"""A real HTTP(S) server on 127.0.0.1 for fetcher and pipeline tests.

`with LoopbackServer(root=SITES) as srv:` serves a directory tree plus built-in routes that
misbehave on purpose, and records every request (arrival time, headers, requests in flight)
so tests can assert politeness from the server's side.

Built-in routes (``?query`` parameters in brackets):
  /status/<code>[?retry_after=N]       answer that status
  /flaky/<key>[?fail=2&code=503&retry_after=N]   fail `fail` times per key, then 200
  /slow[?s=1.0]                        answer after `s` seconds (cut short by stop())
  /big[?size=6291456&chunked=1]        a big body; chunked=1 sends no Content-Length
  /drip[?n=100&every=0.05]             Content-Length n, one byte every `every` seconds
  /redirect[?to=/]                     302 to `to`
  /redirect/<n>                        a chain of n redirects ending in 200 "arrived"
  /redirect-loop                       302 to itself
  /robots.txt                          `srv.robots_txt` (None: 404)
  /cond                                a page with ETag and Last-Modified
  /echo                                the request's method, path and headers as JSON
  /reset                               the connection is reset (RST) without an answer
  /never                               the request is read and never answered
Static files and `add_page` pages get an ETag and Last-Modified and answer conditional GETs
with 304. A file ``X.headers`` beside ``X`` holds extra ``Name: value`` headers for X
(e.g. ``Content-Type: text/html; charset=windows-1258``).
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import mimetypes
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

FIXED_LAST_MODIFIED = "Fri, 29 Nov 2024 03:30:00 GMT"
COND_PAGE = (
    "<html><head><meta charset='utf-8'><title>Thỏa thuận hợp tác</title></head>"
    "<body><h1>TP.HCM và ĐBSCL ký thỏa thuận hợp tác</h1>"
    "<p>Thứ Sáu, 29/11/2024 - 10:30</p></body></html>"
)


@dataclass(frozen=True)
class Request:
    """One request as the server saw it; `time` is `time.monotonic()` at arrival."""

    time: float
    method: str
    path: str  # without the query
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass
class Reply:
    """What a route answers. `action` replaces the answer with a reset or a hang."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before the answer
    drip: float = 0.0  # seconds between single body bytes
    chunked: bool = False  # send no Content-Length; the connection closes after the body
    action: Literal["reset", "hang"] | None = None


Route = Callable[[Request], Reply]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """Write cert.pem/key.pem for localhost and 127.0.0.1 (openssl CLI, else `cryptography`)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    if shutil.which("openssl"):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-addext", "basicConstraints=critical,CA:TRUE"],
            check=True, capture_output=True,
        )  # fmt: skip
        return cert, key
    return _cert_with_cryptography(cert, key)  # pragma: no cover


def _cert_with_cryptography(cert: Path, key: Path) -> tuple[Path, Path]:  # pragma: no cover
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    pkey = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(pkey.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(pkey, hashes.SHA256())
    )
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        pkey.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


def conditional_reply(
    req: Request, body: bytes, headers: dict[str, str], last_modified: str
) -> Reply:
    """200 with ETag/Last-Modified, or 304 when the request's validators still match."""
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    validators = {"ETag": etag, "Last-Modified": last_modified}
    inm = req.headers.get("if-none-match")
    ims = req.headers.get("if-modified-since")
    fresh = False
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        fresh = etag in tags or "*" in tags
    elif ims is not None:
        since = email.utils.parsedate_to_datetime(ims) if ims else None
        fresh = since is not None and email.utils.parsedate_to_datetime(last_modified) <= since
    if fresh:
        return Reply(304, b"", validators, content_type=None)
    extra = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    return Reply(200, body, {**validators, **extra}, content_type=ctype)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer
    tls: ssl.SSLContext | None = None

    def get_request(self) -> tuple[socket.socket, object]:
        sock, addr = self.socket.accept()
        if self.tls is not None:  # handshake lazily, in the handler thread
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up or reject our certificate are part of the tests, not errors."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        req = Request(
            time=time.monotonic(),
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        with owner._enter(req):
            reply = owner._dispatch(req)
            self._write(reply)

    def _write(self, reply: Reply) -> None:
        stop = self.server.owner._stop
        if reply.delay and stop.wait(reply.delay):
            return
        if reply.action == "hang":
            stop.wait()
            self.close_connection = True
            return
        if reply.action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
        self.send_response(reply.status)
        if reply.content_type and reply.status != 304:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.chunked:
            self.send_header("Connection", "close")
            self.close_connection = True
        elif reply.status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD" or reply.status == 304:
            return
        if reply.drip:
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                if stop.wait(reply.drip):
                    return
        else:
            self.wfile.write(body)


class LoopbackServer:
    """`srv.url("/path")`, `srv.route(...)`, `srv.add_page(...)`, `srv.requests`, `srv.max_inflight`."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        host: str = "127.0.0.1",
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.root = root
        self.host = host
        self.robots_txt: str | None = None
        self.requests: list[Request] = []
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._counters: dict[str, int] = {}
        self._exact: dict[str, Route] = {}
        self._prefix: list[tuple[str, Route]] = []
        self._server = _Server((host, 0), _Handler)
        self._server.owner = self
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            self._server.tls = ctx
        self.port = int(self._server.server_address[1])
        self.scheme = "https" if tls else "http"
        self._thread: threading.Thread | None = None
        self._builtin_routes()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> LoopbackServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases /slow, /never and drips
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration -----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def route(self, path: str, fn: Route, *, prefix: bool = False) -> None:
        """Register `fn` for `path` exactly, or for every path starting with it."""
        if prefix:
            self._prefix.insert(0, (path, fn))
        else:
            self._exact[path] = fn

    def add_page(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        last_modified: str = FIXED_LAST_MODIFIED,
    ) -> None:
        """Serve `body` at `path` with ETag/Last-Modified (conditional GETs get 304)."""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        hdrs = {"Content-Type": content_type, **(headers or {})}
        self.route(path, lambda req: conditional_reply(req, raw, hdrs, last_modified))

    # -- statistics ----------------------------------------------------------------------------
    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def count(self, key: str) -> int:
        """Increment and return a named counter (for stateful routes)."""
        with self._lock:
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    @contextlib.contextmanager
    def _enter(self, req: Request):  # type: ignore[no-untyped-def]
        with self._lock:
            self.requests.append(req)
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            yield
        finally:
            with self._lock:
                self.inflight -= 1

    # -- routing ---------------------------------------------------------------------------------
    def _dispatch(self, req: Request) -> Reply:
        fn = self._exact.get(req.path)
        if fn is None:
            fn = next((f for p, f in self._prefix if req.path.startswith(p)), None)
        if fn is not None:
            return fn(req)
        return self._static(req)

    def _static(self, req: Request) -> Reply:
        if self.root is None or req.path.endswith(".headers"):
            return Reply(404, "not found")
        base = self.root.resolve()
        target = (base / req.path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(base) or not target.is_file():
            return Reply(404, "not found")
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        headers = {"Content-Type": ctype}
        side = target.with_name(target.name + ".headers")
        if side.is_file():
            for line in side.read_text("utf-8").splitlines():
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip()] = value.strip()
        lm = email.utils.formatdate(int(target.stat().st_mtime), usegmt=True)
        return conditional_reply(req, target.read_bytes(), headers, lm)

    def _builtin_routes(self) -> None:
        def status(req: Request) -> Reply:
            code = int(req.path.rsplit("/", 1)[1])
            hdrs = {"Retry-After": req.query["retry_after"]} if "retry_after" in req.query else {}
            return Reply(code, f"status {code}", hdrs)

        def flaky(req: Request) -> Reply:
            n = self.count(req.path)
            if n <= int(req.query.get("fail", "2")):
                code = int(req.query.get("code", "503"))
                ra = req.query.get("retry_after")
                return Reply(code, f"try again ({n})", {"Retry-After": ra} if ra else {})
            return Reply(200, f"<p>Lần thử thứ {n}: thành công</p>")

        def redirect_chain(req: Request) -> Reply:
            n = int(req.path.rsplit("/", 1)[1])
            if n <= 0:
                return Reply(200, "arrived")
            return Reply(302, "", {"Location": f"/redirect/{n - 1}"})

        def robots(req: Request) -> Reply:
            if self.robots_txt is None:
                return Reply(404, "no robots.txt")
            return Reply(200, self.robots_txt, content_type="text/plain; charset=utf-8")

        def echo(req: Request) -> Reply:
            payload = {"method": req.method, "path": req.path, "headers": req.headers}
            return Reply(200, json.dumps(payload), content_type="application/json")

        q = lambda req, key, default: req.query.get(key, default)  # noqa: E731
        self.route("/status/", status, prefix=True)
        self.route("/flaky/", flaky, prefix=True)
        self.route("/redirect/", redirect_chain, prefix=True)
        self.route("/slow", lambda r: Reply(200, "slow", delay=float(q(r, "s", "1.0"))))
        self.route(
            "/big",
            lambda r: Reply(
                200,
                b"x" * int(q(r, "size", str(6 * 1024 * 1024))),
                content_type="text/plain",
                chunked=q(r, "chunked", "") == "1",
            ),
        )
        self.route(
            "/drip",
            lambda r: Reply(200, b"." * int(q(r, "n", "100")), drip=float(q(r, "every", "0.05"))),
        )
        self.route("/redirect", lambda r: Reply(302, "", {"Location": q(r, "to", "/")}))
        self.route("/redirect-loop", lambda r: Reply(302, "", {"Location": "/redirect-loop"}))
        self.route("/robots.txt", robots)
        self.route("/echo", echo)
        self.route("/reset", lambda r: Reply(action="reset"))
        self.route("/never", lambda r: Reply(action="hang"))
        self.add_page("/cond", COND_PAGE)
