"""A hostile web, through `newsmon poll` as a user runs it: every fault is one clear line.

One poll runs over a fault site on loopback (500, 503 with Retry-After, resets, a server that
never answers, a 1-byte-a-second drip, 50 MB pages, random bytes, a redirect loop, a
self-signed certificate, a lying charset, empty and article-less pages, entity bombs,
external entities, links to private addresses and to `file:`/`javascript:`) next to two
healthy sources. Each faulty source must end with one clear line in the poll JSON and in
`newsmon sources`; the healthy ones must store every article all the same.

The CLI runs with a network fence (an audit hook, see FENCE): a connection to anything but
127.0.0.0/8 is blocked and logged, so a link to 10.x or 169.254.169.254 can never send
traffic from this test, and the test proves the fetcher refused it before connecting.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session, select

from monitor.errors import ExtractError
from monitor.extract.feed import MIN_EXPAT, check_expat
from storage.db import make_engine
from storage.models import Article
from tests.loopback import LoopbackServer, Reply, make_self_signed_cert

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "tests" / "fixtures" / "sites"
EXPECTED = yaml.safe_load((SITES / "expected.yaml").read_text(encoding="utf-8"))
TOPICS = yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8"))["topics"]
for _topic in TOPICS:  # the shipped model file, wherever the test writes its config
    if "model" in _topic:
        _topic["model"] = str(ROOT / _topic["model"])
BIG = 50 * 1024 * 1024
SECRET = "MAT-KHAU-BI-MAT-7f3a9c"  # the content of the file an external entity points at

# sitecustomize for the CLI under test: refuse (and log) every connection off loopback.
FENCE = """
import ipaddress, os, sys
_LOG = os.environ["NEWSMON_FENCE_LOG"]
def _fence(event, args):
    if event != "socket.connect" or not isinstance(args[1], tuple):
        return
    host = str(args[1][0]).split("%")[0]
    try:
        allowed = ipaddress.ip_address(host).is_loopback
    except ValueError:
        allowed = False
    if not allowed:
        with open(_LOG, "a") as fh:
            fh.write(host + "\\n")
        raise PermissionError(f"test fence: no traffic to {host}")
sys.addaudithook(_fence)
"""


# -- pages of the fault site (original Vietnamese text) --------------------------------------
def listing_html(links: list[str]) -> str:
    items = "".join(
        f'<li class="tin"><a href="{u}">Bản tin số {n}</a></li>' for n, u in enumerate(links)
    )
    return (
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Tin tức</title></head>"
        f"<body><nav><a href='/'>Trang chủ</a></nav><ul class='ds-tin'>{items}</ul></body></html>"
    )


def article_html(title: str, charset: str = "utf-8") -> str:
    paragraphs = "".join(
        f"<p>Đoạn {n}: UBND TP. Cần Thơ và các tỉnh ĐBSCL thống nhất đẩy mạnh liên kết vùng, "
        "hoà hợp kế hoạch giao thông, thoả thuận chia sẻ dữ liệu và uỷ quyền điều phối.</p>"
        for n in range(1, 6)
    )
    return (
        f"<!DOCTYPE html><html lang='vi'><head><meta charset='{charset}'><title>{title}</title>"
        f"</head><body><h1>{title}</h1><p class='ngay'>Thứ Sáu, 29/11/2024 - 10:30</p>"
        f"<div class='noi-dung'>{paragraphs}</div></body></html>"
    )


NO_ARTICLES = (
    "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Bảo trì</title></head>"
    "<body><nav><a href='/'>Trang chủ</a> <a href='/gioi-thieu/'>Giới thiệu</a></nav>"
    "<p>Trang đang được bảo trì, mời quay lại sau.</p><footer>UBND TP. Cần Thơ</footer></body></html>"
)
LOL = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [<!ENTITY lol0 "lol">{LOL}]>
<rss version="2.0"><channel><title>&lol9;</title><link>/fault/</link>
<item><title>Cười &lol9;</title><link>/fault/lol-bai-viet-2001.html</link>
<description>&lol9;</description></item></channel></rss>"""
FULL_TEXT = " ".join(["Lãnh đạo TP.HCM và 13 tỉnh ĐBSCL ký thoả thuận hợp tác liên kết vùng."] * 8)


