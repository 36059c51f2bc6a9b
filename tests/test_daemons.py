"""Several `newsmon run` on one PostgreSQL, as real processes: three daemons share the sources of
a loopback site that records every request; one is killed with -9, another loses its database
sessions (pg_terminate_backend); a loopback SMTP server and a digest receiver count the alerts.

Every wait is on an observable event (a request, a log line, a received message, a row) with a
deadline; intervals are 3 s, the lease ttl 2 s, the first polls start at once.
"""

from __future__ import annotations

import itertools
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from storage.db import make_engine, upgrade
from storage.models import Alert, SourceLease
from tests.conftest_db import pg_schema_url
from tests.http_receiver import HTTPReceiver
from tests.loopback import LoopbackServer
from tests.smtp_server import SMTPReceiver
from tests.tcpproxy import TCPProxy
from tests.test_daemon import ROOT, Run, Site, source, wait_until

pytestmark = pytest.mark.postgres

INTERVAL = 3.0
TTL = 2.0
SOURCES = 12


@pytest.fixture
def pg() -> Iterator[tuple[str, Engine]]:
    with pg_schema_url() as url:
        engine = make_engine(url)
        upgrade(engine)
        try:
            yield url, engine
        finally:
            engine.dispose()


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.kill()


def write_config(path: Path, sites: list[Site], channels: list[dict[str, Any]]) -> None:
    config = {
        "settings": {
            "per_host_delay": "0s",
            "timeout": "5s",
            "respect_robots": False,
            "lease_ttl": f"{TTL:g}s",
        },
        "topics": [{"id": "lien-ket-vung", "name": "Liên kết vùng", "terms": {"liên kết vùng": 3}}],
        "channels": channels,
        "sources": [source(s, s.prefix[1:], interval=f"{INTERVAL:g}s") for s in sites],
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def listing_times(loopback: LoopbackServer, site: Site) -> list[float]:
    return [r.time for r in loopback.requests_to(f"{site.prefix}/")]


def pending_alerts(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Alert.id).where(Alert.status == "pending")).all())


def polls_by(run: Run) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sid in re.findall(r"poll (s\d+) ok ", run.log):
        counts[sid] = counts.get(sid, 0) + 1
    return counts


def gaps(times: list[float]) -> list[float]:
    """Between a source's listing requests, as the server saw them, after its baseline (the
    first fetch of a daemon starting up may leave well after its claim)."""
    times = times[1:]
    return [b - a for a, b in itertools.pairwise(times)]


MIN_GAP = 0.6 * INTERVAL  # claims are >= 0.85 interval apart; a fetch may leave a bit later


def test_three_daemons_share_the_sources_take_over_a_killed_one_and_alert_once(
    loopback: LoopbackServer, pg: tuple[str, Engine], tmp_path: Path, runs: list[Run]
) -> None:
    url, engine = pg
    sites = [Site(loopback, f"/s{i}") for i in range(SOURCES)]
    for site in sites:
        site.publish(1)
    with SMTPReceiver() as smtp, HTTPReceiver() as digests:
        channels = [
            {"id": "mail", "url": smtp.url(), "format": "text"},
            {
                "id": "digest",
                "url": digests.url("json", "/digest"),
                "mode": "digest",
                "digest_every": "2s",
                "format": "text",
            },
        ]
        config = tmp_path / "sources.yaml"
        write_config(config, sites, channels)
        for _ in range(3):
            runs.append(Run(config, url))
        for run in runs:
            run.wait_log(r"daemon \S+:\d+ \(shared database, lease ttl 2s\)", timeout=20)
        wait_until(
            "every source's baseline", lambda: all(listing_times(loopback, s) for s in sites), 20
        )

        # steady state: about one poll per source per interval, from all three together
        start = time.monotonic()
        time.sleep(0)  # the observation window is the next 3 intervals, measured server-side
        wait_until("three intervals", lambda: time.monotonic() - start > 3 * INTERVAL, 4 * INTERVAL)
        for site in sites:
            times = listing_times(loopback, site)
            assert min(gaps(times), default=INTERVAL) >= MIN_GAP, (site.prefix, times)
            window = [t for t in times if t >= start]
            assert len(window) <= 4, (site.prefix, window)
        spread = [sum(polls_by(run).values()) for run in runs]
        assert all(n > 0 for n in spread), f"polls per daemon: {spread}"

        # new articles: one email each, whichever daemon polled and sent
        titles = [site.publish(2) for site in sites]
        wait_until("one email per article", lambda: len(smtp.messages) >= SOURCES, 4 * INTERVAL)
        wait_until("the outbox drained", lambda: pending_alerts(engine) == 0, 4 * INTERVAL)

        # kill -9 one daemon: the others go on polling every source within about an interval
        victim = runs[0]
        victim.proc.kill()
        assert victim.wait() == -signal.SIGKILL
        killed = time.monotonic()
        for site in sites:
            wait_until(
                f"{site.prefix} polled after the kill",
                lambda s=site: [t for t in listing_times(loopback, s) if t > killed + TTL],
                timeout=INTERVAL * 1.1 + TTL + 3,
            )
        titles += [site.publish(3) for site in sites]
        wait_until("every email", lambda: len(smtp.messages) >= 2 * SOURCES, 5 * INTERVAL)
        wait_until("the outbox drained", lambda: pending_alerts(engine) == 0, 4 * INTERVAL)

        for run in runs[1:]:
            run.send(signal.SIGTERM)
        for run in runs[1:]:
            assert run.wait() == 0
            assert "Traceback" not in run.log

        subjects = [str(m["Subject"]) for m in smtp.messages]
        assert len(subjects) == len(set(subjects)) == 2 * SOURCES, subjects
        assert all(any(t[:40] in s for s in subjects) for t in titles)
        for site in sites:
            assert min(gaps(listing_times(loopback, site))) >= MIN_GAP, site.prefix
        digest_text = "\n".join(str(r.json().get("message", "")) for r in digests.requests)
        for site in sites:
            for n in (2, 3):
                assert digest_text.count(site.article_url(n)) == 1, (site.prefix, n)
        with Session(engine) as session:
            owners = {lease.owner for lease in session.exec(select(SourceLease))}
        assert owners <= {m.group(1) for r in runs if (m := re.search(r"daemon (\S+:\d+)", r.log))}
        print(f"polls per daemon {spread}; {len(subjects)} emails, {len(digests.requests)} digests")


