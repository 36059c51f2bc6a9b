"""Tools for tuning a topic: batch matching (``match --jsonl``) and scoring against a labelled
file (``match --eval``), plus the naive keyword baseline the benchmark compares with.

Records are dicts ``{"id", "title", "text"}`` (``"label": true/false`` for evaluation), as read
from JSON Lines. Pure functions over records; reading files is left to the caller except in
``read_jsonl`` and ``topics_from_yaml``, small helpers for the CLI, tests and bench.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ConfigError
from monitor.match.matcher import Matcher, TopicLike, TopicMatch

__all__ = [
    "SimpleTopic",
    "evaluate",
    "match_jsonl",
    "naive_evaluate",
    "naive_match",
    "read_jsonl",
    "scores",
    "topic_match_json",
    "topics_from_yaml",
]


@dataclass(frozen=True)
class SimpleTopic:
    """A topic as the matcher reads it, for tools that do not load the whole configuration."""

    id: str
    name: str = ""
    groups: dict[str, dict[str, float]] = field(default_factory=dict)
    require: list[str] = field(default_factory=list)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    min_score: float = 1.0
    title_weight: float = 2.0
    fold_diacritics: bool = False

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SimpleTopic:
        """The SPEC's topic mapping: ``groups`` (bare lists weigh 1) or the ``terms`` shorthand."""
        groups_raw = dict(raw.get("groups") or {})
        if "terms" in raw:
            groups_raw["terms"] = raw["terms"]
        groups = {
            name: {t: 1.0 for t in terms} if isinstance(terms, list) else dict(terms)
            for name, terms in groups_raw.items()
        }
        return cls(
            id=str(raw["id"]),
            name=str(raw.get("name", "")),
            groups=groups,
            require=list(raw.get("require") or []),
            aliases={k: list(v) for k, v in (raw.get("aliases") or {}).items()},
            exclude=list(raw.get("exclude") or []),
            min_score=float(raw.get("min_score", 1)),
            title_weight=float(raw.get("title_weight", 2)),
            fold_diacritics=bool(raw.get("fold_diacritics", False)),
        )


def topics_from_yaml(path: str | Path) -> list[SimpleTopic]:
    """The ``topics:`` list of a YAML file (sources.yaml or a draft holding only topics)."""
    with Path(path).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return [SimpleTopic.from_dict(t) for t in data.get("topics") or []]


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSON Lines file; a bad line is a ConfigError naming file and line."""
    records = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ConfigError(f"not JSON: {err.msg}", file=str(path), line=n) from None
            if not isinstance(record, dict):
                raise ConfigError("each line must be a JSON object", file=str(path), line=n)
            records.append(record)
    return records


def topic_match_json(m: TopicMatch) -> dict[str, Any]:
    """One topic as the SPEC's ``match --json`` prints it (spans added for highlighting)."""
    out: dict[str, Any] = {
        "id": m.topic_id,
        "score": m.score,
        "matched": m.matched,
        "terms": [{"term": t, "count": c} for t, c in m.terms],
        "snippet": m.snippet,
        "spans": [list(s) for s in m.spans],
    }
    if m.why is not None:
        w = m.why
        out.update(
            together=w.together,
            places=list(w.places),
            regions=list(w.regions),
            foreign=list(w.foreign),
            predicates=list(w.predicates),
            sentence=w.sentence,
            part=w.part,
            probability=w.probability,
            threshold=w.threshold,
        )
    return out


def match_jsonl(
    matcher: Matcher, records: Iterable[dict[str, Any]], topic_ids: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """``match --jsonl``: one ``{"id", "topics": [...]}`` per record, matched topics only."""
    for record in records:
        results = matcher.match(record.get("title"), record.get("text"), topic_ids)
        yield {
            "id": record.get("id"),
            "topics": [topic_match_json(m) for m in results if m.matched],
        }


def scores(predicted: Iterable[tuple[Any, bool, bool]]) -> dict[str, Any]:
    """Precision, recall, F1 and the wrong ids from (id, predicted, label) triples."""
    tp = fp = fn = tn = 0
    wrong = []
    for rid, pred, label in predicted:
        if pred and label:
            tp += 1
        elif pred:
            fp += 1
        elif label:
            fn += 1
        else:
            tn += 1
        if pred != label:
            wrong.append(rid)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "wrong": wrong,
    }


def _label(record: dict[str, Any]) -> bool:
    label = record.get("label")
    if not isinstance(label, bool):
        raise ConfigError(f'record {record.get("id")!r}: "label" must be true or false')
    return label


def evaluate(matcher: Matcher, records: Iterable[dict[str, Any]], topic_id: str) -> dict[str, Any]:
    """``match --eval --json`` for one topic over labelled records."""

    def triples() -> Iterator[tuple[Any, bool, bool]]:
        for record in records:
            (m,) = matcher.match(record.get("title"), record.get("text"), [topic_id])
            yield record.get("id"), m.matched, _label(record)

    return scores(triples())


def naive_match(topic: TopicLike, title: str, text: str) -> bool:
    """The baseline: lower-case, substring count per term and alias, no exclusions or require."""
    haystack = f"{title}\n{text}".lower()
    score = 0.0
    for terms in topic.groups.values():
        for term, weight in terms.items():
            for phrase in [term, *topic.aliases.get(term, [])]:
                score += weight * haystack.count(phrase.lower())
    return score >= topic.min_score


def naive_evaluate(topic: TopicLike, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The baseline's scores on the same labelled records."""
    return scores(
        (r.get("id"), naive_match(topic, r.get("title") or "", r.get("text") or ""), _label(r))
        for r in records
    )