def xxe_feed(secret_path: Path, dtd_url: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [
  <!ENTITY xxe SYSTEM "file://{secret_path}">
  <!ENTITY % remote SYSTEM "{dtd_url}">
  %remote;
]>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Tin &xxe;</title><link>/fault/</link>
<item><title>Bản tin &xxe;</title><link>/fault/xxe-bai-viet-2002.html</link>
<description>Tóm tắt &xxe;</description>
<content:encoded><![CDATA[<p>{FULL_TEXT}</p>]]>&xxe;</content:encoded></item>
</channel></rss>"""


def fault_site(srv: LoopbackServer, secret_path: Path) -> None:
    """Add the fault routes under /fault/ (the fixture sites are served beside them)."""
    rng = random.Random(20241129)
    garbage = rng.randbytes(256 * 1024)
    srv.route("/fault/random", lambda r: Reply(200, garbage))
    srv.route("/fault/empty", lambda r: Reply(200, b""))
    srv.route("/fault/drip", lambda r: Reply(200, listing_html(["/fault/a-1001.html"]), drip=1.0))
    srv.add_page("/fault/no-articles", NO_ARTICLES)
    srv.add_page("/fault/lol.rss", BILLION_LAUGHS, "application/rss+xml")
    srv.add_page("/fault/lol-bai-viet-2001.html", article_html("Tiếng cười"))
    srv.add_page("/fault/evil.dtd", f'<!ENTITY xxe SYSTEM "file://{secret_path}">', "text/plain")
    srv.add_page(
        "/fault/xxe.rss", xxe_feed(secret_path, srv.url("/fault/evil.dtd")), "application/rss+xml"
    )
    srv.add_page("/fault/xxe-bai-viet-2002.html", article_html("Bản tin"))
    # A portal that declares Latin-1 in its header and sends UTF-8.
    latin = "text/html; charset=iso-8859-1"
    srv.add_page("/fault/charset/", listing_html(["/fault/charset/lien-ket-vung-2003.html"]), latin)
    srv.add_page(
        "/fault/charset/lien-ket-vung-2003.html",
        article_html("Cần Thơ và TP.HCM ký kết liên kết vùng", charset="iso-8859-1"),
        latin,
    )
    # The same with no charset in the header and a wrong one in <meta>.
    srv.add_page("/fault/meta/", listing_html(["/fault/meta/lien-ket-vung-2005.html"]), "text/html")
    srv.add_page(
        "/fault/meta/lien-ket-vung-2005.html",
        article_html("Vĩnh Long hợp tác với TP.HCM", charset="windows-1252"),
        "text/html",
    )
    # Listings whose links lead where a poll must never go.
    for name, link in PRIVATE_LINKS.items():
        srv.add_page(f"/fault/{name}/", listing_html([link]))
    srv.add_page("/fault/schemes/", listing_html(["file:///etc/passwd", "javascript:alert(1)"]))
    for name, target in REDIRECTS.items():
        srv.add_page(f"/fault/{name}/", listing_html([f"/fault/{name}/bai-viet-2004.html"]))
        srv.route(
            f"/fault/{name}/bai-viet-2004.html", lambda r, t=target: Reply(302, "", {"Location": t})
        )


PRIVATE_LINKS = {
    "private-10": "http://10.11.12.13/tin-noi-bo-1001.html",
    "private-192": "http://192.168.1.20/tin-noi-bo-1002.html",
    "metadata": "http://169.254.169.254/latest/meta-data/iam-1003.html",
}
REDIRECTS = {
    "redirect-metadata": "http://169.254.169.254/latest/meta-data/",
    "redirect-file": "file:///etc/passwd",
}
SELECTORS = {"items": {"selector": "li.tin"}, "article": {"title": "h1", "body": ".noi-dung"}}


def fault_sources(http: str, https: str) -> list[dict[str, Any]]:
    healthy = [
        {"id": sid, **{**EXPECTED["sources"][sid], "url": http + EXPECTED["sources"][sid]["url"]}}
        for sid in ("cantho-portal", "nongnghiep-atom")
    ]
    faults: list[dict[str, Any]] = [
        {"id": "http-500", "url": f"{http}/status/500"},
        {"id": "http-503", "url": f"{http}/status/503?retry_after=1"},
        {"id": "reset", "url": f"{http}/reset"},
        {"id": "never", "url": f"{http}/never"},
        {"id": "drip", "url": f"{http}/fault/drip"},
        {"id": "page-50mb", "url": f"{http}/big?size={BIG}"},
        {"id": "page-50mb-chunked", "url": f"{http}/big?size={BIG}&chunked=1"},
        {"id": "random-bytes", "url": f"{http}/fault/random"},
        {"id": "redirect-loop", "url": f"{http}/redirect-loop"},
        {"id": "self-signed", "url": f"{https}/cantho/tin-tuc-va-su-kien/"},
        {"id": "wrong-charset", "url": f"{http}/fault/charset/", "type": "html", **SELECTORS},
        {"id": "wrong-meta-charset", "url": f"{http}/fault/meta/", "type": "html", **SELECTORS},
        {"id": "empty-200", "url": f"{http}/fault/empty"},
        {"id": "no-articles", "url": f"{http}/fault/no-articles"},
        {"id": "billion-laughs", "url": f"{http}/fault/lol.rss", "type": "feed"},
        {"id": "xxe", "url": f"{http}/fault/xxe.rss", "type": "feed"},
        {"id": "file-js-links", "url": f"{http}/fault/schemes/", "type": "html", **SELECTORS},
    ]
    for name, link in PRIVATE_LINKS.items():
        host = link.split("/")[2]
        faults.append(
            {
                "id": name,
                "url": f"{http}/fault/{name}/",
                "type": "html",
                "allow_hosts": [host],
                **SELECTORS,
            }
        )
    for name in REDIRECTS:
        faults.append({"id": name, "url": f"{http}/fault/{name}/", "type": "html", **SELECTORS})
    return healthy + faults


# -- running the CLI -----------------------------------------------------------------------------
@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float


def write_config(path: Path, sources: list[dict[str, Any]], **settings: Any) -> Path:
    config = {
        "settings": {"per_host_delay": "0s", "timeout": "1s", "max_bytes": "1MB", **settings},
        "topics": TOPICS,
        "channels": [],
        "sources": sources,
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def fenced_env(fence_dir: Path) -> dict[str, str]:
    fence_dir.mkdir(exist_ok=True)
    (fence_dir / "sitecustomize.py").write_text(FENCE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["PYTHONPATH"] = str(fence_dir)
    env["NEWSMON_FENCE_LOG"] = str(fence_dir / "blocked.log")
    return env


def newsmon(config: Path, db: str, env: dict[str, str], *args: str, timeout: float = 90) -> Run:
    """Run the CLI, with its own peak memory (wait4 gives this child's rusage alone)."""
    out, err = config.with_suffix(".out"), config.with_suffix(".err")
    started = time.monotonic()
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "--db", db, *args],
            stdout=fo, stderr=fe, cwd=ROOT, env=env,
        )  # fmt: skip
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"newsmon {' '.join(args)} ran over {timeout}s")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        proc.returncode,
        out.read_text("utf-8"),
        err.read_text("utf-8"),
        time.monotonic() - started,
        usage.ru_maxrss / 1024,
    )


