"""Topic quality on real news, and the matcher's speed beside the naive baseline.

Quality: the shipped ``regional-cooperation`` topic runs through ``newsmon match --jsonl``
with the shipped sources.yaml over ../shared/corpus/vnnews-dev.jsonl.gz (77,490 real
headlines and summaries, 711 judged). Precision counts every item it flags (items judged
"not sure" left out; unjudged items count as wrong, the corpus notes say they hold
essentially no positive); recall counts the sure positives found. Beside it in the same run:
the topic as shipped before places and the model (bench/data/topic-before.yaml) and the
naive baseline (lower-case substring of any cooperation phrase and any place phrase).
Also the team's own held-out split (tests/data/topic/test.jsonl) through ``match --eval``.

Speed: normalise + places + rules + model on one core, MB/s of the corpus's UTF-8 text,
beside the naive baseline over the same texts in the same run.

    .venv/bin/python bench/bench_topic.py [--corpus PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import CORPUS, quality, read_corpus  # noqa: E402

from monitor.config.models import load_config  # noqa: E402
from monitor.match.evaluate import naive_match, topics_from_yaml  # noqa: E402
from monitor.match.matcher import compile_topics  # noqa: E402

BEFORE = ROOT / "bench" / "data" / "topic-before.yaml"
TEST_SPLIT = ROOT / "tests" / "data" / "topic" / "test.jsonl"
TOPIC = "regional-cooperation"


def _newsmon_flags(jsonl: Path, config: Path) -> set[str]:
    cmd = [sys.executable, "-m", "monitor", "--config", str(config), "-q", "match", "--jsonl"]
    out = subprocess.run(
        [*cmd, str(jsonl), "--topic", TOPIC], capture_output=True, text=True, check=True
    ).stdout
    return {str(d["id"]) for d in map(json.loads, out.splitlines()) if d["topics"]}


def _naive_flags(records: list[dict]) -> set[str]:
    topic = next(t for t in topics_from_yaml(BEFORE) if t.id == TOPIC)
    return {str(r["id"]) for r in records if naive_match(topic, r["title"], r["text"])}


def _speed(records: list[dict]) -> tuple[float, float]:
    """MB/s of the shipped matcher and of the naive baseline over the same texts."""
    config = load_config(ROOT / "sources.yaml")
    matcher = compile_topics(config.topics)
    naive_topic = next(t for t in topics_from_yaml(BEFORE) if t.id == TOPIC)
    pairs = [(r["title"] or "", r["text"] or "") for r in records]
    size = sum(len(t.encode()) + len(b.encode()) for t, b in pairs) / 1e6
    best_m = best_n = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        for t, b in pairs:
            matcher.match(t, b)
        best_m = min(best_m, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for t, b in pairs:
            naive_match(naive_topic, t, b)
        best_n = min(best_n, time.perf_counter() - t0)
    return size / best_m, size / best_n


def _bench_row(
    measure: str, goal: str, ours: float, before: float | None, naive: float | None, note: str
) -> dict:
    """One row for bench/run_all.py: the shipped topic beside the one before and the naive."""
    extra = f"; before {before:.3f}" if before is not None else ""
    return {
        "measure": measure,
        "goal": goal,
        "ours": round(ours, 3),
        "unit": "",
        "peer": "naive lower + substring" if naive is not None else "",
        "peer_value": None if naive is None else round(naive, 3),
        "ratio": None,
        "met": ours >= float(goal.split()[-1]),
        "note": note + extra,
    }


def _row(name: str, q: dict) -> str:
    return (
        f"| {name} | {q['flagged']} | {q['right']}/{q['counted']} | {q['precision']:.3f} "
        f"| {q['found']}/{q['positives']} | {q['recall']:.3f} | {q['f1']:.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"bench_topic: {args.corpus} not found (the real corpus lives in ../shared)")
    records = read_corpus(args.corpus)
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "corpus.jsonl"
        with jsonl.open("w", encoding="utf-8") as fh:
            for r in records:
                line = {"id": r["id"], "title": r["title"], "text": r["text"]}
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        before_cfg = Path(tmp) / "before.yaml"
        before_cfg.write_text(BEFORE.read_text(encoding="utf-8"), encoding="utf-8")
        shipped = quality(records, _newsmon_flags(jsonl, ROOT / "sources.yaml"))
        before = quality(records, _newsmon_flags(jsonl, before_cfg))
    naive = quality(records, _naive_flags(records))
    print(f"## Topic quality on real news ({len(records):,} items, {args.corpus.name})")
    print()
    print("| topic | flagged | right / counted | precision | sure positives found | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(_row("shipped (places + rules + model)", shipped))
    print(_row("before (keyword groups)", before))
    print(_row("naive substring baseline", naive))
    print()
    rows = [
        _bench_row(
            "topic precision on real news (77,490 items; not-sure left out)",
            "≥ 0.8",
            shipped["precision"],
            before["precision"],
            naive["precision"],
            f"{shipped['right']}/{shipped['counted']} right; the model was trained on this half",
        ),
        _bench_row(
            "topic recall on real news (sure positives)",
            "≥ 0.8",
            shipped["recall"],
            before["recall"],
            naive["recall"],
            f"{shipped['found']}/{shipped['positives']} found",
        ),
    ]
    if TEST_SPLIT.exists():
        cmd = [sys.executable, "-m", "monitor", "--config", str(ROOT / "sources.yaml"), "-q"]
        out = subprocess.run(
            [*cmd, "match", "--eval", str(TEST_SPLIT), "--topic", TOPIC, "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        ev = json.loads(out)
        n = ev["tp"] + ev["fp"] + ev["fn"] + ev["tn"]
        print(
            f"Team held-out split ({n} texts): precision {ev['precision']:.3f}, "
            f"recall {ev['recall']:.3f}, F1 {ev['f1']:.3f}"
        )
        print()
        rows.append(
            _bench_row(
                f"topic F1 on the team's held-out split ({n} texts)",
                "≥ 0.95",
                ev["f1"],
                None,
                None,
                f"P {ev['precision']:.3f}, R {ev['recall']:.3f}",
            )
        )
    ours, naive_speed = _speed(records)
    print("| matcher, one core, real corpus | MB/s |")
    print("|---|---:|")
    print(f"| normalise + places + rules + model | {ours:.1f} |")
    print(f"| naive baseline | {naive_speed:.1f} |")
    rows.append(
        {
            "measure": "topic matching throughput (normalise + places + rules + model, one core, real corpus)",
            "goal": "≥ 20 MB/s",
            "ours": ours,
            "unit": "MB/s",
            "peer": "naive lower + substring",
            "peer_value": naive_speed,
            "ratio": ours / naive_speed,
            "met": ours >= 20,
            "note": "ratio: ours / naive",
        }
    )
    for r in rows:
        print("BENCH_ROW " + json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
