"""Score newsmon's automatic article extraction on two sets of real pages, beside trafilatura.

- trafeval (../shared/bench/trafeval): trafilatura's own evaluation set, 949 pages in many
  languages; each page lists snippets the text must hold and boilerplate it must not
  (its ``score.py``).
- aeb (../shared/bench/aeb): the article-extraction benchmark, 181 news pages with their full
  bodies, scored on 4-token shingles (its ``score.py``).

newsmon (``extract_article`` with no selectors) and trafilatura run on the same pages in the
same process. Per set: F1, precision, recall, the median time per page and the speed ratio,
then the failure classes where newsmon loses most and its worst pages beside trafilatura's
score on them, so the work goes to causes, not to single pages.

    .venv/bin/python bench/bench_extract.py [--sets trafeval,aeb] [--only newsmon]
        [--repeat N] [--interleave] [--worst N] [--keep DIR]

Each page is timed N times (default 3) for each extractor and the fastest run counts, so a busy
machine disturbs the comparison less; both extractors are timed the same way. By default each
extractor runs over all pages in turn (warm caches, as in a poll loop); --interleave alternates
them page by page. The aeb table comes last, in the format bench/run_all.py reads.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.extract import extract_article

# shared/ lies beside the project's root (../shared from it).
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 1, 1, tzinfo=UTC)

Extractor = Callable[[str, bytes], str]
PageScore = tuple[float, float]  # (precision, recall) of one page


def newsmon(url: str, html: bytes) -> str:
    # no charset: as a server that does not name one (trafeval holds Latin-1 pages too)
    return extract_article(url, html, "text/html", None, tz=TZ, now=NOW).body


def trafilatura_extractor() -> Extractor | None:
    try:
        import trafilatura
    except ImportError as err:
        print(f"trafilatura cannot be imported ({err}); its column stays empty", file=sys.stderr)
        return None

    def run(url: str, html: bytes) -> str:
        return trafilatura.extract(html, url=url) or ""  # bytes: it detects the encoding

    return run


def _load_scorer(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"score_{folder.name}", folder / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class BenchSet:
    """One set of pages and how to score predictions on it."""

    name: str
    folder: Path
    truth: dict[str, Any]
    scorer: ModuleType

    def file(self, key: str) -> Path:
        suffix = ".html.gz" if self.name == "aeb" else ".gz"
        return self.folder / "html_gz" / f"{key}{suffix}"

    def score(self, preds: dict[str, str]) -> dict[str, float]:
        if self.name == "aeb":
            res = self.scorer.score(self.truth, {k: {"articleBody": v} for k, v in preds.items()})
        else:
            res = self.scorer.score(preds)
        return {"F1": res["f1"], "precision": res["precision"], "recall": res["recall"]}

    def per_page(self, preds: dict[str, str]) -> dict[str, PageScore]:
        if self.name == "aeb":
            res = self.scorer.score(self.truth, {k: {"articleBody": v} for k, v in preds.items()})
            return {k: (m["precision"], m["recall"]) for k, m in res["per_page"].items()}
        out = {}
        norm = self.scorer._norm
        for key, gt in self.truth.items():
            text = norm(preds.get(key, ""))
            found = sum(norm(s) in text for s in gt["with"])
            leaked = sum(norm(s) in text for s in gt["without"])
            p = found / (found + leaked) if found + leaked else 0.0
            r = found / len(gt["with"]) if gt["with"] else 1.0
            out[key] = (p, r)
        return out


def load_set(name: str, folder: Path) -> BenchSet | None:
    if not (folder / "ground-truth.json").is_file():
        print(f"{name}: no benchmark at {folder} (pass --{name}); skipped", file=sys.stderr)
        return None
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return BenchSet(name, folder, truth, _load_scorer(folder))


def extract_all(
    contenders: list[tuple[str, Extractor]],
    pages: dict[str, bytes],
    urls: dict[str, str],
    repeat: int,
    interleave: bool,
) -> tuple[dict[str, dict[str, str]], dict[str, list[float]]]:
    """Every contender on every page; the fastest of ``repeat`` runs counts for each page."""
    preds: dict[str, dict[str, str]] = {name: {} for name, _ in contenders}
    times: dict[str, list[float]] = {name: [] for name, _ in contenders}
    groups = [contenders] if interleave else [[c] for c in contenders]
    for group in groups:
        for key, html in pages.items():
            best = {name: float("inf") for name, _ in group}
            for _ in range(repeat):
                for name, fn in group:
                    start = time.perf_counter()
                    try:
                        body = fn(urls[key], html)
                    except Exception as err:  # a crash on one page scores as an empty prediction
                        print(f"{name}: {key}: {type(err).__name__}: {err}", file=sys.stderr)
                        body = ""
                    best[name] = min(best[name], (time.perf_counter() - start) * 1000)
                    preds[name][key] = body
            for name in best:
                times[name].append(best[name])
    return preds, times


def failure_class(p: float, r: float, text: str) -> str:
    """Why a page scores below par, in words a fix can aim at."""
    if not text.strip():
        return "empty: nothing extracted"
    if r < 0.3:
        return "wrong block: little of the article"
    if p >= 0.8:
        return "cut short: text missing"
    if r >= 0.8:
        return "boilerplate kept: extra text"
    return "both: text missing and extra text"


def _f1(s: PageScore) -> float:
    return 2 * s[0] * s[1] / (s[0] + s[1]) if s[0] + s[1] else 0.0


def report_losses(
    ours: dict[str, PageScore], text: dict[str, str], peer: dict[str, PageScore] | None, worst: int
) -> None:
    """The failure classes by the F1 they cost, then the worst pages (ahead of the peer first)."""
    classes: dict[str, list[float]] = {}
    for key, s in ours.items():
        loss = 1 - _f1(s)
        if loss > 0.05:
            classes.setdefault(failure_class(*s, text.get(key, "")), []).append(loss)
    total = sum(1 - _f1(s) for s in ours.values()) or 1.0
    print("  failure classes (pages with F1 < 0.95; share of all F1 lost):")
    for cls, losses in sorted(classes.items(), key=lambda kv: -sum(kv[1])):
        print(f"    {cls:<38} {len(losses):4d} pages {100 * sum(losses) / total:5.1f}%")

    def gap(key: str) -> float:
        return (_f1(peer[key]) if peer else 1.0) - _f1(ours[key])

    print(f"  worst {worst} pages (by F1 behind {'trafilatura' if peer else 'perfect'}):")
    for key in sorted(ours, key=lambda k: (-gap(k), _f1(ours[k])))[:worst]:
        p, r = ours[key]
        theirs = f" trafilatura F1 {_f1(peer[key]):.2f}" if peer else ""
        print(f"    F1 {_f1(ours[key]):.2f} (P {p:.2f} R {r:.2f}){theirs}  {key}")


def run_set(
    bench: BenchSet, contenders: list[tuple[str, Extractor]], args: argparse.Namespace
) -> None:
    keys = sorted(bench.truth)
    pages = {k: gzip.decompress(bench.file(k).read_bytes()) for k in keys}
    urls = {k: bench.truth[k].get("url", "") for k in keys}
    preds, times = extract_all(contenders, pages, urls, max(1, args.repeat), args.interleave)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for name, pred in preds.items():
            path = args.keep / f"{bench.name}-{name}.json"
            path.write_text(json.dumps(pred, ensure_ascii=False), encoding="utf-8")
    results = {name: bench.score(pred) for name, pred in preds.items()}
    mode = "interleaved" if args.interleave else "blocked"
    print(
        f"{bench.name}: {len(pages)} pages from ../shared/bench/{bench.folder.name}, {mode}, "
        f"each timed {args.repeat}x (fastest counts)"
    )
    print(f"{'extractor':<12} {'F1':>6} {'prec':>6} {'recall':>6} {'median ms':>10} {'total s':>8}")
    for name, r in results.items():
        print(
            f"{name:<12} {r['F1']:6.3f} {r['precision']:6.3f} {r['recall']:6.3f}"
            f" {statistics.median(times[name]):10.2f} {sum(times[name]) / 1000:8.2f}"
        )
    if "newsmon" in results and "trafilatura" in results:
        ratio = statistics.median(times["trafilatura"]) / statistics.median(times["newsmon"])
        print(f"newsmon is {ratio:.1f}x trafilatura's speed (median per page)")
    if "newsmon" in preds and args.worst:
        peer = bench.per_page(preds["trafilatura"]) if "trafilatura" in preds else None
        report_losses(bench.per_page(preds["newsmon"]), preds["newsmon"], peer, args.worst)
    print()


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--aeb", type=Path, default=SHARED / "aeb")
    ap.add_argument("--trafeval", type=Path, default=SHARED / "trafeval")
    ap.add_argument("--sets", default="trafeval,aeb", help="comma-separated: trafeval, aeb")
    ap.add_argument("--only", choices=["newsmon", "trafilatura"])
    ap.add_argument("--keep", type=Path, help="keep the predictions JSON in this folder")
    ap.add_argument("--worst", type=int, default=12, help="list newsmon's N worst pages per set")
    ap.add_argument(
        "--interleave", action="store_true", help="alternate the extractors page by page"
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="time each page N times, keep the fastest"
    )
    args = ap.parse_args()
    contenders: list[tuple[str, Extractor]] = []
    if args.only != "trafilatura":
        contenders.append(("newsmon", newsmon))
    if args.only != "newsmon":
        traf = trafilatura_extractor()
        if traf is not None:
            contenders.append(("trafilatura", traf))
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    sets = [load_set(name, getattr(args, name)) for name in wanted if name in ("aeb", "trafeval")]
    found = [s for s in sets if s is not None]
    if not found:
        print("error: no benchmark set found", file=sys.stderr)
        return 2
    for bench in found:
        run_set(bench, contenders, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
