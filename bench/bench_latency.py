"""The daemon at scale: peak memory over several cycles, and article-to-email latency.

`newsmon run` watches the 1,000 loopback sources (bench/site.py, 100 ms per answer) at a 10 s
interval, following every new article to its page, with one instant email channel to a
loopback SMTP server (aiosmtpd, tests/smtp_server.py). The first polls are spread over the
first interval (the daemon's default). Phases:
  1. baseline: one `newsmon poll --no-alerts` stores every listing and its 10 articles;
     then `newsmon run` starts, until it has polled every source once (1,000 304s);
  2. measured cycles: during `--cycles` intervals, articles about regional cooperation appear
     at random moments on random sources (`/publish` on the site's control port); each one's
     latency is the time from its appearance to its email at the SMTP server.
The daemon's RSS is read from /proc every 0.2 s (VmRSS; VmHWM for the peak, warm-up
included); "flat" compares the RSS at the end of the first and the last measured cycle.
The site records per-host concurrency and request gaps for the whole run (politeness).

    .venv/bin/python bench/bench_latency.py [--sources 1000] [--interval 10] [--cycles 5]

Prints a summary and, for bench/run_all.py, one `BENCH_ROW {json}` line per measure.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench_poll = _load("bench_poll", BENCH / "bench_poll.py")
smtp_server = _load("bench_smtp_server", ROOT / "tests" / "smtp_server.py")

RSS_GOAL_MB = 150.0
FLAT_TOLERANCE = 0.05  # RSS may move 5 % between the first and last measured cycle


class TimedSMTP(smtp_server.SMTPReceiver):  # type: ignore[misc,name-defined]
    """The test suite's receiver, noting when each message arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[float, str]] = []

    def _received(self, envelope: Any) -> None:
        at = time.time()
        raw = (envelope.original_content or envelope.content or b"").decode("utf-8", "replace")
        super()._received(envelope)
        message = self.messages[-1]
        text = raw + str(message.get("Subject", ""))
        for part in message.walk():
            if part.get_content_maintype() == "text":
                text += str(part.get_content())
        with self._cond:
            self.arrivals.append((at, text))
            self._cond.notify_all()

    def wait_token(self, token: str, deadline: float) -> float | None:
        """Arrival time (epoch s) of the first message mentioning `token`, or None."""
        with self._cond:
            while True:
                for at, text in self.arrivals:
                    if token in text:
                        return at
                left = deadline - time.time()
                if left <= 0:
                    return None
                self._cond.wait(left)