@dataclass
class FaultRun:
    poll: Run
    records: dict[str, dict[str, Any]]
    health: dict[str, dict[str, Any]]
    articles: list[Article]
    blocked: str
    server: LoopbackServer
    tls_server: LoopbackServer


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultRun]:
    tmp = tmp_path_factory.mktemp("faults")
    secret = tmp / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    cert = make_self_signed_cert(tmp)
    with LoopbackServer(root=SITES) as srv, LoopbackServer(root=SITES, tls=cert) as tls_srv:
        fault_site(srv, secret)
        config = write_config(tmp / "sources.yaml", fault_sources(srv.base_url, tls_srv.base_url))
        db = f"sqlite:///{tmp / 'faults.db'}"
        env = fenced_env(tmp / "fence")
        poll = newsmon(config, db, env, "poll", "--no-alerts", "--json")
        assert poll.stdout.strip(), poll.stderr
        records = {s["id"]: s for s in json.loads(poll.stdout)["sources"]}
        health_run = newsmon(config, db, env, "sources", "--json")
        assert health_run.returncode == 0, health_run.stderr
        health = {s["id"]: s for s in json.loads(health_run.stdout)["sources"]}
        engine = make_engine(db)
        with Session(engine) as session:
            articles = list(session.exec(select(Article)))
        engine.dispose()
        blocked = Path(env["NEWSMON_FENCE_LOG"])
        yield FaultRun(
            poll,
            records,
            health,
            articles,
            blocked.read_text() if blocked.exists() else "",
            srv,
            tls_srv,
        )


