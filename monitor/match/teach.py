"""Labelled texts → a topic's relevance model: the rules pick the candidates, the model is
fitted on them (``newsmon learn``). Pure: records in, a model and its figures out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from monitor.match.actors import evidence
from monitor.match.decide import ActorsLike, decide
from monitor.match.features import features
from monitor.match.learn import CvReport, fit_model
from monitor.match.model import Model
from monitor.match.normalize import clean

__all__ = ["Trained", "candidates", "train"]


@dataclass(frozen=True, slots=True)
class Trained:
    model: Model
    report: CvReport
    left_out: int  # texts labelled yes that the rules refuse (the model never sees them)


def candidates(
    actors: ActorsLike, records: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, float]], list[bool], list[float], int]:
    """Features, labels and weights of the records the rules let through."""
    feats: list[dict[str, float]] = []
    labels: list[bool] = []
    weights: list[float] = []
    refused_yes = 0
    for r in records:
        ev = evidence(clean(str(r.get("title") or "")), clean(str(r.get("text") or "")))
        if not decide(ev, actors, None).together:
            refused_yes += bool(r.get("label"))
            continue
        feats.append(features(ev))
        labels.append(bool(r.get("label")))
        weights.append(float(r.get("weight", 1.0)))
    return feats, labels, weights, refused_yes


def train(topic: Any, records: Iterable[Mapping[str, Any]]) -> Trained:
    """Fit ``topic``'s model (it needs ``actors``) on labelled records."""
    rows = list(records)
    feats, labels, weights, refused = candidates(topic.actors, rows)
    info = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "texts": len(rows),
        "positives": sum(bool(r.get("label")) for r in rows),
    }
    model, report = fit_model(topic.id, feats, labels, weights, info=info)
    return Trained(model, report, refused)
