"""A topic's verdict from who acts (the rules) and the relevance model (the probability).

The rules gate: some sentence in the allowed parts must hold ``actors.together`` distinct
actors beside a cooperation predicate, and a foreign partner disqualifies unless two
Vietnamese localities act together. Among the texts the rules let through, the model (when
the topic has one) decides; without a model the rules decide alone. Everything the verdict
rests on is kept, so ``match`` and the web view can say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from monitor.match.actors import ActorSentence, Evidence, rank
from monitor.match.features import features
from monitor.match.model import Model

__all__ = ["ActorsLike", "Decision", "decide"]


class ActorsLike(Protocol):
    together: int
    foreign: str
    parts: list[str]


@dataclass(frozen=True, slots=True)
class Decision:
    """Why a topic with actors matched or not."""

    matched: bool
    together: bool  # the rules' gate
    foreign_only: bool
    probability: float | None  # the model's, when the topic has one
    threshold: float | None
    places: tuple[str, ...]  # Vietnamese localities acting, display names
    regions: tuple[str, ...]
    foreign: tuple[str, ...]
    predicates: tuple[str, ...]  # in the deciding sentence
    sentence: str  # the deciding sentence ("" when none)
    part: str  # where it stands: title, lead or body
    reasons: tuple[tuple[str, float], ...] = ()  # the model's strongest features


def _names(ev: Evidence, ids: set[str]) -> tuple[str, ...]:
    return tuple(sorted(ev.names.get(i, i) for i in ids))


def _gate(ev: Evidence, actors: ActorsLike) -> ActorSentence | None:
    allowed = [
        s
        for s in ev.sentences
        if s.part in actors.parts and s.predicates and s.strength >= actors.together
    ]
    if not allowed:
        return None
    if actors.foreign == "disqualify" and ev.foreign_only:
        return None
    return max(allowed, key=rank)


def decide(
    ev: Evidence, actors: ActorsLike, model: Model | None, threshold: float | None = None
) -> Decision:
    """The verdict for one text's evidence."""
    deciding = _gate(ev, actors)
    shown = deciding or ev.best
    probability = None
    reasons: tuple[tuple[str, float], ...] = ()
    cut = None
    if model is not None and deciding is not None:
        feats = features(ev)
        probability = model.probability(feats)
        cut = threshold if threshold is not None else model.threshold
        reasons = tuple(model.contributions(feats))
    matched = deciding is not None and (probability is None or probability >= (cut or 0.5))
    return Decision(
        matched=matched,
        together=deciding is not None,
        foreign_only=ev.foreign_only,
        probability=None if probability is None else round(probability, 4),
        threshold=cut,
        places=_names(ev, ev.localities),
        regions=_names(ev, ev.regions),
        foreign=_names(ev, ev.foreign),
        predicates=tuple(dict.fromkeys(p for _, p in shown.predicates)) if shown else (),
        sentence=shown.text if shown else "",
        part=shown.part if shown else "",
        reasons=reasons,
    )