# -- what a user sees ---------------------------------------------------------------------------
FAULTS: dict[str, str] = {  # source id → the line `poll --json` and `sources` must show
    "http-500": "HTTP 500 (after 3 attempts)",
    "http-503": "HTTP 503 (after 3 attempts)",
    "reset": "connection reset (after 3 attempts)",
    "never": "timeout after 1s (after 3 attempts)",
    "drip": "timeout after 1s (after 3 attempts)",
    "page-50mb": "response over 1MB",
    "page-50mb-chunked": "response over 1MB",
    "random-bytes": "no article links found on the listing (check items selectors)",
    "redirect-loop": "too many redirects",
    "self-signed": "TLS certificate verify failed: self-signed certificate",
    "empty-200": "empty page",
    "no-articles": "no article links found on the listing (check items selectors)",
    "file-js-links": "no article links found on the listing (check items selectors)",
}
LINK_FAULTS: dict[str, str] = {  # the listing works; the one article link is refused
    "private-10": f"{PRIVATE_LINKS['private-10']}: private address not allowed",
    "private-192": f"{PRIVATE_LINKS['private-192']}: private address not allowed",
    "metadata": f"{PRIVATE_LINKS['metadata']}: private address not allowed",
    "redirect-metadata": "/fault/redirect-metadata/bai-viet-2004.html: private address not allowed",
    "redirect-file": "/fault/redirect-file/bai-viet-2004.html: unsupported URL scheme 'file'",
}


def test_healthy_sources_store_everything_beside_the_faults(fault_run: FaultRun) -> None:
    assert fault_run.poll.returncode == 1, "failed sources make the exit code 1"
    assert len(fault_run.poll.stderr.splitlines()) <= 1, fault_run.poll.stderr
    for sid, expected_new in (("cantho-portal", 2), ("nongnghiep-atom", 2)):
        record = fault_run.records[sid]
        assert record["ok"] and record["error"] is None and record["new"] == expected_new, record
        assert fault_run.health[sid]["ok"] and fault_run.health[sid]["last_error"] is None
    assert fault_run.poll.seconds < 40, "faults are bounded in time (timeouts, retries, caps)"


@pytest.mark.parametrize("sid", sorted(FAULTS))
def test_fault_is_one_clear_line(fault_run: FaultRun, sid: str) -> None:
    record, health = fault_run.records[sid], fault_run.health[sid]
    assert not record["ok"] and record["new"] == 0
    assert record["error"] == FAULTS[sid]
    assert not health["ok"] and health["consecutive_failures"] == 1
    assert health["last_error"] == FAULTS[sid], "`newsmon sources` shows the same line"


