"""Throughput of normalise + match with the shipped topic, beside the naive baseline.

Generates a deterministic Vietnamese news corpus (tens of MB) from the evaluation set's
templates, times ``Matcher.match`` (clean, match/fold forms, excludes, scoring, snippet) and
the naive baseline (lower-case + substring count per term) on one core in the same run, and
prints a markdown table with both throughputs and both F1 scores on the labelled set.

Two corpora: "dense" (every title and half the paragraphs come from the topic's templates, so
most articles match: the worst case) and "realistic" (one title in 20 and one paragraph in
50: news where the topic is rare). Each is timed for both matchers, best of ``--repeat``.

    .venv/bin/python bench/bench_match.py [--mb 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "data")]

import make_eval  # noqa: E402

from monitor.match.evaluate import (  # noqa: E402
    evaluate,
    naive_evaluate,
    naive_match,
    read_jsonl,
    topics_from_yaml,
)
from monitor.match.matcher import compile_topics  # noqa: E402

TOPICS_FILE = ROOT / "sources.yaml"
EVAL_SET = ROOT / "tests" / "data" / "regional_eval.jsonl"
TOPIC = "regional-cooperation"

FILLER = [
    "Theo báo cáo của Sở Kế hoạch và Đầu tư, tổng vốn đầu tư toàn xã hội trong năm ước đạt hơn {N} nghìn tỷ đồng.",
    "Ông Nguyễn Văn {P}, Phó Chủ tịch UBND tỉnh, yêu cầu các sở, ngành khẩn trương tháo gỡ vướng mắc về mặt bằng.",
    "Người dân phản ánh tình trạng ngập úng kéo dài tại khu dân cư sau những cơn mưa lớn đầu mùa.",
    "Đến nay, toàn tỉnh có {N}0 xã đạt chuẩn nông thôn mới nâng cao, thu nhập bình quân đầu người tăng rõ rệt.",
    "Ngành giáo dục tập trung sửa chữa phòng học, bổ sung giáo viên cho các trường vùng khó khăn trước năm học mới.",
    "Giá xăng dầu điều chỉnh giảm từ 15 giờ chiều nay, giá dầu diesel giảm mạnh nhất.",
    "Thủ tướng Chính phủ vừa ký quyết định phê duyệt chủ trương đầu tư dự án với tổng mức hơn {N} nghìn tỷ đồng.",
    "Lực lượng chức năng đã kiểm tra {N}00 cơ sở kinh doanh, xử phạt vi phạm hành chính hơn 2 tỷ đồng.",
    "Theo dự báo, nắng nóng còn kéo dài đến cuối tuần, chỉ số tia cực tím ở mức nguy cơ gây hại cao.",
    "Hội nghị cũng thông qua kế hoạch cải cách hành chính, đẩy mạnh dịch vụ công trực tuyến toàn trình.",
]


def corpus(
    target_bytes: int, seed: int = 7, title_rate: float = 1.0, paragraph_rate: float = 0.5
) -> list[tuple[str, str]]:
    """(title, body) articles: template news mixed with filler, some NFD / old tones / unaccented.

    ``title_rate`` and ``paragraph_rate``: how often a title, or a paragraph, carries one of
    the evaluation set's sentences; the rest is filler.
    """
    rng = random.Random(seed)
    templates = [t[:2] for t in make_eval.RELEVANT] + [t[:2] for t in make_eval.NEGATIVE]
    articles, size = [], 0
    while size < target_bytes:
        slots = make_eval.slots_for(rng)
        slots["P"] = rng.choice(["An", "Bình", "Hùng", "Minh", "Thành"])
        if title_rate >= 1 or rng.random() < title_rate:  # dense: the same draws as always
            title = rng.choice(templates)[0].format(**slots)
        else:
            title = rng.choice(FILLER).format(**slots).split(",")[0][:90]
        paragraphs = []
        for _ in range(rng.randint(3, 7)):
            picks = [rng.choice(FILLER) for _ in range(rng.randint(2, 4))]
            if rng.random() < paragraph_rate:
                picks.insert(rng.randrange(len(picks) + 1), rng.choice(templates)[1])
            paragraphs.append(" ".join(p.format(**slots) for p in picks))
        body = "\n\n".join(paragraphs)
        title, body = make_eval.variant(rng.randrange(10), title, body)
        if rng.random() < 0.05:
            body = unicodedata.normalize("NFD", body)
        articles.append((title, body))
        size += len(title.encode()) + len(body.encode())
    return articles


def timed(fn, articles: list[tuple[str, str]], repeat: int = 1) -> tuple[float, int]:
    """CPU seconds of the fastest of ``repeat`` runs: one core's throughput, even when other
    work shares the machine (wall time would count the waits too)."""
    best, hits = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        hits = sum(1 for title, body in articles if fn(title, body))
        best = min(best, time.process_time() - start)
    return best, hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=40.0, help="corpus size in MB (UTF-8)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the fastest counts")
    args = parser.parse_args()

    topics = topics_from_yaml(TOPICS_FILE)
    (topic,) = [t for t in topics if t.id == TOPIC]
    matcher = compile_topics([topic])
    records = read_jsonl(EVAL_SET)
    evals = {
        "newsmon (normalise + match)": evaluate(matcher, records, TOPIC),
        "naive (lower + substring)": naive_evaluate(topic, records),
    }
    fns = {
        "newsmon (normalise + match)": lambda t, b: matcher.match(t, b)[0].matched,
        "naive (lower + substring)": lambda t, b: naive_match(topic, t, b),
    }
    print(
        f"Eval set: {len(records)} labelled texts. One core (CPU time), fastest of {args.repeat} runs."
    )
    print()
    print("| corpus | matcher | MB/s | matched articles | precision | recall | F1 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, rates in (("dense", (1.0, 0.5)), ("realistic", (0.05, 0.02))):
        articles = corpus(int(args.mb * 1e6), title_rate=rates[0], paragraph_rate=rates[1])
        mb = sum(len(t.encode()) + len(b.encode()) for t, b in articles) / 1e6
        label = f"{name}: {len(articles)} articles, {mb:.1f} MB"
        for matcher_name, fn in fns.items():
            secs, hits = timed(fn, articles, args.repeat)
            ev = evals[matcher_name]
            print(
                f"| {label} | {matcher_name} | {mb / secs:.1f} | {hits} | {ev['precision']:.3f} "
                f"| {ev['recall']:.3f} | {ev['f1']:.3f} |"
            )


if __name__ == "__main__":
    main()
