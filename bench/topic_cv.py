"""How the shipped topic's recipe does on real news it was NOT trained on: week-grouped CV.

The shipped model is trained on the whole development half of the corpus, so its figures on
that half (bench/bench_topic.py) are in-sample. This script estimates what the held-back
half will show: the corpus's ISO weeks go into 5 folds; for each fold a model is fitted on the
team's training split plus the other folds (exactly as bench/train_topic.py assembles them)
and scores the fold's items. Precision counts every item flagged (not-sure items left out),
recall the sure positives, as bench_topic does. Also the team's held-out split.

    .venv/bin/python bench/topic_cv.py
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config.models import load_config  # noqa: E402
from monitor.match.actors import evidence  # noqa: E402
from monitor.match.decide import decide  # noqa: E402
from monitor.match.features import features  # noqa: E402
from monitor.match.learn import fit_model  # noqa: E402
from monitor.match.normalize import clean  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "vnnews-dev.jsonl.gz"
DATA = ROOT / "tests" / "data" / "topic"
FOLDS = 5


def _week(r: dict) -> int:
    return dt.date.fromisoformat(r["published"][:10]).isocalendar()[1]


def main() -> None:
    config = load_config(ROOT / "sources.yaml", on_model_error=lambda e: None)
    topic = config.topic("regional-cooperation")
    assert topic is not None and topic.actors is not None
    actors = topic.actors

    def cand(r: dict) -> dict[str, float] | None:
        ev = evidence(clean(r.get("title") or ""), clean(r.get("text") or ""))
        return features(ev) if decide(ev, actors, None).together else None

    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        corpus = [json.loads(line) for line in fh]
    train = [json.loads(x) for x in (DATA / "train.jsonl").read_text("utf-8").splitlines() if x]
    test = [json.loads(x) for x in (DATA / "test.jsonl").read_text("utf-8").splitlines() if x]
    cf = [cand(r) for r in corpus]
    team = [(f, bool(r["label"]), 1.0) for r in train if (f := cand(r)) is not None]
    weeks = sorted({_week(r) for r in corpus})
    fold_of = {w: i % FOLDS for i, w in enumerate(weeks)}
    flagged: set[int] = set()
    for k in range(FOLDS):
        rows = list(team)
        for i, r in enumerate(corpus):
            if cf[i] is not None and fold_of[_week(r)] != k:
                weight = 0.5 if "label" in r and not r.get("sure", True) else 1.0
                rows.append((cf[i], bool(r.get("label", False)), weight))
        model, _ = fit_model(topic.id, [f for f, _, _ in rows], [y for _, y, _ in rows],
                             [w for _, _, w in rows])  # fmt: skip
        for i, r in enumerate(corpus):
            f = cf[i]
            if f is not None and fold_of[_week(r)] == k and model.probability(f) >= model.threshold:
                flagged.add(i)
    unsure = {i for i, r in enumerate(corpus) if "label" in r and not r.get("sure", True)}
    sure_pos = {i for i, r in enumerate(corpus) if r.get("label") is True and r.get("sure")}
    counted = flagged - unsure
    right = sum(1 for i in counted if corpus[i].get("label") is True)
    p = right / len(counted) if counted else 0.0
    r_ = len(flagged & sure_pos) / len(sure_pos)
    print(f"real news, week-grouped {FOLDS}-fold (out of sample): flagged {len(flagged)}, "
          f"precision {right}/{len(counted)} = {p:.3f}, recall "
          f"{len(flagged & sure_pos)}/{len(sure_pos)} = {r_:.3f}")  # fmt: skip
    model, _ = fit_model(topic.id, [f for f, _, _ in team], [y for _, y, _ in team])
    tp = fp = fn = 0
    for r in test:
        f = cand(r)
        hit = f is not None and model.probability(f) >= model.threshold
        tp += hit and r["label"]
        fp += hit and not r["label"]
        fn += (not hit) and r["label"]
    p, r_ = tp / (tp + fp), tp / (tp + fn)
    print(f"team texts only, held-out split ({len(test)}): precision {p:.3f}, recall {r_:.3f}, "
          f"F1 {2 * p * r_ / (p + r_):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
