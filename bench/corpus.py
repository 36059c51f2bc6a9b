"""The real news corpus the topic benchmarks read (../shared/corpus), and how they score on it.

One place for the path, the reading, the training weight of a judgment and the quality rule
(bench_topic, topic_cv and train_topic share them): precision over every item flagged, items
judged "not sure" left out and unjudged items counted wrong; recall over the sure positives.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "vnnews-dev.jsonl.gz"


def read_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def weight(record: dict[str, Any]) -> float:
    """A judgment's training weight: half for one the judge was not sure of."""
    return 0.5 if "label" in record and not record.get("sure", True) else 1.0


def quality(records: list[dict[str, Any]], flagged: set[str]) -> dict[str, Any]:
    """Precision, recall and F1 of the flagged ids, with the counts behind them."""
    sure_pos = {r["id"] for r in records if r.get("label") is True and r.get("sure", True)}
    unsure = {r["id"] for r in records if "label" in r and not r.get("sure", True)}
    judged_true = {r["id"] for r in records if r.get("label") is True}
    counted = flagged - unsure
    right = len(counted & judged_true)
    found = len(flagged & sure_pos)
    precision = right / len(counted) if counted else 0.0
    recall = found / len(sure_pos) if sure_pos else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "flagged": len(flagged),
        "counted": len(counted),
        "right": right,
        "precision": precision,
        "recall": recall,
        "found": found,
        "positives": len(sure_pos),
        "f1": f1,
    }
