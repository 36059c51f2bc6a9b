"""The web view on a big history: the database of bench_report.py (default 1,000,000 articles,
built there and reused from bench/.data/), each page timed in process over HTTP (Starlette's
TestClient: routing, the query, the template), best and median of N runs. Goal: 300 ms a page.

    .venv/bin/python bench/bench_web.py                    # 1,000,000 articles
    .venv/bin/python bench/bench_web.py --articles 50000   # a quick run
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_report import DATA, GOAL_MS, SEARCH, TOPIC, build, write_config  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from monitor.config.models import load_config  # noqa: E402
from monitor.web.app import create_app  # noqa: E402
from monitor.web.context import WebContext  # noqa: E402
from storage.db import make_engine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    config_path = write_config(DATA, args.sources)
    models = DATA / "models"  # the shipped topic names its model file relative to the config
    if not models.exists():
        shutil.copytree(ROOT / "models", models)
    db = DATA / f"report-{args.articles}.db"
    url = f"sqlite:///{db}"
    if not db.exists():
        build(url, config_path, args.articles, args.sources, args.days)
    engine = make_engine(url)
    ctx = WebContext(load_config(config_path), url, engine)
    newest = ctx.read_db().scalar("SELECT max(article_id) FROM topic_matches")
    pages = [
        ("/", "/"),
        ("/?topic=…&since=30d", f"/?topic={TOPIC}&since=30d"),
        ("/?page=200 (deep page)", "/?page=200"),
        (f"/?q={SEARCH}", f"/?q={SEARCH}"),
        ("/articles/ID (with a fresh match)", f"/articles/{newest}"),
        ("/api/articles?topic=…", f"/api/articles?topic={TOPIC}"),
        ("/feeds/….atom", f"/feeds/{TOPIC}.atom"),
        ("/metrics", "/metrics"),
    ]
    print(f"| page ({args.articles:,} articles, {args.runs} runs) | best ms | median ms | goal |")
    print("|---|---:|---:|---|")
    with TestClient(create_app(ctx)) as client:
        client.get(f"/articles/{newest}")  # compiles the topics once (start-up, not a page)
        for name, path in pages:
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                r = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200, (path, r.status_code)
            ok = "ok" if statistics.median(times) <= GOAL_MS else f"over {GOAL_MS}"
            print(f"| `{name}` | {min(times):.0f} | {statistics.median(times):.0f} | {ok} |")
    engine.dispose()


if __name__ == "__main__":
    main()
