"""Run every benchmark beside its peer and write docs/benchmarks.md from what they print.

    make bench            (= .venv/bin/python bench/run_all.py)
    .venv/bin/python bench/run_all.py --only poll,latency

The peers (urlwatch, trafilatura; bench/requirements.txt) go into their own virtual environment,
bench/.venv-peers, created here when missing or when the requirements changed, so they never
touch the application's .venv. Each bench script runs as a subprocess; a script that prints
`BENCH_ROW {json}` lines gives its rows that way (measure, peer, goal, ours, unit, peer_value,
ratio, met, note), the older ones are read from their printed tables. A missing or failing
script is noted in the document instead of stopping the others. Numbers are never typed: the
whole document is regenerated on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS = BENCH / ".venv-peers"
REQUIREMENTS = BENCH / "requirements.txt"
DOC = ROOT / "docs" / "benchmarks.md"
COMMAND = "make bench"
TIMEOUT = 1800  # seconds for one script

Row = dict[str, Any]


# -- the peers' environment ----------------------------------------------------------------
def ensure_peers() -> str | None:
    """Create or update bench/.venv-peers; None when ready, else why not."""
    marker = PEERS / ".requirements.sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    python = PEERS / "bin" / "python"
    if python.exists() and marker.exists() and marker.read_text().strip() == digest:
        return None
    print(f"installing the peers into {PEERS.relative_to(ROOT)} …", flush=True)
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True
        )
    except (subprocess.CalledProcessError, OSError) as exc:
        return f"could not install the peers ({exc}); their columns are empty"
    marker.write_text(digest + "\n")
    return None


def peers_site_packages() -> Path | None:
    found = sorted(PEERS.glob("lib/python*/site-packages"))
    return found[0] if found else None


# -- the scripts ---------------------------------------------------------------------------
@dataclass
class Script:
    key: str
    file: str
    parse: Callable[[str], list[Row]] | None = None
    with_peers_on_path: bool = False  # import the peers (trafilatura) after the app's packages
    args: list[str] = field(default_factory=list)

    def command(self) -> list[str]:
        path = BENCH / self.file
        sp = peers_site_packages()
        if self.with_peers_on_path and sp is not None:
            code = (
                "import runpy, site, sys; site.addsitedir(sys.argv[1]); "
                "sys.argv = sys.argv[2:]; runpy.run_path(sys.argv[0], run_name='__main__')"
            )
            return [sys.executable, "-c", code, str(sp), str(path), *self.args]
        return [sys.executable, str(path), *self.args]


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def parse_extract(out: str) -> list[Row]:
    """bench_extract.py's tables, one per set (`aeb: …`, `trafeval: …` headers), each with
    `name F1 prec recall median_ms total_s` per extractor."""
    goals = {"aeb": 0.97, "trafeval": 0.93}
    rows: list[Row] = []
    for block in re.split(r"^(?=(?:aeb|trafeval): \d+ pages)", out, flags=re.M):
        head = re.match(r"(aeb|trafeval): (\d+) pages", block)
        if head is None:
            continue
        name, pages = head.group(1), head.group(2)
        found = {}
        for m in re.finditer(
            r"^(newsmon|trafilatura)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$",
            block,
            re.M,
        ):
            found[m.group(1)] = {
                "f1": _num(m.group(2)),
                "p": _num(m.group(3)),
                "r": _num(m.group(4)),
                "median_ms": _num(m.group(5)),
            }
        ours, peer = found.get("newsmon"), found.get("trafilatura")
        if ours is None:
            continue
        goal = goals[name]
        rows.append(
            row(
                f"article extraction F1 ({name}, {pages} pages, automatic mode)",
                f"≥ {goal}",
                ours["f1"],
                "",
                peer="trafilatura",
                peer_value=peer["f1"] if peer else None,
                ratio=ours["f1"] / peer["f1"] if peer else None,
                met=ours["f1"] >= goal,
                note=f"P {ours['p']:.3f}, R {ours['r']:.3f}"
                + (f"; trafilatura P {peer['p']:.3f}, R {peer['r']:.3f}" if peer else ""),
            )
        )
        rows.append(
            row(
                f"article extraction, median time per page ({name})",
                "≤ 3 ms and ≥ 7 × trafilatura's speed",
                ours["median_ms"],
                "ms",
                peer="trafilatura",
                peer_value=peer["median_ms"] if peer else None,
                ratio=peer["median_ms"] / ours["median_ms"] if peer else None,
                met=ours["median_ms"] <= 3
                and (peer is None or peer["median_ms"] / ours["median_ms"] >= 7),
                note="ratio: trafilatura's time / ours",
            )
        )
    return rows


def parse_report(out: str) -> list[Row]:
    """bench_report.py's tables: `| `cmd` | best | median | in-process | goal |` and ingest."""
    rows = []
    pattern = r"^\| `([^`]+)` \| ([\d,.]+) \| ([\d,.]+) \| ([\d,.]*) \| ([^|]*)\|"
    for m in re.finditer(pattern, out, re.M):
        median, goal = _num(m.group(3)), m.group(5).strip()
        inproc = f"; in process {m.group(4)} ms" if m.group(4) else ""
        rows.append(
            row(
                f"`newsmon {m.group(1)}`, whole command (median)",
                goal,
                median,
                "ms",
                met=(median <= 300) if goal else None,
                note=f"best {m.group(2)} ms{inproc}",
            )
        )
    for m in re.finditer(r"^\| (`store_articles`[^|]*)\| ([\d,.]+) \| (?:≥ ([\d,]+))?", out, re.M):
        rate, goal = _num(m.group(2)), _num(m.group(3)) if m.group(3) else None
        rows.append(
            row(
                f"store ingest: {m.group(1).strip()}",
                f"≥ {goal:,.0f} /s" if goal else "–",
                rate,
                "/s",
                met=rate >= goal if goal else None,
            )
        )
    return rows