@pytest.mark.parametrize("sid", sorted(LINK_FAULTS))
def test_forbidden_article_link_is_refused_with_a_reason(fault_run: FaultRun, sid: str) -> None:
    record = fault_run.records[sid]
    assert record["items"] == 1 and record["new"] == 0
    assert record["error"].endswith(LINK_FAULTS[sid]), record
    assert "\n" not in record["error"]
    assert fault_run.health[sid]["last_error"] == record["error"]


def test_private_addresses_never_receive_a_connection(fault_run: FaultRun) -> None:
    """The fetcher refuses before connecting: the fence saw no attempt to leave loopback."""
    assert fault_run.blocked == ""
    assert not any("10.11.12.13" in a.url or "169.254" in a.url for a in fault_run.articles)


def test_retry_after_is_honoured(fault_run: FaultRun) -> None:
    hits = fault_run.server.requests_to("/status/503")
    assert len(hits) == 3
    gaps = [b.time - a.time for a, b in itertools.pairwise(hits)]
    assert all(gap >= 0.9 for gap in gaps), gaps


def test_wrong_declared_charset_still_reads_vietnamese(fault_run: FaultRun) -> None:
    record = fault_run.records["wrong-charset"]
    assert record["ok"] and record["new"] == 1, record
    (article,) = [a for a in fault_run.articles if "/fault/charset/" in a.url]
    assert article.title == "Cần Thơ và TP.HCM ký kết liên kết vùng"
    assert "liên kết vùng, hoà hợp" in article.body


def test_wrong_meta_charset_still_reads_vietnamese(fault_run: FaultRun) -> None:
    record = fault_run.records["wrong-meta-charset"]
    assert record["ok"] and record["new"] == 1, record
    (article,) = [a for a in fault_run.articles if "/fault/meta/" in a.url]
    assert article.title == "Vĩnh Long hợp tác với TP.HCM"


def test_entity_bomb_is_not_expanded(fault_run: FaultRun) -> None:
    record = fault_run.records["billion-laughs"]
    assert record["error"] is None or "\n" not in record["error"]
    texts = [f"{a.title}\n{a.body}\n{a.summary}" for a in fault_run.articles]
    assert not any("lollollol" in t for t in texts)
    assert "lollollol" not in fault_run.poll.stdout + fault_run.poll.stderr
    assert fault_run.poll.max_rss_mb < 400, "no expansion in memory"


def test_external_entity_is_never_read(fault_run: FaultRun) -> None:
    record = fault_run.records["xxe"]
    assert record["ok"] and record["new"] == 1, record
    (article,) = [a for a in fault_run.articles if "xxe-bai-viet" in a.url]
    assert "thoả thuận hợp tác liên kết vùng" in article.body
    everything = [fault_run.poll.stdout, fault_run.poll.stderr]
    everything += [f"{a.title}\n{a.body}\n{a.summary}" for a in fault_run.articles]
    assert not any(SECRET in text for text in everything)
    assert fault_run.server.requests_to("/fault/evil.dtd") == [], "no external DTD fetched"


def test_big_page_is_cut_off_without_reading_it(tmp_path: Path) -> None:
    """A 50 MB page (declared or streamed) costs about what a 404 costs in memory."""
    with LoopbackServer() as srv:
        env = fenced_env(tmp_path / "fence")
        db = f"sqlite:///{tmp_path / 'n.db'}"
        small = write_config(
            tmp_path / "small.yaml", [{"id": "tiny", "url": srv.url("/status/404")}]
        )
        base = newsmon(small, db, env, "poll", "--no-alerts", "--json")
        big = write_config(
            tmp_path / "big.yaml",
            [{"id": "streamed", "url": srv.url(f"/big?size={BIG}&chunked=1")}],
        )
        run = newsmon(big, db, env, "poll", "--no-alerts", "--json")
    (record,) = json.loads(run.stdout)["sources"]
    assert record["error"] == "response over 1MB"
    assert run.max_rss_mb - base.max_rss_mb < 25, (run.max_rss_mb, base.max_rss_mb)


