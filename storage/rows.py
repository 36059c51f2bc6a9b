"""The rows the read path (storage/history.py) returns and the report renderers print.

Plain values, no database: monitor/report/render.py imports them, storage imports nothing of
monitor for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class TopicHit:
    """One topic an article matched, with the terms that made it match."""

    id: str
    score: float
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportArticle:
    """One line of the report."""

    id: int
    url: str
    title: str
    source: str
    published_at: datetime | None
    first_seen_at: datetime
    topics: tuple[TopicHit, ...] = ()
    snippet: str = ""
    story: int | None = None  # shared by every copy of one story (storage/stories.py)
    also: tuple[str, ...] = ()  # the other sources that carry the story, first seen first


@dataclass(frozen=True, slots=True)
class Count:
    """One line of `--by`: a day, source or topic (None: articles with no topic) and a count."""

    key: str | None
    articles: int
