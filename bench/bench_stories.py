"""Stories: how well copies pair up, and what grouping costs beside storing the article.

1. Pairing: every pair of tests/data/story_pairs.jsonl (copies with realistic edits; events
   written from one template; unrelated items) through `storage.stories.similarity`, at the
   chosen threshold and at a few others: precision, recall, F1 of "same story".
2. Cost: a SQLite database holding a year of articles (default 500 a day, bulk-inserted, each
   its own story), then new articles stored one per transaction through `store_articles` (as a
   poll that finds one new article), a third of them lightly edited copies of articles of the
   last week. The time inside `storage.stories.assign_stories` (catch up, signature, LSH query,
   the story_id update) is the grouping cost; the rest of `store_articles` is the cost of
   storing the article (insert, matches, alert rows, commit). Also: the index rebuilt at start
   (the window's articles read and signed).

    .venv/bin/python bench/bench_stories.py                # a year at 500 articles a day
    .venv/bin/python bench/bench_stories.py --per-day 100  # a quick run

Prints markdown tables and, for bench/run_all.py, one `BENCH_ROW {json}` line per measure.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "data")]

import make_story_pairs as pairs_data  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session  # noqa: E402

import storage.articles as articles_mod  # noqa: E402
from monitor.pipeline.rows import content_hash, search_text  # noqa: E402
from storage import stories  # noqa: E402
from storage.alerts import NewAlert  # noqa: E402
from storage.articles import NewArticle, store_articles  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Article, Source  # noqa: E402

GOAL_MS = 1.0
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def pairing() -> list[dict[str, Any]]:
    lines = (ROOT / "tests" / "data" / "story_pairs.jsonl").read_text("utf-8").splitlines()
    pairs = [json.loads(line) for line in lines]
    scored = [
        (
            stories.similarity(
                search_text(p["a"]["title"], p["a"]["body"]),
                search_text(p["b"]["title"], p["b"]["body"]),
            ),
            p["same"],
        )
        for p in pairs
    ]
    out = []
    for threshold in (0.3, 0.35, 0.4, stories.THRESHOLD, 0.45, 0.5, 0.6):
        tp = sum(s >= threshold and same for s, same in scored)
        fp = sum(s >= threshold and not same for s, same in scored)
        fn = sum(s < threshold and same for s, same in scored)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out.append({"threshold": threshold, "p": p, "r": r, "f1": f1, "fp": fp, "fn": fn})
    positives = sum(same for _, same in scored)
    print(
        f"## Pairing ({len(pairs)} labelled pairs: {positives} copies, {len(pairs) - positives} apart)\n"
    )
    print("| threshold | precision | recall | F1 | false pairs | missed copies |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in out:
        mark = " (chosen)" if row["threshold"] == stories.THRESHOLD else ""
        print(
            f"| {row['threshold']:.2f}{mark} | {row['p']:.3f} | {row['r']:.3f} | {row['f1']:.3f} "
            f"| {row['fp']} | {row['fn']} |"
        )
    print()
    return [dict(r, n=len(pairs)) for r in out if r["threshold"] == stories.THRESHOLD]


def article_text(rng: random.Random) -> tuple[str, str]:
    """A news item of ~250 words: one template instance and a few paragraphs of another."""
    kinds = list(pairs_data.TEMPLATES)
    title, paras = pairs_data.render(pairs_data.instance(rng.choice(kinds), rng))
    _, more = pairs_data.render(pairs_data.instance(rng.choice(kinds), rng))
    return title, "\n\n".join(paras + more[:3])


def build_year(engine: Any, per_day: int, rng: random.Random) -> list[tuple[str, str]]:
    """A year of articles before NOW, bulk-inserted; returns the texts of the last week."""
    with Session(engine) as session:
        for i in range(20):
            session.add(Source(id=f"src-{i}", name=f"Nguồn {i}", url=f"https://src{i}.vn/"))
        session.commit()
    distinct = [article_text(rng) for _ in range(min(per_day * 8, 6000))]
    folded = [search_text(t, b) for t, b in distinct]
    week: list[tuple[str, str]] = []
    table = Article.__table__  # type: ignore[attr-defined]
    rows: list[dict[str, Any]] = []
    n = 0
    for day in range(365, 0, -1):
        for k in range(per_day):
            at = NOW - timedelta(days=day - 1, seconds=(k + 1) * 86_400 // (per_day + 1))
            idx = n % len(distinct)
            title, body = distinct[idx]
            if day <= 7:
                week.append((title, body))
            rows.append(
                {
                    "source_id": f"src-{n % 20}",
                    "url": f"https://src{n % 20}.vn/tin/{n}.html",
                    "title": title,
                    "first_seen_at": at,
                    "body": body,
                    "content_hash": f"h{n}",
                    "baseline": False,
                    "search_text": folded[idx],
                }
            )
            n += 1
            if len(rows) == 5000:
                with engine.begin() as conn:
                    conn.execute(insert(table), rows)
                rows = []
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE articles SET story_id = id")
    return week


def cost(per_day: int, new: int) -> dict[str, float]:
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'year.db'}")
        upgrade(engine)
        started = time.perf_counter()
        week = build_year(engine, per_day, rng)
        total = per_day * 365
        print(f"## Cost (SQLite, {total:,} articles over a year, {len(week):,} in the window)\n")
        print(f"history built in {time.perf_counter() - started:.1f} s")

        index = stories.index_for(engine)
        started = time.perf_counter()
        with engine.connect() as conn:
            loaded = index.catch_up(conn, NOW, skip=set())
        rebuild = time.perf_counter() - started

        spent: list[float] = []
        cpu: list[float] = []
        real = stories.assign_stories

        def timed(*args: Any, **kwargs: Any) -> dict[int, int]:
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return real(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)

        articles_mod.assign_stories = timed  # type: ignore[assignment]
        whole: list[float] = []
        joined = 0
        edits = ["tag", "less", "more", "boiler", "title"]
        try:
            for i in range(new):
                now = NOW + timedelta(seconds=30 * (i + 1))
                if i % 3 == 0:  # a copy of an article of the last week
                    title, body = rng.choice(week)
                    paras = body.split("\n\n")
                    edit = edits[i % len(edits)]
                    if edit == "tag":
                        paras[0] = "(Báo Cần Thơ) - " + paras[0]
                    elif edit == "less":
                        del paras[-1]
                    elif edit == "more":
                        paras.append(pairs_data.EXTRA[i % len(pairs_data.EXTRA)])
                    elif edit == "boiler":
                        paras += ["Minh Huyền", "Xem thêm: Đẩy mạnh liên kết vùng"]
                    else:
                        title = f"[Video] {title}"
                    body = "\n\n".join(paras)
                else:
                    title, body = article_text(rng)
                art = NewArticle(
                    url=f"https://moi.vn/tin/{i}.html",
                    title=title,
                    body=body,
                    content_hash=content_hash(title, body),
                    search_text=search_text(title, body),
                    alerts=(NewAlert("team"),),
                )
                with Session(engine) as session:
                    t0 = time.perf_counter()
                    store_articles(session, f"src-{i % 20}", [art], now)
                    whole.append(time.perf_counter() - t0)
        finally:
            articles_mod.assign_stories = real  # type: ignore[assignment]
        with engine.connect() as conn:
            joined = conn.exec_driver_sql(
                "SELECT count(*) FROM articles WHERE url LIKE 'https://moi.vn/%' AND story_id != id"
            ).scalar_one()
        engine.dispose()
    group_ms = [s * 1000 for s in spent]
    store_ms = [(w - s) * 1000 for w, s in zip(whole, spent, strict=True)]
    result = {
        "articles": float(total),
        "window": float(loaded),
        "rebuild_s": rebuild,
        "group_median": statistics.median(group_ms),
        "group_mean": statistics.fmean(group_ms),
        "group_p95": sorted(group_ms)[int(len(group_ms) * 0.95)],
        "group_cpu": statistics.median(c * 1000 for c in cpu),
        "store_median": statistics.median(store_ms),
        "store_mean": statistics.fmean(store_ms),
        "joined": float(joined),
        "copies": float(len(range(0, new, 3))),
    }
    print(f"index rebuilt at start: {loaded:,} articles of the window in {rebuild:.2f} s\n")
    print("| per new article (one per transaction) | median | mean | p95 |")
    print("|---|---:|---:|---:|")
    print(
        f"| grouping (`assign_stories`) | {result['group_median']:.3f} ms "
        f"| {result['group_mean']:.3f} ms | {result['group_p95']:.3f} ms |"
    )
    print(
        f"| storing the article (the rest of `store_articles`) | {result['store_median']:.3f} ms "
        f"| {result['store_mean']:.3f} ms | – |"
    )
    print(f"\ngrouping, CPU time (this thread, median): {result['group_cpu']:.3f} ms")
    print(f"copies stored: {int(result['copies'])}, joined a story: {joined}\n")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-day", type=int, default=500, help="articles a day in the history")
    ap.add_argument("--new", type=int, default=600, help="new articles stored and timed")
    args = ap.parse_args()
    [chosen] = pairing()
    c = cost(args.per_day, args.new)
    rows = [
        {
            "measure": f"story pairing precision ({chosen['n']} labelled pairs, threshold {stories.THRESHOLD})",
            "goal": "≥ 0.95",
            "ours": round(chosen["p"], 3),
            "unit": "",
            "met": chosen["p"] >= 0.95,
        },
        {
            "measure": "story pairing recall (copies with edits: tag, paragraph ±, title, boilerplate, URL, Unicode)",
            "goal": "≥ 0.95",
            "ours": round(chosen["r"], 3),
            "unit": "",
            "met": chosen["r"] >= 0.95,
        },
        {
            "measure": f"story grouping per new article, a year of history ({int(c['articles']):,} articles, SQLite; median)",
            "goal": f"≤ {GOAL_MS:g} ms",
            "ours": round(c["group_median"], 3),
            "unit": "ms",
            "peer": "storing the article",
            "peer_value": round(c["store_median"], 3),
            "ratio": round(c["group_median"] / c["store_median"], 3) if c["store_median"] else None,
            "met": c["group_median"] <= GOAL_MS,
            "note": f"mean {c['group_mean']:.3f} ms, p95 {c['group_p95']:.3f} ms, "
            f"CPU median {c['group_cpu']:.3f} ms",
        },
        {
            "measure": f"story index rebuilt at start ({int(c['window']):,} articles in the 7-day window)",
            "goal": "seconds",
            "ours": round(c["rebuild_s"], 2),
            "unit": "s",
        },
    ]
    for r in rows:
        print("BENCH_ROW " + json.dumps(r, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
