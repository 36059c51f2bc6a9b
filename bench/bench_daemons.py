"""Several `newsmon run` on one PostgreSQL: sharing, take-over, each alert once, and scale.

Two parts, both on the loopback site (bench/site.py, 100 ms per answer, 50 hosts) and a
schema of its own on the PostgreSQL at $NEWSMON_BENCH_PG (default 127.0.0.1:5432/test):

1. **Share** (`--sources 120 --interval 10`): a baseline `newsmon poll --no-alerts`, then three
   daemons (first polls spread, the default) with one instant email channel to a loopback
   aiosmtpd. Over `--cycles` intervals one new article appears on every source, half before and
   half after daemon 1 is killed with -9 (after two intervals). From the poll log: the most
   polls of one source in any window of one interval, the smallest gap between two polls of a
   source, the longest gap of a source across the kill (take-over); from the SMTP server:
   emails per article (each once). Database connections: the most sessions named
   `newsmon run …` in pg_stat_activity at once, sampled every 0.2 s.
2. **Scale** (`--scale 10000`): after a baseline poll of that many sources, one daemon and then
   three run with every first poll at once (NEWSMON_FIRST_POLL=now, interval 60 s, each phase
   starting once every source is due again): cycle time = start → every source polled (bound N·L/C per daemon =
   N × 0.1 s / 50), CPU per source (the daemons' rusage over the polls), connections.

    .venv/bin/python bench/bench_daemons.py [--sources 120] [--interval 10] [--cycles 4]
                                            [--scale 10000] [--daemons 3]

Prints a summary and, for bench/run_all.py, one `BENCH_ROW {json}` line per measure.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PG = os.environ.get("NEWSMON_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench_poll = _load("bench_poll", BENCH / "bench_poll.py")
bench_latency = _load("bench_latency", BENCH / "bench_latency.py")
row = bench_poll.row
SCALE_INTERVAL = 60  # seconds: every source due at the start of each scale phase


@contextmanager
def pg_schema() -> Iterator[str]:
    schema = f"newsmon_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def cmd(config: Path, url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(config), "--db", url, *args]


class Daemon:
    """One `newsmon run`; `stop()` → its CPU seconds (user + sys, from wait4)."""

    def __init__(self, config: Path, url: str, log: Path, env: dict[str, str]) -> None:
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            cmd(config, url, "run"), stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
        self.cpu = 0.0

    def _reap(self) -> None:
        _pid, _status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = 0
        self.cpu = usage.ru_utime + usage.ru_stime
        self._log.close()

    def stop(self) -> float:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            self._reap()
        return self.cpu

    def kill(self) -> None:
        self.proc.kill()
        self._reap()


class Sessions(threading.Thread):
    """The most `newsmon run` sessions in pg_stat_activity at once (all daemons together)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.most = 0
        self.stopped = threading.Event()
        self.engine = create_engine(PG)

    def run(self) -> None:
        query = text(
            "select count(*) from pg_stat_activity where application_name like 'newsmon run %'"
        )
        with self.engine.connect() as conn:
            while not self.stopped.wait(0.2):
                self.most = max(self.most, int(conn.execute(query).scalar() or 0))
                conn.rollback()

    def finish(self) -> int:
        self.stopped.set()
        self.join()
        self.engine.dispose()
        return self.most


def poll_times(url: str, since: datetime) -> dict[str, list[float]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "select source_id, started_at from poll_log where started_at >= :since"
                    " order by started_at"
                ),
                {"since": since},
            ).all()
    finally:
        engine.dispose()
    out: dict[str, list[float]] = {}
    for sid, at in rows:
        out.setdefault(sid, []).append(at.timestamp())
    return out