SCRIPTS = [
    Script("extract", "bench_extract.py", parse_extract, with_peers_on_path=True),
    Script("topic", "bench_topic.py"),
    Script("report", "bench_report.py", parse_report),
    Script("poll", "bench_poll.py"),
    Script("latency", "bench_latency.py"),
    Script("stories", "bench_stories.py"),
    Script("daemons", "bench_daemons.py"),
]


def row(measure: str, goal: str, ours: float | None, unit: str, **extra: Any) -> Row:
    return {
        "measure": measure,
        "goal": goal,
        "ours": ours,
        "unit": unit,
        "peer": "",
        "peer_value": None,
        "ratio": None,
        "met": None,
        "note": "",
    } | extra


@dataclass
class Outcome:
    script: Script
    rows: list[Row] = field(default_factory=list)
    note: str = ""
    output: str = ""
    seconds: float = 0.0


def run_script(script: Script) -> Outcome:
    out = Outcome(script)
    path = BENCH / script.file
    if not path.exists():
        out.note = f"bench/{script.file} is missing: not run"
        print(out.note, flush=True)
        return out
    print(f"\n=== bench/{script.file}", flush=True)
    started = time.monotonic()
    lines: list[str] = []
    try:
        proc = subprocess.Popen(
            script.command(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if not line.startswith("BENCH_ROW "):
                print(line, end="", flush=True)
        code = proc.wait(TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        code = -1
        out.note = f"bench/{script.file} could not run: {exc}"
    out.seconds = time.monotonic() - started
    out.output = "".join(lines)
    for line in lines:
        if line.startswith("BENCH_ROW "):
            try:
                out.rows.append(row(**json.loads(line[len("BENCH_ROW ") :])))
            except (json.JSONDecodeError, TypeError) as exc:
                out.note = f"unreadable BENCH_ROW line: {exc}"
    if not out.rows and script.parse is not None:
        out.rows = script.parse(out.output)
    if code != 0 and not out.note:
        out.note = f"bench/{script.file} exited with {code}"
    if not out.rows and not out.note:
        out.note = f"bench/{script.file} printed no numbers this run could read"
    for r in out.rows:
        r["script"] = script.file
    return out


# -- the document --------------------------------------------------------------------------
def machine() -> dict[str, str]:
    model = "unknown"
    ram = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "ram": ram,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def ratio_text(value: Any) -> str:
    return "–" if value is None else f"{value:.2f}×"


def verdict(met: Any) -> str:
    return {True: "met", False: "**missed**"}.get(met, "")


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| measure | peer | goal | ours | peer value | ratio | goal met |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        peer_unit = r["unit"] if r.get("peer_value") is not None else ""
        note = f" ({r['note']})" if r.get("note") else ""
        lines.append(
            f"| {r['measure']}{note} | {r.get('peer') or '–'} | {r['goal'] or '–'} "
            f"| {fmt(r['ours'], r['unit'])} | {fmt(r.get('peer_value'), peer_unit)} "
            f"| {ratio_text(r.get('ratio'))} | {verdict(r.get('met'))} |"
        )
    return lines


SIDECAR = DOC.with_suffix(".json")  # each script's rows and output, for partial runs


def carried_over(ran: set[str]) -> tuple[list[Row], list[str]]:
    """The previous run's rows of the scripts not run now (``--only``), with their dates."""
    if not SIDECAR.exists():
        return [], []
    try:
        previous = json.loads(SIDECAR.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [], []
    rows: list[Row] = []
    dates: list[str] = []
    for key, entry in previous.items():
        if key in ran or key not in {s.key for s in SCRIPTS}:
            continue
        for r in entry["rows"]:
            note = "; ".join(n for n in (r.get("note"), f"run of {entry['date']}") if n)
            rows.append(r | {"note": note})
        dates.append(f"bench/{entry['file']} (run of {entry['date']})")
    return rows, dates


def save_sidecar(outcomes: list[Outcome], started: datetime) -> None:
    previous: dict[str, Any] = {}
    if SIDECAR.exists():
        try:
            previous = json.loads(SIDECAR.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
    for o in outcomes:
        previous[o.script.key] = {
            "file": o.script.file,
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "rows": o.rows,
        }
    SIDECAR.write_text(json.dumps(previous, ensure_ascii=False, indent=1) + "\n", "utf-8")


def write_doc(
    outcomes: list[Outcome], notes: list[str], started: datetime, loads: list[str]
) -> str:
    m = machine()
    rows = [r for o in outcomes for r in o.rows]
    kept, kept_from = carried_over({o.script.key for o in outcomes})
    if kept_from:
        notes = [
            *notes,
            "not run this time, rows kept from an earlier run: " + ", ".join(kept_from),
        ]
    rows += kept
    doc = [
        "# Benchmarks",
        "",
        "Generated by `bench/run_all.py`; do not edit by hand: every number below comes from the",
        "run described here.",
        "",
        f"- command: `{COMMAND}` (from a fresh clone: creates .venv and bench/.venv-peers)",
        f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, Python {m['python']}, "
        f"{m['os']}",
        f"- load average (1 min) at the start and the end of the run: {loads[0]} / {loads[-1]} "
        "(wall times suffer on a busy machine; CPU times much less)",
        "",
        *table(rows),
        "",
        "Ratio: for a bound or a goal, ours ÷ the peer value (lower is better); for a peer, how",
        "many times better ours is (the peer's time ÷ ours, or ours ÷ the peer's throughput/F1).",
        "",
    ]
    if notes or any(o.note for o in outcomes):
        doc += ["## Notes", ""]
        doc += [f"- {n}" for n in notes]
        doc += [f"- {o.note}" for o in outcomes if o.note]
        doc.append("")
    doc += [
        "## How each figure is made",
        "",
        "- **Poll cycle** (`bench/bench_poll.py`): the loopback site `bench/site.py` serves 1,000",
        "  listings on 50 hosts (127.0.0.2–127.0.0.51), each answer 100 ms late, with ETags. The",
        "  bound N·L/C = 1000 × 0.1 s / 50 = 2 s. Politeness that makes it reachable: `concurrency:",
        "  50`, `per_host_delay: 100ms` (no more than the latency: 20 sources per host × 100 ms =",
        "  2 s) and the fetcher's 2 connections per host; robots.txt respected (one more request",
        "  per host and process: 2.1 s is the real floor). Sources are `type: html` with item",
        "  selectors and `follow: false`, like urlwatch watching the listing pages. First cycle:",
        "  baseline (200s, 10 items stored per source); then unchanged cycles (all 304s). The",
        "  span is the site's first request arrival to its last answer; CPU per source is the",
        "  child's rusage minus a `newsmon poll` of one source on the same config and database.",
        "  urlwatch 2.29 runs the same 1,000 URLs with its own cache in a temporary folder.",
        "- **Daemon** (`bench/bench_latency.py`): `newsmon run` on the same 1,000 sources at a",
        "  10 s interval with `follow: true` and an instant email channel to a loopback aiosmtpd",
        "  server; after every baseline, articles about regional cooperation appear at random",
        "  moments; latency = appearance → email received. RSS from /proc (VmHWM = peak).",
        "- **Stories** (`bench/bench_stories.py`): pairing precision and recall on the labelled",
        "  pairs of tests/data/story_pairs.jsonl (copies with realistic edits, events written from",
        "  one template, unrelated items); then a SQLite database with a year of articles (500 a",
        "  day) and new articles stored one per transaction through `store_articles`, a third of",
        "  them edited copies of last week's: the time inside `storage.stories.assign_stories`",
        "  (grouping) beside the rest of `store_articles` (storing), and the index rebuild.",
        "- **Several daemons** (`bench/bench_daemons.py`, PostgreSQL): three `newsmon run` on 120",
        "  sources at a 10 s interval; one new article per source, half before and half after one",
        "  daemon is killed with -9; polls per source from the poll log, emails at a loopback",
        "  aiosmtpd, sessions from pg_stat_activity. Then 10,000 sources all due at once, one",
        "  daemon and three: cycle time, CPU per source, sessions.",
        "- **Politeness**: the site counts requests in flight per host and the smallest gap",
        "  between two request arrivals per host, over every newsmon run of the bench.",
        "",
        "## Output of each script",
        "",
    ]
    for o in outcomes:
        text = "\n".join(
            line for line in o.output.splitlines() if not line.startswith("BENCH_ROW ")
        ).strip()
        doc += [f"### bench/{o.script.file} ({o.seconds:.0f} s)", ""]
        doc += ["```", text[-4000:] if text else o.note or "(no output)", "```", ""]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("\n".join(doc), encoding="utf-8")
    return "\n".join(table(rows))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated: " + ",".join(s.key for s in SCRIPTS))
    ap.add_argument("--no-doc", action="store_true", help="print, do not write docs/benchmarks.md")
    args = ap.parse_args()
    wanted = set(args.only.split(",")) if args.only else {s.key for s in SCRIPTS}
    started = datetime.now(UTC)
    loads = [f"{os.getloadavg()[0]:.2f}"]
    notes = [n for n in [ensure_peers()] if n]
    outcomes = [run_script(s) for s in SCRIPTS if s.key in wanted]
    loads.append(f"{os.getloadavg()[0]:.2f}")
    if args.no_doc:
        print("\n".join(table([r for o in outcomes for r in o.rows])))
    else:
        print("\n" + write_doc(outcomes, notes, started, loads))
        save_sidecar(outcomes, started)
        print(f"\nwritten: {DOC.relative_to(ROOT)}")
    for o in outcomes:
        if o.note:
            print(f"note: {o.note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
