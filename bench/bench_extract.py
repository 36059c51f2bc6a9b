"""Score newsmon's automatic article extraction on the article-extraction benchmark.

Runs newsmon (``extract_article`` with no selectors) and trafilatura on the same pages in the
same process, writes each one's predictions to a temporary folder
and scores them with the benchmark's own ``score.py``. Prints F1 / precision / recall, the
median time per page and the speed ratio.

    .venv/bin/python bench/bench_extract.py [--aeb DIR] [--only newsmon] [--keep DIR] [--per-page]
        [--repeat N] [--interleave]

Each page is timed N times (default 3) for each extractor and the fastest run counts, so a busy
machine disturbs the comparison less; both extractors are timed the same way. By default each
extractor runs over all pages in turn (warm caches, as in a poll loop); --interleave alternates
them page by page (cold caches for both, immune to the machine changing speed mid-run).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.extract import extract_article

# shared/ lies beside the project's root (../shared from it).
DEFAULT_AEB = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "aeb"


def _shown(path: Path) -> str:
    """The benchmark folder without this machine's absolute path."""
    return "../shared/bench/aeb" if path == DEFAULT_AEB else str(path)


TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def newsmon(url: str, html: bytes) -> str:
    return extract_article(url, html, "text/html; charset=utf-8", None, tz=TZ, now=NOW).body


def trafilatura_extractor() -> Callable[[str, bytes], str] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(url: str, html: bytes) -> str:
        return trafilatura.extract(html.decode("utf-8", "replace"), url=url) or ""

    return run


def extract_all(
    contenders: list[tuple[str, Callable[[str, bytes], str]]],
    pages: dict[str, bytes],
    truth: dict,
    repeat: int,
    interleave: bool,
) -> tuple[dict[str, dict], dict[str, list[float]]]:
    """Every contender on every page; the fastest of ``repeat`` runs counts for each page.

    Blocked (default): one contender over all pages, then the next, as a library runs in a
    loop. Interleaved: contenders alternate on each page, so a machine that speeds up or slows
    down affects all alike, but each call starts with caches the other one left cold.
    """
    preds: dict[str, dict] = {name: {} for name, _ in contenders}
    times: dict[str, list[float]] = {name: [] for name, _ in contenders}
    groups = [contenders] if interleave else [[c] for c in contenders]
    for group in groups:
        for key, html in pages.items():
            url = truth[key].get("url", "")
            best = {name: float("inf") for name, _ in group}
            for _ in range(repeat):
                for name, fn in group:
                    start = time.perf_counter()
                    try:
                        body = fn(url, html)
                    except Exception as err:  # a crash on one page scores as an empty prediction
                        print(f"{name}: {key}: {type(err).__name__}: {err}", file=sys.stderr)
                        body = ""
                    best[name] = min(best[name], (time.perf_counter() - start) * 1000)
                    preds[name][key] = {"articleBody": body}
            for name in best:
                times[name].append(best[name])
    return preds, times


def score(name: str, preds: dict, out: Path, aeb: Path, per_page: bool) -> dict[str, float]:
    """Run the benchmark's own score.py on a predictions file; return F1, precision, recall."""
    path = out / f"{name}.json"
    path.write_text(json.dumps(preds, ensure_ascii=False), encoding="utf-8")
    cmd = [sys.executable, str(aeb / "score.py"), str(path)] + (["--per-page"] if per_page else [])
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    lines = result.stdout.strip().splitlines()
    if per_page:
        print("\n".join(lines[:-1][:25]))
    summary = lines[-1].split()  # "pages N  F1 x  precision y  recall z"
    return {summary[i]: float(summary[i + 1]) for i in range(2, len(summary), 2)}


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--aeb", type=Path, default=DEFAULT_AEB)
    ap.add_argument("--only", choices=["newsmon", "trafilatura"])
    ap.add_argument("--keep", type=Path, help="keep the predictions JSON in this folder")
    ap.add_argument("--per-page", action="store_true", help="list newsmon's worst pages")
    ap.add_argument(
        "--interleave", action="store_true", help="alternate the extractors page by page"
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="time each page N times, keep the fastest"
    )
    args = ap.parse_args()
    if not (args.aeb / "ground-truth.json").is_file():
        print(f"error: no article-extraction benchmark at {args.aeb} (pass --aeb)", file=sys.stderr)
        return 2
    truth = json.loads((args.aeb / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {
        k: gzip.decompress((args.aeb / "html_gz" / f"{k}.html.gz").read_bytes())
        for k in sorted(truth)
    }
    contenders: list[tuple[str, Callable[[str, bytes], str]]] = []
    if args.only != "trafilatura":
        contenders.append(("newsmon", newsmon))
    if args.only != "newsmon":
        traf = trafilatura_extractor()
        if traf is None:
            print("trafilatura is not installed: pip install trafilatura", file=sys.stderr)
        else:
            contenders.append(("trafilatura", traf))
    preds, times = extract_all(contenders, pages, truth, max(1, args.repeat), args.interleave)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for name in preds:
            results[name] = score(
                name, preds[name], out, args.aeb, args.per_page and name == "newsmon"
            )
            results[name]["median_ms"] = statistics.median(times[name])
            results[name]["total_s"] = sum(times[name]) / 1000
    mode = "interleaved" if args.interleave else "blocked"
    print(
        f"{len(pages)} pages from {_shown(args.aeb)}, {mode}, each timed {args.repeat}x (fastest counts)"
    )
    print(f"{'extractor':<12} {'F1':>6} {'prec':>6} {'recall':>6} {'median ms':>10} {'total s':>8}")
    for name, r in results.items():
        print(
            f"{name:<12} {r['F1']:6.3f} {r['precision']:6.3f} {r['recall']:6.3f}"
            f" {r['median_ms']:10.2f} {r['total_s']:8.2f}"
        )
    if "newsmon" in results and "trafilatura" in results:
        ratio = results["trafilatura"]["median_ms"] / results["newsmon"]["median_ms"]
        print(f"newsmon is {ratio:.1f}x trafilatura's speed (median per page)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