def env_for(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    return env | extra


def baseline(config: Path, url: str, n: int) -> float:
    run = bench_poll.run_child(cmd(config, url, "poll", "--no-alerts", "--json"), env=env_for())
    problem = bench_poll.check_poll_output(run, n, 200)
    if problem:
        raise SystemExit(f"baseline newsmon poll failed: {problem}\n{run.stderr[-1500:]}")
    return float(run.wall)


def share(n: int, interval: int, cycles: int, daemons: int) -> list[dict[str, Any]]:
    with (
        bench_poll.SiteProcess(sources=n) as site,
        bench_latency.TimedSMTP() as smtp,
        tempfile.TemporaryDirectory() as tmp,
        pg_schema() as url,
    ):
        folder = Path(os.environ.get("BENCH_DAEMONS_KEEP") or tmp)  # the daemons' logs kept there
        folder.mkdir(parents=True, exist_ok=True)
        channel = {"id": "bench-email", "url": smtp.url(), "mode": "instant", "format": "text"}
        config = bench_poll.write_config(
            folder, site, follow=True, interval=f"{interval}s", channels=[channel]
        )
        took = baseline(config, url, n)
        print(f"baseline poll of {n} sources: {took:.1f}s", flush=True)
        sessions = Sessions()
        sessions.start()
        runs = [Daemon(config, url, folder / f"d{i}.log", env_for()) for i in range(daemons)]
        time.sleep(interval + 2)  # every first poll (spread over the first interval) is done
        t0, since = time.time(), datetime.now(UTC)
        half, span = n // 2, 2 * interval - 1.0
        moments = [t0 + k * span / half for k in range(half)]  # before the kill at t0 + 2I
        moments += [t0 + 2 * interval + 0.5 + k * span / (n - half) for k in range(n - half)]
        published, killed = [], 0.0
        for k, at in enumerate(moments):
            if k == half:
                time.sleep(max(0.0, t0 + 2 * interval - time.time()))
                runs[0].kill()
                killed = time.time()
            time.sleep(max(0.0, at - time.time()))
            published.append(site.publish(k))
        time.sleep(max(0.0, t0 + cycles * interval - time.time()))
        deadline = time.time() + interval + 15
        arrivals = [smtp.wait_token(p["token"], deadline) for p in published]
        end = time.time()
        cpu = [d.stop() for d in runs[1:]]
        most = sessions.finish()
        times = poll_times(url, since)
        texts = [t for _, t in smtp.arrivals]

    lost = sum(1 for a in arrivals if a is None)

    def mentions(token: str) -> int:
        pattern = re.compile(re.escape(token) + r"(?!\d)")
        return sum(1 for t in texts if pattern.search(t))

    dupes = sum(max(0, mentions(p["token"]) - 1) for p in published)
    most_in_window = 0
    min_gap = float("inf")
    takeover, worst = 0.0, (0.0, 0.0)
    worst_sid = ""
    for sid, ts in times.items():
        for i, t in enumerate(ts):
            most_in_window = max(most_in_window, sum(1 for u in ts[i:] if u < t + interval))
            if i:
                min_gap = min(min_gap, t - ts[i - 1])
        before = [t for t in ts if t <= killed]
        after = [t for t in ts if t > killed]
        if before and after and after[0] - before[-1] > takeover:
            takeover, worst = after[0] - before[-1], (before[-1] - killed, after[0] - killed)
            worst_sid = sid
    unpolled = n - len(times)
    polls = sum(len(ts) for ts in times.values())
    per_interval = polls / n / ((end - t0) / interval)
    ttl = min(60.0, max(5.0, interval / 2))
    print(
        f"{daemons} daemons, {n} sources at {interval}s: {polls} polls in {end - t0:.0f}s "
        f"({per_interval:.2f} per source per interval), most in one interval {most_in_window}, "
        f"smallest gap {min_gap:.2f}s, longest gap across the kill {takeover:.1f}s; "
        f"{len(published)} articles → {len(texts)} emails, {lost} lost, {dupes} duplicated; "
        f"sessions at most {most}; CPU of the survivors {sum(cpu):.1f}s; the longest gap: "
        f"{worst_sid} polled {worst[0]:+.1f}s and {worst[1]:+.1f}s from the kill"
    )
    return [
        row(
            f"{daemons} daemons, {n} sources at {interval} s: most polls of one source in one "
            f"interval (smallest gap {min_gap:.1f} s; {per_interval:.2f} polls per interval)",
            "about 1 (≤ 2 in any window)",
            most_in_window,
            "polls",
            met=most_in_window <= 2 and unpolled == 0 and min_gap >= 0.8 * interval,
        ),
        row(
            f"take-over after kill -9 of one of {daemons}: longest gap of a source across it",
            f"≤ 1.1 × interval + ttl × (1 + 1/2 + 1/3) = {interval * 1.1 + ttl * 11 / 6:.1f} s",
            takeover,
            "s",
            met=takeover <= interval * 1.1 + ttl * 11 / 6,
        ),
        row(
            f"{len(published)} new articles over the kill: emails received (each once)",
            f"{len(published)}, 0 duplicates",
            len(texts),
            "emails",
            met=len(texts) == len(published) and not lost and not dupes,
            note=f"{lost} lost, {dupes} duplicated",
        ),
        row(
            f"database sessions of {daemons} daemons at most",
            "a few per daemon",
            most,
            "sessions",
            met=most <= 6 * daemons,
        ),
    ]


def write_scale_config(folder: Path, site: Any) -> Path:
    """bench_poll's config with the selectors said once per source, and no article selectors
    (follow: false): 10,000 sources stay under the loader's cap of 100,000 YAML values."""
    path = bench_poll.write_config(folder, site, follow=False, interval=f"{SCALE_INTERVAL}s")
    config = yaml.safe_load(path.read_text("utf-8"))
    for src in config["sources"]:
        src.pop("article", None)
        src.pop("name", None)
        src["items"] = {"selector": ".news-list .item"}
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def scale(n: int, daemons: int) -> list[dict[str, Any]]:
    rows = []
    bound = n * 0.1 / bench_poll.CONCURRENCY
    with (
        bench_poll.SiteProcess(sources=n) as site,
        tempfile.TemporaryDirectory() as tmp,
        pg_schema() as url,
    ):
        folder = Path(tmp)
        config = write_scale_config(folder, site)
        took = baseline(config, url, n)
        print(f"scale: baseline poll of {n} sources: {took:.1f}s", flush=True)
        last = time.monotonic() - took
        for k in (1, daemons):
            # a source is due again 0.85 interval after its last poll began (any process's)
            time.sleep(max(0.0, last + 0.85 * SCALE_INTERVAL + 1 - time.monotonic()))
            sessions = Sessions()
            sessions.start()
            since, started = datetime.now(UTC), time.monotonic()
            runs = [
                Daemon(config, url, folder / f"s{k}-{i}.log", env_for(NEWSMON_FIRST_POLL="now"))
                for i in range(k)
            ]
            engine = create_engine(url)
            done = False
            with engine.connect() as conn:
                while time.monotonic() - started < 600:
                    polled = conn.execute(
                        text(
                            "select count(distinct source_id) from poll_log where started_at >= :s"
                        ),
                        {"s": since},
                    ).scalar()
                    conn.rollback()
                    if int(polled or 0) >= n:
                        done = True
                        break
                    time.sleep(0.2)
            cycle = time.monotonic() - started
            last = time.monotonic()
            engine.dispose()
            cpu = sum(d.stop() for d in runs)
            most = sessions.finish()
            print(
                f"scale: {k} daemon(s), {n} sources: cycle {cycle:.1f}s (bound per daemon "
                f"{bound:.1f}s), CPU {cpu:.1f}s = {cpu / n * 1000:.1f} ms per source, "
                f"sessions at most {most}",
                flush=True,
            )
            rows.append(
                row(
                    f"{k} daemon(s), {n} sources all due at once: cycle (start → every source "
                    f"polled; CPU {cpu / n * 1000:.1f} ms per source; {most} sessions)",
                    f"bound N·L/C = {bound:.0f} s per daemon (+ start-up)",
                    cycle,
                    "s",
                    met=done,
                )
            )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=120)
    ap.add_argument("--interval", type=int, default=10, help="seconds")
    ap.add_argument("--cycles", type=int, default=4)
    ap.add_argument("--daemons", type=int, default=3)
    ap.add_argument("--scale", type=int, default=10000, help="sources of the scale part (0: skip)")
    args = ap.parse_args()
    rows = share(args.sources, args.interval, args.cycles, args.daemons) if args.sources else []
    if args.scale:
        rows += scale(args.scale, args.daemons)
    bench_poll.print_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
