"""`newsmon run` as the real process: a loopback news site that publishes during the test, alerts
to a loopback HTTP receiver, signals sent to the process, kill -9 and restarts.

Every wait is on an observable event (a log line, a database row, a received alert) with a
deadline; intervals are 1 s and the first polls start at once (NEWSMON_FIRST_POLL=now).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from monitor.config.models import parse_config
from monitor.daemon.lock import DaemonLock, LockHeld, SourceLeases, poll_leased
from monitor.daemon.schedule import Options, make_trigger
from monitor.fetch.client import Fetcher
from monitor.match.matcher import compile_topics
from storage.db import make_engine, upgrade
from storage.models import Article, PollLog, Revision
from tests.conftest_db import pg_schema_url
from tests.http_receiver import HTTPReceiver
from tests.loopback import LoopbackServer, Reply

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def wait_until(what: str, check: Callable[[], T], timeout: float = 10.0, step: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(step)


class Site:
    """A news site under `prefix`: a listing of articles and their pages, editable live."""

    def __init__(self, srv: LoopbackServer, prefix: str) -> None:
        self.srv, self.prefix = srv, prefix
        self.articles: dict[int, tuple[str, list[str]]] = {}
        self.delay = 0.0
        srv.route(f"{prefix}/", self._listing)
        srv.route(f"{prefix}/tin/", self._article, prefix=True)

    @property
    def url(self) -> str:
        return self.srv.url(f"{self.prefix}/")

    def article_url(self, n: int) -> str:
        return self.srv.url(f"{self.prefix}/tin/{n}.html")

    def publish(self, n: int) -> str:
        title = f"Tin {self.prefix[1:]}-{n}: Cần Thơ đẩy mạnh liên kết vùng ĐBSCL"
        self.articles[n] = (
            title,
            [
                f"Sáng 29/11, UBND TP. Cần Thơ và TP.HCM bàn về liên kết vùng, bản tin số {n}.",
                "Hai bên thống nhất 5 nội dung hợp tác trọng tâm.",
            ],
        )
        return title

    def _listing(self, req: Any) -> Reply:
        items = "".join(
            f"<div class='item'><a href='{self.prefix}/tin/{n}.html'>{title}</a></div>"
            for n, (title, _) in sorted(self.articles.items(), reverse=True)
        )
        html = f"<html><body><h2>Tin tức</h2><div class='news'>{items}</div></body></html>"
        return Reply(200, html, delay=self.delay)

    def _article(self, req: Any) -> Reply:
        match = re.fullmatch(rf"{self.prefix}/tin/(\d+)\.html", req.path)
        entry = self.articles.get(int(match.group(1))) if match else None
        if entry is None:
            return Reply(404, "Không tìm thấy")
        title, paras = entry
        body = "".join(f"<p>{p}</p>" for p in paras)
        html = (
            f"<html><body><nav>Trang chủ</nav><h1>{title}</h1>"
            f"<div class='date'>Thứ Sáu, 29/11/2024 - 10:30</div>"
            f"<div class='content'>{body}</div></body></html>"
        )
        return Reply(200, html)


def source(site: Site, sid: str, interval: str = "1s") -> dict[str, Any]:
    return {
        "id": sid,
        "url": site.url,
        "type": "html",
        "interval": interval,
        "items": {"selector": ".item"},
        "article": {"title": "h1", "body": ".content", "date": ".date"},
    }


def write_config(path: Path, sources: list[dict], hook: str | None, **settings: Any) -> None:
    config = {
        "settings": {
            "per_host_delay": "0s",
            "timeout": "5s",
            "respect_robots": False,
            "alert_on_first_poll": False,
            **settings,
        },
        "topics": [
            {
                "id": "lien-ket-vung",
                "name": "Liên kết vùng",
                "terms": {"liên kết vùng": 3},
                "min_score": 3,
            }
        ],
        "channels": [{"id": "hook", "url": hook, "updates": True, "format": "text"}]
        if hook
        else [],
        "sources": sources,
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


class Run:
    """One `newsmon run` process; its stderr goes to a log file the test reads."""

    count = 0

    def __init__(self, config: Path, db: str, env: dict[str, str] | None = None) -> None:
        Run.count += 1
        self.log_path = config.parent / f"run-{Run.count}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "--db", db, "run"],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            cwd=ROOT,
            env={**os.environ, "NEWSMON_FIRST_POLL": "now", **(env or {})},
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_log(self, pattern: str, timeout: float = 10.0) -> re.Match[str]:
        return wait_until(f"log line {pattern!r}", lambda: re.search(pattern, self.log), timeout)

    def send(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 15.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait()


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.kill()


@pytest.fixture
def hook() -> Iterator[HTTPReceiver]:
    with HTTPReceiver() as receiver:
        yield receiver


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'data' / 'newsmon.db'}"
    engine = make_engine(url)
    upgrade(engine)  # the daemon upgrades too; this lets the test query from the start
    yield url, engine
    engine.dispose()


@pytest.fixture
def any_db(db_url: str) -> Iterator[tuple[str, Engine]]:
    """SQLite, and PostgreSQL in a schema of its own (tests/conftest_db.py)."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield db_url, engine
    engine.dispose()


