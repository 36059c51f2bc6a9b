"""Train the shipped regional-cooperation model (models/regional-cooperation.json).

What goes in (docs/topic-model.md):
- the team's training split, tests/data/topic/train.jsonl (the test split stays out);
- the real corpus ../shared/corpus/vnnews-dev.jsonl.gz: its 711 judged items (the "not sure"
  ones at half weight) and the unjudged items the rules let through, as negatives (the
  corpus notes: the unjudged items hold essentially no positive).
Only weights leave this script: no corpus text is written into the repository.

    .venv/bin/python bench/train_topic.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import CORPUS, read_corpus, weight  # noqa: E402

TRAIN = ROOT / "tests" / "data" / "topic" / "train.jsonl"


def main() -> None:
    if not CORPUS.exists():
        sys.exit(f"train_topic: {CORPUS} not found")
    with tempfile.TemporaryDirectory() as tmp:
        merged = Path(tmp) / "train.jsonl"
        with merged.open("w", encoding="utf-8") as out:
            for line in TRAIN.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    out.write(line + "\n")
            for r in read_corpus():
                row = {"id": r["id"], "title": r["title"], "text": r["text"]}
                row["label"] = bool(r.get("label", False))
                if weight(r) != 1.0:
                    row["weight"] = weight(r)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        cmd = [sys.executable, "-m", "monitor", "--config", str(ROOT / "sources.yaml")]
        cmd += ["--db", f"sqlite:///{tmp}/labels.db", "learn"]
        cmd += ["--topic", "regional-cooperation", "--from", str(merged)]
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
