"""The features a topic's relevance model reads: the actors' evidence and masked n-grams.

Place names are replaced by their class before n-grams are taken ("‹loc› và ‹loc› ký kết"),
so a model learns how localities act, not which ones happen to be in its training texts.
The same function runs when ``learn`` fits a model and when the matcher scores an article,
so the two can never disagree. Pure; a few microseconds per candidate article.
"""

from __future__ import annotations

import math
import re

from monitor.match.actors import ActorSentence, Evidence
from monitor.match.places import current_unit

__all__ = ["FEATURES_VERSION", "features"]

FEATURES_VERSION = "actors-ngrams-2"

_WORD = re.compile(r"‹\w+›|[^\W\d_]+|\d+")
_LEAD_CHARS = 400  # n-grams come from the title, the lead's start and the actor sentences


def _tokens(text: str) -> list[str]:
    return ["0" if t.isdigit() else t for t in _WORD.findall(text)]


def _ngrams(tokens: list[str], prefix: str, out: set[str]) -> None:
    for i, tok in enumerate(tokens):
        out.add(prefix + tok)
        if i + 1 < len(tokens):
            out.add(f"{prefix}{tok} {tokens[i + 1]}")


def _sentence_features(s: ActorSentence, tag: str, out: dict[str, float]) -> None:
    out[f"{tag}:strength={s.strength}"] = 1.0
    out[f"{tag}:part={s.part}"] = 1.0
    flags = {
        "joined": s.joined,
        "route": s.route,
        "region": s.regions,
        "collective": s.collectives,
        "foreign": s.foreign,
        "others": s.others,
        "venues": s.venues,
    }
    names = [name for name, present in flags.items() if present]
    names += [f"org={org or 'none'}" for org in set(s.orgs)]
    names += [f"pred={klass}" for klass in {k for k, _ in s.predicates}]
    names += list(s.links)
    for name in names:
        out[f"{tag}:{name}"] = 1.0


def features(ev: Evidence) -> dict[str, float]:
    """Sparse features of one text: rule evidence (``r:``) and masked n-grams (``n:``).

    The n-grams are binary and scaled to unit length together, so a long article does not
    outweigh a headline; the rule features are 0/1.
    """
    out: dict[str, float] = {"r:bias-text": 1.0}
    if ev.best is not None:
        _sentence_features(ev.best, "best", out)
        if ev.best.together:
            out["r:together"] = 1.0
    n_loc = len(ev.localities)
    out[f"r:localities={min(n_loc, 4)}"] = 1.0
    if ev.regions:
        out["r:regions"] = 1.0
    if ev.foreign:
        out["r:foreign"] = 1.0
    if ev.foreign_only:
        out["r:foreign-only"] = 1.0
    for s in ev.sentences:  # how every sentence with two actors and a predicate reads
        if s.together:
            for link in s.links:
                out[f"any:{link}"] = 1.0
            for klass in {k for k, _ in s.predicates}:
                out[f"any:pred={klass}"] = 1.0
            if s.joined:
                out["any:joined"] = 1.0
    units = {current_unit(p) for p in ev.localities}
    if len(ev.localities) >= 2 and len(units) < len(ev.localities):
        # Two of the names are one province since the 2025 merger ("Hậu Giang cũ", Cần Thơ).
        out["r:merged-pair"] = 1.0
        if len(units) == 1:
            out["r:one-unit"] = 1.0
    together_parts = {s.part for s in ev.sentences if s.together}
    for part in together_parts:
        out[f"r:together-in={part}"] = 1.0
    out[f"r:together-count={min(sum(s.together for s in ev.sentences), 3)}"] = 1.0
    grams: set[str] = set()
    for part, masked in ev.masked.items():
        text = masked if part == "title" else masked[:_LEAD_CHARS]
        _ngrams(_tokens(text), "n:", grams)
    for s in ev.sentences:
        if s.together and s.part == "body":
            _ngrams(_tokens(s.masked), "n:", grams)
    if grams:
        weight = 1.0 / math.sqrt(len(grams))
        for g in grams:
            out[g] = weight
    return out