def test_old_expat_refuses_feeds_with_a_clear_message() -> None:
    check_expat(MIN_EXPAT)  # 2.4.1 and later read feeds
    with pytest.raises(ExtractError, match=r"expat 2\.2\.10, older than 2\.4\.1"):
        check_expat((2, 2, 10))


def test_old_expat_refusal_is_the_sources_error(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """In a poll, the refusal is the feed source's error line, and nothing is parsed."""
    import asyncio
    import pyexpat
    from datetime import UTC, datetime

    from monitor.config.models import load_config
    from monitor.fetch.client import Fetcher
    from monitor.match.matcher import compile_topics
    from monitor.pipeline.poll import poll_source

    monkeypatch.setattr(pyexpat, "version_info", (2, 2, 10))
    from storage.db import upgrade

    path = write_config(
        tmp_path / "sources.yaml",
        [{"id": "feed", "url": loopback.url("/nongnghiep/feed.atom"), "type": "feed"}],
    )
    config = load_config(path)
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")

    upgrade(engine)

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(config.settings) as fetcher:
            return await poll_source(
                engine,
                config,
                fetcher,
                compile_topics(config.topics),
                config.sources[0],
                datetime.now(UTC),
            )

    record = asyncio.run(go())
    engine.dispose()
    assert not record.ok and "older than 2.4.1" in (record.error or "")


# -- a full disk ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def disk_full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run, list[tuple[str, ...]]]:
    """Poll once with the database's files unable to grow (RLIMIT_FSIZE: writes fail as on a
    full disk), then again with room: (full run, recovered run, integrity_check rows)."""
    import resource
    import signal
    import sqlite3

    tmp_path = tmp_path_factory.mktemp("disk-full")
    with LoopbackServer(root=SITES) as srv:
        env = fenced_env(tmp_path / "fence")
        path = tmp_path / "n.db"
        db = f"sqlite:///{path}"
        feed = {"id": "atom", "url": srv.url("/nongnghiep/feed.atom"), "type": "feed"}
        config = write_config(tmp_path / "sources.yaml", [feed])
        assert newsmon(config, db, env, "db", "upgrade").returncode == 0

        def full_disk() -> None:  # in the child: a write past 33 KB fails with EFBIG
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (33_000, 33_000))

        out, err = config.with_suffix(".full.out"), config.with_suffix(".full.err")
        with out.open("wb") as fo, err.open("wb") as fe:
            proc = subprocess.run(
                [sys.executable, "-m", "monitor", "--config", str(config), "--db", db,
                 "poll", "--no-alerts", "--json"],
                stdout=fo, stderr=fe, cwd=ROOT, env=env, preexec_fn=full_disk, timeout=90,
            )  # fmt: skip
        full = Run(proc.returncode, out.read_text("utf-8"), err.read_text("utf-8"), 0, 0)
        again = newsmon(config, db, env, "poll", "--no-alerts", "--json")
        with sqlite3.connect(path) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchall()
    return full, again, integrity


def test_full_disk_fails_the_poll_loses_nothing_and_recovers(disk_full: tuple) -> None:
    full, again, integrity = disk_full
    assert full.returncode == 1
    (record,) = json.loads(full.stdout)["sources"]
    assert not record["ok"] and record["new"] == 0
    assert integrity == [("ok",)], "no corruption"
    (record,) = json.loads(again.stdout)["sources"]
    assert again.returncode == 0 and record["ok"] and record["new"] == 2, "recovered: stored now"


def test_full_disk_is_one_clear_line_without_traceback(disk_full: tuple) -> None:
    full = disk_full[0]
    (record,) = json.loads(full.stdout)["sources"]
    assert "\n" not in record["error"] and "internal error" not in record["error"]
    assert "Traceback" not in full.stderr
