"""Fit a topic's relevance model from labelled examples (``newsmon learn``).

Only candidates count: texts where the topic's rules let the model decide (the rest are
refused by the rules whatever the model says). Regularisation strength and the decision
threshold are chosen by stratified cross-validation on out-of-fold probabilities, then
the model is refitted on everything. scikit-learn is imported here only, so the daemon and
``match`` never load it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.errors import NewsmonError
from monitor.match.model import Model

__all__ = ["MIN_EXAMPLES", "CvReport", "fit_model"]

MIN_EXAMPLES = 10  # of each class, among candidates
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
FOLDS = 5


@dataclass(frozen=True, slots=True)
class CvReport:
    examples: int
    positives: int
    precision: float
    recall: float
    f1: float
    c: float
    threshold: float


def _prf(y: Sequence[bool], pred: Sequence[bool]) -> tuple[float, float, float]:
    tp = sum(a and b for a, b in zip(y, pred, strict=True))
    fp = sum(b and not a for a, b in zip(y, pred, strict=True))
    fn = sum(a and not b for a, b in zip(y, pred, strict=True))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def fit_model(
    topic: str,
    feats: Sequence[Mapping[str, float]],
    labels: Sequence[bool],
    weights: Sequence[float] | None = None,
    seed: int = 13,
    info: Mapping[str, Any] | None = None,
) -> tuple[Model, CvReport]:
    """A model fitted on candidates' features, with its cross-validated figures."""
    from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

    y = [bool(v) for v in labels]
    pos = sum(y)
    if pos < MIN_EXAMPLES or len(y) - pos < MIN_EXAMPLES:
        raise NewsmonError(
            f"too few labels to learn from: {pos} yes and {len(y) - pos} no among the "
            f"candidates (need {MIN_EXAMPLES} of each)"
        )
    w = list(weights) if weights is not None else [1.0] * len(y)
    vec = DictVectorizer()
    x = vec.fit_transform(list(feats))
    folds = min(FOLDS, pos, len(y) - pos)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    best: tuple[float, float, float, float, float] | None = None  # f1, c, t, p, r
    for c in C_GRID:
        oof = [0.0] * len(y)
        for train, test in splitter.split(x, y):
            clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
            clf.fit(x[train], [y[i] for i in train], sample_weight=[w[i] for i in train])
            for i, p in zip(test, clf.predict_proba(x[test])[:, 1], strict=True):
                oof[i] = float(p)
        for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            p, r, f1 = _prf(y, [v >= t for v in oof])
            if best is None or f1 > best[0] + 1e-9:
                best = (f1, c, t, p, r)
    assert best is not None
    f1, c, threshold, p, r = best
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    clf.fit(x, y, sample_weight=w)
    names = vec.get_feature_names_out()
    coef = clf.coef_[0]
    model_weights = {str(n): float(v) for n, v in zip(names, coef, strict=True) if abs(v) > 1e-4}
    report = CvReport(len(y), pos, round(p, 4), round(r, 4), round(f1, 4), c, threshold)
    meta = dict(info or {})
    meta["cv"] = {
        "folds": folds,
        "examples": len(y),
        "positives": pos,
        "precision": report.precision,
        "recall": report.recall,
        "f1": report.f1,
        "C": c,
    }
    model = Model(
        topic=topic,
        weights=model_weights,
        intercept=float(clf.intercept_[0]),
        threshold=threshold,
        info=meta,
    )
    return model, report
