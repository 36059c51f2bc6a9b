"""Topic matches as stored: one row per (article, topic) with score, terms, snippet, spans."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from storage.models import (
    TopicMatch,
)


class MatchLike(Protocol):
    """What is stored of a topic match (monitor.match.matcher.TopicMatch fits)."""

    @property
    def topic_id(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def terms(self) -> Sequence[tuple[str, int]]: ...
    @property
    def snippet(self) -> str: ...
    @property
    def spans(self) -> Sequence[tuple[int, int]]: ...


def match_rows(article_id: int, matches: Iterable[MatchLike]) -> list[TopicMatch]:
    return [
        TopicMatch(
            article_id=article_id,
            topic_id=m.topic_id,
            score=float(m.score),
            terms=[[term, int(count)] for term, count in m.terms],
            snippet=m.snippet,
            spans=[[int(a), int(b)] for a, b in m.spans],
        )
        for m in matches
    ]
