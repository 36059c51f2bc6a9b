"""Small stand-ins the storage tests hand to the repository (a configured source, a match)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Src:
    """What `repo.sync_sources` reads of a configured source."""

    id: str
    name: str
    url: str


@dataclass(frozen=True)
class Match:
    """What the repository stores of a topic match (monitor.match.matcher.TopicMatch fits too)."""

    topic_id: str
    score: float
    terms: list[tuple[str, int]] = field(default_factory=list)
    snippet: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)
