"""The numbers behind the web view's `/metrics`: counts over the stored rows, read on each scrape.

Plain SQL over a storage.readdb.ReadDB (as `report`); every query is one aggregate, over an
index where there is one, so a scrape stays cheap on a large database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.readdb import ReadDB

__all__ = ["LATENCY_BUCKETS", "SourceState", "Stats", "read_stats"]

# Fetch latency buckets (seconds) of the poll log's durations.
LATENCY_BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


@dataclass(frozen=True, slots=True)
class SourceState:
    id: str
    failing: bool
    last_success_at: datetime | None


@dataclass(frozen=True, slots=True)
class Stats:
    articles: int
    matches: dict[str, int]  # topic → matched articles
    alerts: dict[str, int]  # status → alerts
    sources: list[SourceState]
    polls: dict[str, int]  # outcome ("ok", "failed") → polls in the log
    latency_buckets: list[tuple[float, int]]  # (upper bound s, polls at most that long)
    latency_count: int
    latency_sum: float  # seconds


def _pairs(db: ReadDB, sql: str) -> dict[str, int]:
    return {str(k): int(n) for k, n in db.rows(sql)}


def _latency(db: ReadDB, bounds: Sequence[float]) -> tuple[list[tuple[float, int]], int, float]:
    cases = ", ".join(
        f"sum(CASE WHEN duration_ms <= {int(b * 1000)} THEN 1 ELSE 0 END)" for b in bounds
    )
    row = db.rows(f"SELECT count(*), coalesce(sum(duration_ms), 0), {cases} FROM poll_log")[0]
    count, total = int(row[0]), float(row[1]) / 1000
    return [(b, int(n or 0)) for b, n in zip(bounds, row[2:], strict=True)], count, total


def read_stats(db: ReadDB) -> Stats:
    """Everything `/metrics` shows, in one pass of small aggregate queries."""
    sources = [
        SourceState(str(sid), int(failures or 0) > 0, db.when(success))
        for sid, failures, success in db.rows(
            "SELECT id, consecutive_failures, last_success_at FROM sources ORDER BY id"
        )
    ]
    polls = {
        ("ok" if ok else "failed"): int(n)
        for ok, n in db.rows("SELECT ok, count(*) FROM poll_log GROUP BY ok")
    }
    buckets, count, total = _latency(db, LATENCY_BUCKETS)
    return Stats(
        articles=int(db.scalar("SELECT count(*) FROM articles") or 0),
        matches=_pairs(db, "SELECT topic_id, count(*) FROM topic_matches GROUP BY topic_id"),
        alerts=_pairs(db, "SELECT status, count(*) FROM alerts GROUP BY status"),
        sources=sources,
        polls=polls,
        latency_buckets=buckets,
        latency_count=count,
        latency_sum=total,
    )
