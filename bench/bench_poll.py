"""Poll cycle: `newsmon poll` over 1,000 loopback sources beside urlwatch, in the same run.

The loopback site (bench/site.py) serves 1,000 listings on 50 hosts, each answer 100 ms late.
The physical bound of one cycle is N·L/C = 1000 × 0.1 s / 50 = 2 s.

Politeness that lets the bound be reached: 20 sources per host must be fetched in 2 s, so each
host must complete one request every 100 ms: `per_host_delay: 100ms` (starts to one host at
least 100 ms apart) with the fetcher's 2 connections per host (one is in flight at a time, the
second covers the moment an answer is still on the wire when the next start is due), and
`concurrency: 50` (one in flight per host on average). A per_host_delay above the latency
makes the bound unreachable: 20 × per_host_delay per host. robots.txt is respected (default),
which costs one more request per host and process: 21 × 100 ms = 2.1 s is the real floor of a
`newsmon poll` process.

Cycles, each a fresh `newsmon poll --json` process on one fresh SQLite database:
  1. baseline: every listing is new (200), 10 items each stored, no alerts;
  2..4. nothing changed: every listing answers 304. Wall time and CPU time per source
     (the child's getrusage, minus a `newsmon poll` of one source on the same config and
     database: interpreter, imports, configuration, migrations).
urlwatch 2.29 (its own virtualenv, bench/.venv-peers) watches the same 1,000 listing URLs with
its own cache in a temporary folder: a cold run, then unchanged runs (it sends the ETag too).

    .venv/bin/python bench/bench_poll.py [--sources 1000] [--latency 0.1] [--repeat 3]

Prints a table and, for bench/run_all.py, one `BENCH_ROW {json}` line per measure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def _load_site() -> Any:
    """bench/site.py under another name: `site` is the standard library's, imported first."""
    spec = importlib.util.spec_from_file_location("bench_site", BENCH / "site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_site"] = module
    spec.loader.exec_module(module)
    return module


SiteProcess = _load_site().SiteProcess

PEERS = BENCH / ".venv-peers"
CONCURRENCY = 50
PER_HOST_DELAY_MS = 100
PER_HOST_CONNECTIONS = 2  # monitor/fetch/client.py Fetcher default
ARRIVAL_JITTER_MS = 2.0  # a gap measured at the server may shrink by the client's send jitter

TOPIC = {
    "id": "regional-cooperation",
    "name": "Hợp tác, liên kết vùng",
    "groups": {
        "cooperation": {"liên kết vùng": 3, "thỏa thuận hợp tác": 3, "hợp tác": 1},
        "region": {"ĐBSCL": 1, "TP.HCM": 1, "Cần Thơ": 1},
    },
    "require": ["cooperation", "region"],
    "min_score": 3,
}


def write_config(
    folder: Path,
    site: Any,
    *,
    follow: bool = False,
    interval: str = "15m",
    channels: list[dict[str, Any]] | None = None,
) -> Path:
    """A sources.yaml with one html source per site listing and the bench's politeness."""
    sources = [
        {
            "id": f"s{i:04d}",
            "name": f"Nguồn thử {i}",
            "url": site.url(i),
            "type": "html",
            "items": {"selector": ".news-list .item", "link": "a.title", "title": "a.title"},
            "article": {"title": "h1", "body": ".news-content", "date": ".post-date"},
            "follow": follow,
        }
        for i in range(site.sources)
    ]
    config = {
        "settings": {
            "user_agent": "newsmon-bench/1.0",
            "interval": interval,
            "concurrency": CONCURRENCY,
            "per_host_delay": f"{PER_HOST_DELAY_MS}ms",
            "timeout": "20s",
            "respect_robots": True,
        },
        "topics": [TOPIC],
        "channels": channels or [],
        "sources": sources,
    }
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@dataclass
class ChildRun:
    """One child process: wall seconds, CPU seconds (user+sys), peak RSS (MB), output."""

    wall: float
    cpu: float
    maxrss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_child(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> ChildRun:
    """Run to the end; the CPU and RSS come from this child's own rusage (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            maxrss_mb=usage.ru_maxrss / 1024,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def newsmon_cmd(config: Path, db: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "monitor",
        "--config",
        str(config),
        "--db",
        f"sqlite:///{db}",
        *args,
    ]


def span(stats: dict[str, Any]) -> float:
    """Seconds from the first request's arrival to the last answer, as the site saw them."""
    if stats.get("first_arrival") is None or stats.get("last_answer") is None:
        return float("nan")
    return float(stats["last_answer"] - stats["first_arrival"])


@dataclass
class Cycle:
    run: ChildRun
    stats: dict[str, Any]

    @property
    def span(self) -> float:
        return span(self.stats)


def timed_cycle(site: Any, cmd: list[str], env: dict[str, str] | None = None) -> Cycle:
    site.reset()
    run = run_child(cmd, env=env)
    return Cycle(run, site.stats())


def check_poll_output(run: ChildRun, n: int, expect_status: int) -> str | None:
    """A problem with a newsmon poll's JSON, or None."""
    try:
        summary = json.loads(run.stdout)
    except json.JSONDecodeError:
        return f"no JSON (exit {run.returncode}): {run.stderr.strip()[-300:]}"
    sources = summary.get("sources", [])
    bad = [s for s in sources if not s.get("ok") or s.get("status") != expect_status]
    if len(sources) != n or bad:
        first = bad[0] if bad else {}
        return f"{len(bad)} of {len(sources)} sources not ok/{expect_status}, e.g. {first}"
    return None


# -- urlwatch ------------------------------------------------------------------------------
def urlwatch_bin() -> Path | None:
    exe = PEERS / "bin" / "urlwatch"
    return exe if exe.exists() else None


def write_urlwatch(folder: Path, urls: list[str]) -> list[str]:
    """urlwatch's jobs, config and cache paths in `folder`; the command line to run it."""
    jobs = folder / "urls.yaml"
    jobs.write_text(
        "\n---\n".join(yaml.safe_dump({"name": u, "url": u}).strip() for u in urls) + "\n",
        "utf-8",
    )
    config = folder / "urlwatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "display": {"new": True, "error": True, "unchanged": False, "empty-diff": False},
                "report": {
                    "text": {"line_length": 75, "details": True, "footer": False},
                    "stdout": {"enabled": True, "color": False},
                },
            }
        ),
        "utf-8",
    )
    hooks = folder / "hooks.py"
    hooks.write_text("", "utf-8")
    cache = folder / "cache.db"
    exe = urlwatch_bin()
    assert exe is not None
    return [
        str(exe),
        *("--urls", str(jobs), "--config", str(config)),
        *("--hooks", str(hooks), "--cache", str(cache)),
    ]