def count(engine: Engine, model: Any, *where: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def polls(engine: Engine, sid: str) -> int:
    return count(engine, PollLog, PollLog.source_id == sid)


def titles(hook: HTTPReceiver) -> list[str]:
    return [r.json().get("title", "") for r in hook.requests]


# -- the daemon end to end -------------------------------------------------------------------


def test_new_article_is_stored_and_alerted_within_interval_plus_2s(
    loopback, hook, any_db, tmp_path, runs
) -> None:
    url, engine = any_db
    site = Site(loopback, "/a")
    site.publish(1)
    config = tmp_path / "sources.yaml"
    write_config(config, [source(site, "a")], hook.url("json", "/alerts"))
    runs.append(run := Run(config, url))
    wait_until("the baseline poll", lambda: count(engine, Article) == 1, timeout=15)
    run.wait_log(r"poll a ok status=200 items=1 new=1 updated=0 ms=\d+")

    if url.startswith("sqlite"):  # PostgreSQL: several daemons share it (test_daemons.py)
        second = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(config), "--db", url, "run"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 2
        assert "another newsmon run holds" in second.stderr and "newsmon.db.lock" in second.stderr
        assert "several daemons need PostgreSQL" in second.stderr

    title = site.publish(2)
    published = time.monotonic()
    wait_until("the alert", lambda: hook.requests, timeout=3.0)
    delay = time.monotonic() - published
    assert delay <= 1.0 + 2.0, f"alert after {delay:.2f}s"
    print(f"alert {delay:.2f}s after publishing (interval 1s)")
    assert count(engine, Article, Article.url == site.article_url(2)) == 1
    [alert] = hook.requests
    assert title in alert.json()["title"] and site.article_url(2) in alert.json()["message"]
    assert not [t for t in titles(hook) if "a-1" in t], "the baseline article is not alerted"

    run.send(signal.SIGTERM)
    assert run.wait() == 0
    assert "stopped cleanly" in run.log
    assert "Traceback" not in run.log


def test_sighup_adds_and_removes_sources_and_keeps_running_on_a_broken_config(
    loopback, db, tmp_path, runs
) -> None:
    url, engine = db
    sites = {p: Site(loopback, f"/{p}") for p in "abc"}
    for s in sites.values():
        s.publish(1)
    config = tmp_path / "sources.yaml"
    write_config(config, [source(sites["a"], "a"), source(sites["b"], "b")], None)
    runs.append(run := Run(config, url))
    wait_until("a and b polled", lambda: polls(engine, "a") and polls(engine, "b"), timeout=15)
    assert polls(engine, "c") == 0

    write_config(config, [source(sites["a"], "a"), source(sites["c"], "c")], None)
    run.send(signal.SIGHUP)
    run.wait_log(r"reload: configuration applied \(2 sources: 1 added, 1 removed")
    b_after_reload = polls(engine, "b")
    wait_until("c polled twice", lambda: polls(engine, "c") >= 2)
    assert polls(engine, "b") <= b_after_reload + 1, "b is no longer polled (bar one in flight)"

    broken = config.read_text(encoding="utf-8").replace("interval: 1s", "interval: 10 minutes", 1)
    config.write_text(broken, encoding="utf-8")
    run.send(signal.SIGHUP)
    line = run.wait_log(r"reload: .*sources\.yaml:\d+:\d+: sources\[0\]\.interval: .*")
    assert "is not a duration (try 10m)" in line.group(0)
    run.wait_log("the previous one keeps running")
    a, c = polls(engine, "a"), polls(engine, "c")
    wait_until("polls go on", lambda: polls(engine, "a") > a + 1 and polls(engine, "c") > c + 1)

    run.send(signal.SIGTERM)
    assert run.wait() == 0


def test_sigterm_during_a_slow_poll_lets_it_finish_and_exits_0(loopback, db, tmp_path, runs):
    url, engine = db
    site = Site(loopback, "/a")
    site.publish(1)
    site.delay = 2.5
    config = tmp_path / "sources.yaml"
    write_config(config, [source(site, "a", interval="1h")], None)
    runs.append(run := Run(config, url))
    wait_until("the listing request", lambda: loopback.requests_to("/a/"), timeout=15)
    started = time.monotonic()
    run.send(signal.SIGTERM)
    assert run.wait() == 0
    assert time.monotonic() - started < 10
    assert polls(engine, "a") == 1 and count(engine, Article) == 1, "the poll was committed"
    assert "waiting for 1 poll(s) in flight" in run.log and "stopped cleanly" in run.log


def test_a_poll_longer_than_the_grace_is_not_committed(loopback, db, tmp_path, runs) -> None:
    url, engine = db
    site = Site(loopback, "/a")
    site.publish(1)
    site.delay = 30
    config = tmp_path / "sources.yaml"
    write_config(config, [source(site, "a", interval="1h")], None, timeout="60s")
    runs.append(run := Run(config, url, env={"NEWSMON_STOP_GRACE": "1s"}))
    wait_until("the listing request", lambda: loopback.requests_to("/a/"), timeout=15)
    started = time.monotonic()
    run.send(signal.SIGTERM)
    assert run.wait() == 0
    assert time.monotonic() - started < 5
    assert polls(engine, "a") == 0 and count(engine, Article) == 0, "nothing half-written"
    assert "still running after 1s cancelled" in run.log

    runs.append(again := Run(config, url))  # a second signal does not wait at all
    wait_until("the listing request", lambda: len(loopback.requests_to("/a/")) == 2, timeout=15)
    started = time.monotonic()
    again.send(signal.SIGTERM)
    again.wait_log("waiting for 1 poll")
    again.send(signal.SIGINT)
    assert again.wait() == 1
    assert time.monotonic() - started < 5
    assert polls(engine, "a") == 0


def test_kill_9_at_random_moments_loses_and_repeats_nothing(loopback, hook, db, tmp_path, runs):
    url, engine = db
    site = Site(loopback, "/a")
    config = tmp_path / "sources.yaml"
    write_config(config, [source(site, "a")], hook.url("json", "/alerts"), alert_on_first_poll=True)
    rng = random.Random(20241129)
    published: list[str] = []
    kills = 5
    for n in range(1, kills + 1):
        published.append(site.publish(n))
        runs.append(run := Run(config, url))
        run.wait_log("newsmon run: 1 sources scheduled", timeout=15)
        time.sleep(rng.uniform(0.0, 1.2))
        run.proc.kill()
        assert run.wait() == -signal.SIGKILL
    published.append(site.publish(kills + 1))
    runs.append(final := Run(config, url))
    wait_until("every article stored", lambda: count(engine, Article) == len(published), 15)
    wait_until(
        "every article alerted",
        lambda: all(any(p in t for t in titles(hook)) for p in published),
        timeout=10,
    )
    final.send(signal.SIGTERM)
    assert final.wait() == 0
    with Session(engine) as session:
        urls = list(session.exec(select(Article.url)))
    assert sorted(urls) == sorted(site.article_url(n) for n in range(1, kills + 2))
    got = titles(hook)
    repeats = len(got) - len(set(got))
    assert len(set(got)) == len(published), got
    assert repeats <= kills, "at most one repeat per channel per crash (the in-flight window)"
    print(f"kill -9 x{kills}: {len(published)} articles, {len(got)} alerts, {repeats} repeated")


def test_edited_article_gets_a_revision_and_a_withdrawn_one_is_marked(
    loopback, hook, db, tmp_path, runs
) -> None:
    url, engine = db
    site = Site(loopback, "/a")
    site.publish(1)
    config = tmp_path / "sources.yaml"
    write_config(config, [source(site, "a")], hook.url("json", "/alerts"))
    env = {"NEWSMON_RECHECK_EVERY": "1s", "NEWSMON_RECHECK_TICK": "1s"}
    runs.append(run := Run(config, url, env=env))
    wait_until("the baseline poll", lambda: count(engine, Article) == 1, timeout=15)
    site.publish(2)
    wait_until("the new article's alert", lambda: len(hook.requests) == 1, timeout=5)

    title, paras = site.articles[2]
    site.articles[2] = (title, [paras[0], paras[1].replace("5 nội dung", "7 nội dung")])
    del site.articles[1]
    with Session(engine) as session:
        edited = session.exec(select(Article).where(Article.url == site.article_url(2))).one()
        gone = session.exec(select(Article).where(Article.url == site.article_url(1))).one()
    wait_until("a revision", lambda: count(engine, Revision, Revision.article_id == edited.id))
    with Session(engine) as session:
        [rev] = session.exec(select(Revision).where(Revision.article_id == edited.id)).all()
    assert "-Hai bên thống nhất 5 nội dung" in rev.diff and "+Hai bên thống nhất 7" in rev.diff
    wait_until("the update alert", lambda: len(hook.requests) == 2, timeout=5)

    def withdrawn_at() -> datetime | None:
        with Session(engine) as session:
            row = session.get(Article, gone.id)
            return row.withdrawn_at if row else None

    when = wait_until("the withdrawal", withdrawn_at)
    assert abs(datetime.now(UTC) - when) < timedelta(seconds=30)
    run.wait_log(r"article \d+ of a withdrawn \(HTTP 404\)")
    run.send(signal.SIGTERM)
    assert run.wait() == 0


# -- the parts, in process -------------------------------------------------------------------


def test_daemon_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    first = DaemonLock(engine).acquire()
    with pytest.raises(LockHeld, match=r"another newsmon run holds .*n\.db\.lock"):
        DaemonLock(engine).acquire()
    first.release()
    DaemonLock(engine).acquire().release()


def test_daemon_lock_on_postgresql_is_shared() -> None:
    with pg_schema_url() as one:
        engines = [make_engine(one) for _ in range(2)]
        try:
            held = DaemonLock(engines[0]).acquire()
            DaemonLock(engines[1]).acquire().release()  # several daemons share the database
            held.release()
        finally:
            for engine in engines:
                engine.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_source_lease_held_by_another_process_is_not_taken(tmp_path: Path, backend) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'n.db'}"
        scope: Any = contextlib.nullcontext(url)
    else:
        scope = pg_schema_url()
    with scope as url:
        _lease_across_processes(url)


