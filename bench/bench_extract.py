"""Score newsmon's automatic article extraction on the article-extraction benchmark.

Runs newsmon (``extract_article`` with no selectors) and trafilatura on the same pages in the
same process, writes each one's predictions to a temporary folder and scores them with the
benchmark's own ``score.py``. Prints F1 / precision / recall, the median time per page and the
speed ratio.

    .venv/bin/python bench/bench_extract.py [--aeb DIR] [--only newsmon] [--keep DIR] [--per-page]
        [--repeat N]

Each page is timed N times (default 3) for each extractor and the fastest run counts, so a busy
machine disturbs the comparison less; both extractors are timed the same way.
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

DEFAULT_AEB = Path("/work/shared/bench/aeb")
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


def run(
    name: str,
    fn: Callable[[str, bytes], str],
    pages: dict,
    truth: dict,
    out: Path,
    per_page: bool,
    aeb: Path,
    repeat: int = 3,
) -> dict:
    preds, times = {}, []
    for key, html in pages.items():
        best = float("inf")
        for _ in range(repeat):  # the fastest of a few runs: less noise from a busy machine
            start = time.perf_counter()
            try:
                body = fn(truth[key].get("url", ""), html)
            except Exception as err:  # a crash on one page scores as an empty prediction
                print(f"{name}: {key}: {type(err).__name__}: {err}", file=sys.stderr)
                body = ""
            best = min(best, (time.perf_counter() - start) * 1000)
        times.append(best)
        preds[key] = {"articleBody": body}
    path = out / f"{name}.json"
    path.write_text(json.dumps(preds, ensure_ascii=False), encoding="utf-8")
    cmd = [sys.executable, str(aeb / "score.py"), str(path)] + (["--per-page"] if per_page else [])
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    lines = result.stdout.strip().splitlines()
    if per_page:
        print("\n".join(lines[:-1][:25]))
    summary = lines[-1].split()
    figures = {summary[i]: float(summary[i + 1]) for i in range(2, len(summary), 2)}
    figures["median_ms"] = statistics.median(times)
    figures["total_s"] = sum(times) / 1000
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--aeb", type=Path, default=DEFAULT_AEB)
    ap.add_argument("--only", choices=["newsmon", "trafilatura"])
    ap.add_argument("--keep", type=Path, help="keep the predictions JSON in this folder")
    ap.add_argument("--per-page", action="store_true", help="list newsmon's worst pages")
    ap.add_argument(
        "--repeat", type=int, default=3, help="time each page N times, keep the fastest"
    )
    args = ap.parse_args()
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
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for name, fn in contenders:
            results[name] = run(
                name, fn, pages, truth, out, args.per_page and name == "newsmon", args.aeb
            )
    print(f"{len(pages)} pages from {args.aeb}")
    print(f"{'extractor':<12} {'F1':>6} {'prec':>6} {'recall':>6} {'median ms':>10} {'total s':>8}")
    for name, r in results.items():
        print(
            f"{name:<12} {r['F1']:6.3f} {r['precision']:6.3f} {r['recall']:6.3f} {r['median_ms']:10.2f} {r['total_s']:8.2f}"
        )
    if "newsmon" in results and "trafilatura" in results:
        ratio = results["trafilatura"]["median_ms"] / results["newsmon"]["median_ms"]
        print(f"newsmon is {ratio:.1f}x trafilatura's speed (median per page)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