# -- the benchmark -------------------------------------------------------------------------
def row(
    measure: str,
    goal: str,
    ours: float,
    unit: str,
    *,
    peer: str = "",
    peer_value: float | None = None,
    ratio: float | None = None,
    met: bool | None = None,
    note: str = "",
) -> dict[str, Any]:
    return {
        "measure": measure,
        "peer": peer,
        "goal": goal,
        "ours": ours,
        "unit": unit,
        "peer_value": peer_value,
        "ratio": ratio,
        "met": met,
        "note": note,
    }


def politeness(cycles: list[Cycle]) -> dict[str, Any]:
    """The worst per-host concurrency and request gap over every newsmon cycle."""
    max_in_flight = max(c.stats["max_in_flight"] for c in cycles)
    gaps = [c.stats["min_gap_ms"] for c in cycles if c.stats["min_gap_ms"] is not None]
    return {"max_in_flight": max_in_flight, "min_gap_ms": min(gaps) if gaps else None}


def bench(n: int, latency: float, repeat: int) -> list[dict[str, Any]]:
    bound = n * latency / CONCURRENCY
    rows: list[dict[str, Any]] = []
    with SiteProcess(sources=n, latency=latency) as site, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = write_config(folder, site)
        db = folder / "bench.db"
        cmd = newsmon_cmd(config, db, "poll", "--json", "--no-alerts")

        baseline = timed_cycle(site, cmd)
        problem = check_poll_output(baseline.run, n, 200)
        if problem:
            raise SystemExit(f"newsmon poll (baseline) failed: {problem}")
        print(
            f"newsmon baseline: {baseline.run.wall:.2f}s wall, span {baseline.span:.2f}s, "
            f"{baseline.stats['statuses']}",
            flush=True,
        )
        unchanged: list[Cycle] = []
        startup: list[ChildRun] = []
        one = newsmon_cmd(config, db, "poll", "--json", "--no-alerts", "s0000")
        for _ in range(repeat):
            startup.append(run_child(one))
            cycle = timed_cycle(site, cmd)
            problem = check_poll_output(cycle.run, n, 304)
            if problem:
                raise SystemExit(f"newsmon poll (unchanged) failed: {problem}")
            unchanged.append(cycle)
            print(
                f"newsmon unchanged: {cycle.run.wall:.2f}s wall, span {cycle.span:.2f}s, "
                f"cpu {cycle.run.cpu:.2f}s, start-up cpu {startup[-1].cpu:.2f}s",
                flush=True,
            )

        peer: dict[str, Any] = {}
        if urlwatch_bin() is not None:
            uw_dir = folder / "urlwatch"
            uw_dir.mkdir()
            uw = write_urlwatch(uw_dir, [site.url(i) for i in range(n)])
            peer["cold"] = timed_cycle(site, uw)
            one_dir = folder / "urlwatch-one"
            one_dir.mkdir()
            uw_one = write_urlwatch(one_dir, [site.url(0)])
            run_child(uw_one)
            peer["warm"], peer["startup"] = [], []
            for _ in range(repeat):
                peer["startup"].append(run_child(uw_one))
                peer["warm"].append(timed_cycle(site, uw))
            print(
                f"urlwatch cold: {peer['cold'].run.wall:.2f}s wall "
                f"{peer['cold'].stats['statuses']}; warm: "
                f"{[round(c.run.wall, 2) for c in peer['warm']]}s "
                f"{peer['warm'][-1].stats['statuses']}",
                flush=True,
            )

    med_span = statistics.median(c.span for c in unchanged)
    med_wall = statistics.median(c.run.wall for c in unchanged)
    cpu_per = (
        statistics.median(c.run.cpu for c in unchanged) - statistics.median(r.cpu for r in startup)
    ) / (n - 1)
    limit = 1.25 * bound
    rows.append(
        row(
            f"poll cycle, {n} unchanged sources (304), first request to last answer",
            f"≤ {limit:.2f} s (1.25 × N·L/C = {bound:g} s)",
            med_span,
            "s",
            peer="bound N·L/C",
            peer_value=bound,
            ratio=med_span / bound,
            met=med_span <= limit,
        )
    )
    rows.append(
        row(
            f"poll cycle, {n} new listings (baseline, 200), first request to last answer",
            f"≤ {limit:.2f} s",
            baseline.span,
            "s",
            peer="bound N·L/C",
            peer_value=bound,
            ratio=baseline.span / bound,
            met=baseline.span <= limit,
        )
    )
    if peer:
        warm = statistics.median(c.run.wall for c in peer["warm"])
        rows.append(
            row(
                f"whole `newsmon poll` command, {n} unchanged sources",
                "≥ 5 × faster than urlwatch",
                med_wall,
                "s",
                peer="urlwatch 2.29",
                peer_value=warm,
                ratio=warm / med_wall,
                met=warm / med_wall >= 5,
            )
        )
        cold = peer["cold"].run.wall
        rows.append(
            row(
                f"whole `newsmon poll` command, {n} new listings (baseline)",
                "≥ 5 × faster than urlwatch",
                baseline.run.wall,
                "s",
                peer="urlwatch 2.29",
                peer_value=cold,
                ratio=cold / baseline.run.wall,
                met=cold / baseline.run.wall >= 5,
            )
        )
        uw_cpu = (
            statistics.median(c.run.cpu for c in peer["warm"])
            - statistics.median(r.cpu for r in peer["startup"])
        ) / (n - 1)
        rows.append(
            row(
                "CPU per unchanged source (304), start-up excluded",
                "≤ 1 ms",
                cpu_per * 1000,
                "ms",
                peer="urlwatch 2.29",
                peer_value=uw_cpu * 1000,
                ratio=uw_cpu / cpu_per,
                met=cpu_per <= 0.001,
            )
        )
    else:
        rows.append(
            row(
                "CPU per unchanged source (304), start-up excluded",
                "≤ 1 ms",
                cpu_per * 1000,
                "ms",
                met=cpu_per <= 0.001,
                note="urlwatch not installed (bench/.venv-peers): peer not run",
            )
        )
    pol = politeness([baseline, *unchanged])
    gap_ok = pol["min_gap_ms"] is None or pol["min_gap_ms"] >= PER_HOST_DELAY_MS - ARRIVAL_JITTER_MS
    rows.append(
        row(
            "politeness: most requests in flight at one host",
            f"≤ {PER_HOST_CONNECTIONS}",
            pol["max_in_flight"],
            "",
            met=pol["max_in_flight"] <= 2,
        )
    )
    rows.append(
        row(
            "politeness: smallest gap between two requests to one host (arrivals at the server)",
            f"≥ per_host_delay {PER_HOST_DELAY_MS} ms (−{ARRIVAL_JITTER_MS:g} ms send jitter)",
            pol["min_gap_ms"],
            "ms",
            met=gap_ok,
        )
    )
    rows.append(
        row(
            "start-up CPU of `newsmon poll` (one source: interpreter, imports, config, migrations)",
            "",
            statistics.median(r.cpu for r in startup),
            "s",
        )
    )
    return rows


def print_rows(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        ours = f"{r['ours']:.3g} {r['unit']}".strip() if r["ours"] is not None else "-"
        peer = f" | {r['peer']}: {r['peer_value']:.3g}" if r["peer_value"] is not None else ""
        ratio = f" | ratio {r['ratio']:.2f}" if r["ratio"] is not None else ""
        verdict = {True: "met", False: "MISSED", None: ""}[r["met"]]
        print(f"{r['measure']}: {ours}{peer}{ratio} | goal {r['goal']} {verdict}")
    for r in rows:
        print("BENCH_ROW " + json.dumps(r, ensure_ascii=False))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--repeat", type=int, default=3, help="unchanged cycles (the median counts)")
    args = ap.parse_args()
    print_rows(bench(args.sources, args.latency, max(1, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