async def _poll_leased(leases: SourceLeases, engine: Engine, sid: str) -> Any:
    config = parse_config(f"sources:\n  - {{id: {sid}, url: 'http://127.0.0.1:9/'}}\n", "s.yaml")
    async with Fetcher(config.settings) as fetcher:
        matcher = compile_topics(config.topics)
        source = config.sources[0]
        return await poll_leased(
            leases, engine, config, fetcher, matcher, source, datetime.now(UTC), wait=0.3
        )


def _lease_across_processes(url: str) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from storage.db import make_engine; from monitor.daemon.lock import SourceLeases;"
            "from storage.sources import sync_sources; from types import SimpleNamespace as N;"
            f"e = make_engine({url!r}); from storage.db import upgrade; upgrade(e);"
            "sync_sources(e, [N(id=i, name=i, url='http://127.0.0.1:9/') for i in 'ab']);"
            "l = SourceLeases(e, ttl=4); assert l.try_take('a');"
            "print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    engine = make_engine(url)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        leases = SourceLeases(engine, ttl=1)
        assert not leases.try_take("a"), "the other process polls a"
        record = asyncio.run(_poll_leased(leases, engine, "a"))
        assert not record.ok and "another newsmon process is polling it" in str(record.error)
        assert leases.try_take("b")
        assert not leases.try_take("b"), "nor twice inside one process"
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
        # a lease dies with its process (PostgreSQL: when its ttl runs out, unrenewed)
        wait_until("the lease of the ended process", lambda: leases.try_take("a"), timeout=10)
        leases.close()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        engine.dispose()