class RSSSampler(threading.Thread):
    """VmRSS and VmHWM (kB → MB) of one process, every `period` seconds."""

    def __init__(self, pid: int, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.samples: list[tuple[float, float]] = []
        self.hwm = 0.0
        self.stopped = threading.Event()

    def read(self) -> tuple[float, float] | None:
        try:
            text = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if "VmRSS" not in fields:  # exited, not yet reaped
            return None
        rss = int(fields["VmRSS"].split()[0]) / 1024
        hwm = int(fields["VmHWM"].split()[0]) / 1024
        return rss, hwm

    def run(self) -> None:
        while not self.stopped.wait(self.period):
            got = self.read()
            if got is None:
                return
            self.samples.append((time.monotonic(), got[0]))
            self.hwm = max(self.hwm, got[1])

    def rss_at(self, when: float) -> float:
        """The last sample taken at or before `when`."""
        before = [rss for t, rss in self.samples if t <= when]
        return before[-1] if before else float("nan")


def wait_until(check: Any, timeout: float, period: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(period)
    return False


def bench(n: int, interval: int, cycles: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    row = bench_poll.row
    rows: list[dict[str, Any]] = []
    with (
        bench_poll.SiteProcess(sources=n) as site,
        TimedSMTP() as smtp,
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp)
        channel = {"id": "bench-email", "url": smtp.url(), "mode": "instant", "format": "text"}
        config = bench_poll.write_config(
            folder, site, follow=True, interval=f"{interval}s", channels=[channel]
        )
        db = folder / "bench.db"
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
        baseline = bench_poll.run_child(
            bench_poll.newsmon_cmd(config, db, "poll", "--no-alerts", "--json"), env=env
        )
        problem = bench_poll.check_poll_output(baseline, n, 200)
        if problem:
            raise SystemExit(f"newsmon poll (baseline with articles) failed: {problem}")
        print(
            f"baseline `newsmon poll` with {n} sources × 10 articles followed: "
            f"{baseline.wall:.1f}s, peak RSS {baseline.maxrss_mb:.1f} MB",
            flush=True,
        )
        site.reset()  # the politeness row is the daemon's: not the baseline poll's requests
        cmd = bench_poll.newsmon_cmd(config, db, "-q", "run")
        log = (folder / "daemon.log").open("wb")
        started = time.monotonic()
        daemon = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        sampler = RSSSampler(daemon.pid)
        sampler.start()
        try:
            warm = wait_until(
                lambda: site.stats()["statuses"].get("304", 0) >= n or daemon.poll() is not None,
                timeout=max(120.0, 6 * interval),
            )
            if daemon.poll() is not None or not warm:
                tail = (folder / "daemon.log").read_text("utf-8", "replace")[-1500:]
                raise SystemExit(f"newsmon run: no steady state (warm={warm}):\n{tail}")
            warm_s = time.monotonic() - started
            print(
                f"warm-up (baselines) done after {warm_s:.1f}s, RSS peak so far "
                f"{sampler.hwm:.1f} MB",
                flush=True,
            )
            t0 = time.monotonic()
            moments = sorted(rng.uniform(0.5, cycles * interval - 1) for _ in range(2 * cycles))
            published: list[dict[str, Any]] = []
            for moment in moments:
                time.sleep(max(0.0, t0 + moment - time.monotonic()))
                published.append(site.publish(rng.randrange(n)))
            time.sleep(max(0.0, t0 + cycles * interval - time.monotonic()))
            ends = [t0 + (k + 1) * interval for k in range(cycles)]
            latencies = []
            deadline = time.time() + interval + 10
            for pub in published:
                arrived = smtp.wait_token(pub["token"], deadline)
                latencies.append(None if arrived is None else arrived - pub["at"])
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
            sampler.stopped.set()
            sampler.join()
            log.close()
        stats = site.stats()
        per_cycle = [sampler.rss_at(e) for e in ends]

    lost = sum(1 for x in latencies if x is None)
    got = [x for x in latencies if x is not None]
    print(f"RSS at the end of each measured cycle (MB): {[round(x, 1) for x in per_cycle]}")
    print(f"latencies (s): {[None if x is None else round(x, 2) for x in latencies]}")
    goal_latency = interval + 2
    worst = max(got) if got else float("inf")
    rows.append(
        row(
            f"latency, article appears → email at SMTP, daemon at {interval} s interval (worst of "
            f"{len(latencies)}; median {statistics.median(got) if got else float('nan'):.2f} s)",
            f"≤ interval + 2 s = {goal_latency} s",
            worst,
            "s",
            met=bool(got) and not lost and worst <= goal_latency,
            note=f"{lost} email(s) never arrived" if lost else "",
        )
    )
    rows.append(
        row(
            f"peak RSS of `newsmon run`, {n} sources, warm-up + {cycles} cycles",
            f"≤ {RSS_GOAL_MB:g} MB",
            sampler.hwm,
            "MB",
            met=sampler.hwm <= RSS_GOAL_MB,
        )
    )
    growth = (per_cycle[-1] - per_cycle[0]) / per_cycle[0] if per_cycle[0] else float("nan")
    rows.append(
        row(
            f"RSS growth, end of measured cycle 1 → {cycles} "
            f"({per_cycle[0]:.1f} → {per_cycle[-1]:.1f} MB)",
            f"flat (≤ {FLAT_TOLERANCE:.0%})",
            growth * 100,
            "%",
            met=abs(growth) <= FLAT_TOLERANCE,
        )
    )
    limit_gap = bench_poll.PER_HOST_DELAY_MS - bench_poll.ARRIVAL_JITTER_MS
    rows.append(
        row(
            "politeness during the daemon run: most requests in flight at one host; smallest gap",
            f"≤ {bench_poll.PER_HOST_CONNECTIONS}; ≥ {bench_poll.PER_HOST_DELAY_MS} ms",
            stats["min_gap_ms"],
            "ms",
            met=stats["max_in_flight"] <= bench_poll.PER_HOST_CONNECTIONS
            and (stats["min_gap_ms"] or 1e9) >= limit_gap,
            note=f"max in flight {stats['max_in_flight']}; {stats['requests']} requests",
        )
    )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--interval", type=int, default=10, help="seconds")
    ap.add_argument("--cycles", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rows = bench(args.sources, args.interval, args.cycles, args.seed)
    bench_poll.print_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
