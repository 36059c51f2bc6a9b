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
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import quality, read_corpus, weight  # noqa: E402

from monitor.config.models import load_config  # noqa: E402
from monitor.match.actors import evidence  # noqa: E402
from monitor.match.decide import decide  # noqa: E402
from monitor.match.features import features  # noqa: E402
from monitor.match.learn import fit_model  # noqa: E402
from monitor.match.normalize import clean  # noqa: E402

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

    corpus = read_corpus()
    train = [json.loads(x) for x in (DATA / "train.jsonl").read_text("utf-8").splitlines() if x]
    test = [json.loads(x) for x in (DATA / "test.jsonl").read_text("utf-8").splitlines() if x]
    cf = [cand(r) for r in corpus]
    team = [(f, bool(r["label"]), 1.0) for r in train if (f := cand(r)) is not None]
    weeks = sorted({_week(r) for r in corpus})
    fold_of = {w: i % FOLDS for i, w in enumerate(weeks)}
    flagged: set[str] = set()
    for k in range(FOLDS):
        rows = list(team)
        for i, r in enumerate(corpus):
            if cf[i] is not None and fold_of[_week(r)] != k:
                rows.append((cf[i], bool(r.get("label", False)), weight(r)))
        model, _ = fit_model(topic.id, [f for f, _, _ in rows], [y for _, y, _ in rows],
                             [w for _, _, w in rows])  # fmt: skip
        for i, r in enumerate(corpus):
            f = cf[i]
            if f is not None and fold_of[_week(r)] == k and model.probability(f) >= model.threshold:
                flagged.add(r["id"])
    q = quality(corpus, flagged)
    print(f"real news, week-grouped {FOLDS}-fold (out of sample): flagged {q['flagged']}, "
          f"precision {q['right']}/{q['counted']} = {q['precision']:.3f}, recall "
          f"{q['found']}/{q['positives']} = {q['recall']:.3f}")  # fmt: skip
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