def test_first_polls_are_spread_and_keep_their_slot_after_a_restart(tmp_path: Path) -> None:
    text = (
        "settings: {interval: 15m}\nsources:\n"
        + "".join(f"  - {{id: s{i}, url: 'https://example.org/{i}'}}\n" for i in range(20))
        + "  - {id: daily, url: 'https://example.org/d', schedule: '0 6 * * *'}\n"
    )
    config = parse_config(text, str(tmp_path / "sources.yaml"))
    now = datetime(2024, 11, 29, 3, 30, tzinfo=UTC)
    options = Options()
    firsts = [make_trigger(config, s, now, None, options)[1] for s in config.sources[:20]]
    offsets = sorted((f - now).total_seconds() for f in firsts if f)
    assert len(offsets) == 20 and offsets[0] >= 0 and offsets[-1] <= 600, "min(interval, 10m)"
    assert len({int(o // 60) for o in offsets}) >= 6, "spread, not all at start-up"
    again = [make_trigger(config, s, now, None, options)[1] for s in config.sources[:20]]
    assert again == firsts, "the same slots after a restart"
    _, first = make_trigger(config, config.sources[0], now, now - timedelta(minutes=5), options)
    assert first == now + timedelta(minutes=10), "polled 5 min before a restart: keeps its rhythm"
    _, at_once = make_trigger(config, config.sources[0], now, None, Options(first_poll="now"))
    assert at_once == now
    trigger, _ = make_trigger(config, config.sources[0], now, None, options)
    later = trigger.get_next_fire_time(now, now)
    assert timedelta(minutes=15) <= later - now <= timedelta(minutes=16.5), "jitter ≤ interval/10"
    daily, first = make_trigger(config, config.sources[-1], now, None, options)
    fire = daily.get_next_fire_time(None, now).astimezone(config.settings.tz)
    assert first is None and fire.hour == 6, "cron in settings.timezone"