def _terminate(engine: Engine, pid: int) -> int:
    with engine.begin() as conn:
        return len(
            conn.execute(
                text(
                    "select pg_terminate_backend(pid) from pg_stat_activity"
                    " where application_name like :name and pid <> pg_backend_pid()"
                ),
                {"name": f"newsmon run %:{pid}"},
            ).all()
        )


def test_a_daemon_whose_sessions_are_killed_reconnects_and_never_double_polls(
    loopback: LoopbackServer, pg: tuple[str, Engine], tmp_path: Path, runs: list[Run]
) -> None:
    url, engine = pg
    sites = [Site(loopback, f"/s{i}") for i in range(6)]
    for site in sites:
        site.publish(1)
        site.delay = 0.4  # polls in flight while the sessions go
    config = tmp_path / "sources.yaml"
    write_config(config, sites, [])
    for _ in range(2):
        runs.append(Run(config, url))
    for run in runs:
        run.wait_log(r"shared database", timeout=20)
    wait_until("every baseline", lambda: all(listing_times(loopback, s) for s in sites), 20)
    target = runs[0]
    terminated = 0
    deadline = time.monotonic() + 2 * INTERVAL
    while time.monotonic() < deadline:  # again and again, over two intervals
        terminated += _terminate(engine, target.proc.pid)
        time.sleep(0.5)
    assert terminated > 0
    before = sum(polls_by(target).values())
    wait_until(
        "the daemon polls again",
        lambda: sum(polls_by(target).values()) > before,
        timeout=3 * INTERVAL,
    )
    for site in sites:
        times = listing_times(loopback, site)
        assert min(gaps(times), default=INTERVAL) >= MIN_GAP, (site.prefix, gaps(times))
    for run in runs:
        run.send(signal.SIGTERM)
    for run in runs:
        assert run.wait() == 0
    print(f"{terminated} sessions terminated; gaps stayed >= {MIN_GAP:g}s")


def test_sources_json_names_the_lease_owner(
    loopback: LoopbackServer, pg: tuple[str, Engine], tmp_path: Path, runs: list[Run]
) -> None:
    url, _ = pg
    site = Site(loopback, "/s0")
    site.publish(1)
    config = tmp_path / "sources.yaml"
    write_config(config, [site], [])
    runs.append(run := Run(config, url))
    name = run.wait_log(r"daemon (\S+:\d+) \(shared", timeout=20).group(1)
    run.wait_log(r"poll s0 ok", timeout=15)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "--config",
            str(config),
            "--db",
            url,
            "sources",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        check=True,
    )
    [row] = json.loads(out.stdout)["sources"]
    assert row["owner"] == name and "lease_expires_at" in row  # None once released
    assert f" {name} newsmon.poll: poll s0 ok" in run.log, "log lines name the daemon"
    run.send(signal.SIGTERM)
    assert run.wait() == 0


def test_a_daemon_cut_off_from_the_database_stops_polling_and_resumes(
    loopback: LoopbackServer, pg: tuple[str, Engine], tmp_path: Path, runs: list[Run]
) -> None:
    url, _ = pg
    sites = [Site(loopback, f"/s{i}") for i in range(3)]
    for site in sites:
        site.publish(1)
    config = tmp_path / "sources.yaml"
    write_config(config, sites, [])
    with TCPProxy(5432) as proxy:
        runs.append(run := Run(config, url.replace(":5432/", f":{proxy.port}/", 1)))
        run.wait_log("shared database", timeout=20)
        wait_until(
            "two polls each", lambda: all(len(listing_times(loopback, s)) >= 2 for s in sites), 20
        )
        proxy.cut()
        cut = time.monotonic()
        run.wait_log(r"database out of reach \(.*\): polling stops", timeout=TTL * 2)
        noticed = time.monotonic() - cut
        quiet = time.monotonic()
        wait_until("two intervals", lambda: time.monotonic() - quiet > 2 * INTERVAL, 3 * INTERVAL)
        during = [t for s in sites for t in listing_times(loopback, s) if t > quiet]
        assert not during, "no poll while the database is out of reach"
        proxy.heal()
        run.wait_log("database reachable again: polling resumes", timeout=40)
        wait_until(
            "polls again",
            lambda: all(any(t > quiet for t in listing_times(loopback, s)) for s in sites),
            2 * INTERVAL + 2,
        )
        run.send(signal.SIGTERM)
        assert run.wait() == 0
    print(f"cut-off noticed after {noticed:.1f}s (ttl {TTL:g}s)")
