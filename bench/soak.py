"""Soak: `newsmon run` with 50 healthy and 50 faulty sources for 20+ poll cycles.

    .venv/bin/python bench/soak.py [--cycles 20] [--interval 5] [--healthy 50] [--faulty 50]

Everything runs on loopback: healthy sources are news listings that publish one new article
per cycle (each matching the topic), faulty ones answer 500, reset, never answer, loop
redirects, send garbage or nothing, or vanish (404). The daemon alerts to a loopback json://
receiver. Afterwards the script checks what docs/reliability.md promises:

- the daemon stayed up the whole time, and its memory (RSS) stayed flat after warm-up;
- every article the healthy sources published is stored, and each one published after the
  baseline poll was alerted exactly once;
- every faulty source shows one clear one-line error in `newsmon sources`, and its channel
  got exactly ONE health alert for it (not one per poll).

It prints a JSON summary and exits 1 if any check fails. Not part of CI (about 2-3 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.http_receiver import HTTPReceiver  # noqa: E402
from tests.loopback import LoopbackServer, Reply, Request  # noqa: E402

FAULTS = ["/status/500", "/reset", "/never", "/redirect-loop", "/garbage", "/empty", "/status/404"]


class Newsroom:
    """Healthy listings on one loopback server: article n of source i appears at cycle n."""

    def __init__(self, srv: LoopbackServer, count: int) -> None:
        self.srv = srv
        self.count = count
        self.published = 0  # articles per source visible now (the same for every source)
        self._lock = threading.Lock()
        srv.route("/tin/", self._serve, prefix=True)

    def publish(self) -> None:
        with self._lock:
            self.published += 1

    def listing_url(self, i: int) -> str:
        return self.srv.url(f"/tin/{i}/")

    def article_path(self, i: int, n: int) -> str:
        return f"/tin/{i}/lien-ket-vung-so-{n}-{20240000 + n}.html"

    def _serve(self, req: Request) -> Reply:
        parts = req.path.strip("/").split("/")
        i = int(parts[1])
        if len(parts) == 2:
            with self._lock:
                visible = self.published
            items = "".join(
                f'<div class="item"><a href="{self.article_path(i, n)}">Tin {i}-{n}</a></div>'
                for n in range(visible, 0, -1)
            )
            return Reply(200, f"<html><body><h1>Nguồn {i}</h1>{items}</body></html>")
        n = int(parts[2].split("-")[4])
        body = (
            f"<p>UBND tỉnh số {i} và TP.HCM bàn về liên kết vùng ĐBSCL, bản tin thứ {n}.</p>"
            "<p>Các bên thống nhất hoà hợp kế hoạch, thoả thuận chia sẻ dữ liệu.</p>"
        )
        return Reply(
            200,
            f"<html><body><h1>Liên kết vùng: tin {i}-{n}</h1>"
            f"<div class='date'>29/11/2024 10:30</div><div class='content'>{body}</div>"
            "</body></html>",
        )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def newsmon(config: Path, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "--db", db, *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    ap.add_argument("--healthy", type=int, default=50)
    ap.add_argument("--faulty", type=int, default=50)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="newsmon-soak-"))
    db = f"sqlite:///{tmp / 'soak.db'}"
    rng = random.Random(7)
    garbage = rng.randbytes(64 * 1024)

    # Healthy sources on 127.0.0.1; each faulty one on a loopback address of its own, so a
    # server that never answers holds only its own host's connections.
    with LoopbackServer() as news, HTTPReceiver() as hook:
        room = Newsroom(news, args.healthy)
        faulty_servers = [LoopbackServer(host=f"127.0.1.{k + 1}") for k in range(args.faulty)]
        for srv in faulty_servers:
            srv.route("/garbage", lambda r: Reply(200, garbage))
            srv.route("/empty", lambda r: Reply(200, b""))
            srv.start()
        sources: list[dict[str, Any]] = [
            {
                "id": f"healthy-{i:02d}",
                "url": room.listing_url(i),
                "type": "html",
                "items": {"selector": ".item"},
                "article": {"title": "h1", "body": ".content", "date": ".date"},
            }
            for i in range(args.healthy)
        ]
        sources += [
            {"id": f"faulty-{k:02d}", "url": srv.url(FAULTS[k % len(FAULTS)])}
            for k, srv in enumerate(faulty_servers)
        ]
        interval = f"{args.interval:g}s"
        config = {
            "settings": {
                "interval": interval, "timeout": "1s", "per_host_delay": "0s",
                "respect_robots": False, "alert_on_first_poll": False, "failure_alert_after": 3,
            },
            "topics": [{"id": "vung", "name": "Liên kết vùng", "terms": {"liên kết vùng": 3},
                        "min_score": 3}],
            "channels": [{"id": "hook", "url": hook.url("json", "/soak"), "format": "text",
                          "health": True}],
            "sources": sources,
        }  # fmt: skip
        path = tmp / "sources.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

        room.publish()  # the baseline article of every healthy source
        log = (tmp / "run.log").open("wb")
        env = {**os.environ, "NEWSMON_FIRST_POLL": "now"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(path), "--db", db, "run"],
            stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT, env=env,
        )  # fmt: skip
        samples: list[tuple[int, float]] = []
        started = time.monotonic()
        for cycle in range(1, args.cycles + 1):
            time.sleep(args.interval)
            if proc.poll() is not None:
                break
            samples.append((cycle, rss_mb(proc.pid)))
            if cycle < args.cycles - 1:
                room.publish()  # stop publishing two cycles before the end: all get polled
        alive = proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        exit_code = proc.wait(60)
        log.close()
        elapsed = time.monotonic() - started
        for srv in faulty_servers:
            srv.stop()
        health_run = newsmon(path, db, "sources", "--json")
        health = {s["id"]: s for s in json.loads(health_run.stdout)["sources"]}
        received = [r.json() for r in hook.requests]

    published = room.published
    from sqlmodel import Session, select

    from storage.db import make_engine
    from storage.models import Article

    engine = make_engine(db)
    with Session(engine) as session:
        stored = list(session.exec(select(Article)))
    engine.dispose()
    stored_urls = {a.url for a in stored}
    expected_urls = {
        news.url(room.article_path(i, n))
        for i in range(args.healthy)
        for n in range(1, published + 1)
    }
    missing = sorted(expected_urls - stored_urls)
    alerted = Counter(
        u for r in received for u in expected_urls if u in r.get("message", "")
    )  # an article URL in an alert body
    not_baseline = {a.url for a in stored if not a.baseline}
    alerted_wrong = {u: alerted.get(u, 0) for u in not_baseline if alerted.get(u, 0) != 1}
    faulty_ids = [s["id"] for s in sources if s["id"].startswith("faulty")]
    health_alerts = Counter(
        fid
        for r in received
        for fid in faulty_ids
        if fid in r.get("title", "") + r.get("message", "") and "healthy" not in r.get("title", "")
    )
    bad_errors = {
        fid: health[fid]["last_error"]
        for fid in faulty_ids
        if not health[fid]["last_error"] or "\n" in health[fid]["last_error"]
    }
    health_wrong = {
        fid: health_alerts.get(fid, 0) for fid in faulty_ids if health_alerts.get(fid, 0) != 1
    }
    warm = [mb for c, mb in samples if c >= 3]
    growth = (max(warm) - warm[0]) if warm else 0.0
    summary = {
        "cycles": len(samples),
        "seconds": round(elapsed, 1),
        "daemon_alive_throughout": alive,
        "exit_code_on_sigterm": exit_code,
        "rss_mb": {"cycle_3": round(warm[0], 1) if warm else None,
                   "max": round(max(warm), 1) if warm else None,
                   "growth": round(growth, 1)},
        "articles_published": len(expected_urls),
        "articles_stored": len(stored_urls & expected_urls),
        "missing": missing[:5],
        "alerts_not_exactly_once": dict(list(alerted_wrong.items())[:5]),
        "faulty_with_bad_error": bad_errors,
        "faulty_health_alerts_not_one": health_wrong,
        "example_errors": sorted({health[f]["last_error"] for f in faulty_ids}),
        "faulty_failures": {f: health[f]["consecutive_failures"] for f in faulty_ids[:7]},
        "log": str(tmp / "run.log"),
    }  # fmt: skip
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    ok = (
        alive and exit_code == 0 and len(samples) >= args.cycles and not missing
        and not alerted_wrong and not bad_errors and not health_wrong and growth < 30
    )  # fmt: skip
    print("soak: OK" if ok else "soak: FAILED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
