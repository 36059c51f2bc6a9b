"""What `poll --json` prints for one source: the record a poll fills in as it goes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.fetch.client import FetchResult
    from storage.articles import NewArticle


@dataclass
class PollRecord:
    """What `poll --json` prints for one source."""

    id: str
    ok: bool = True
    status: int | None = None
    items: int = 0
    new: int = 0
    updated: int = 0
    error: str | None = None
    ms: int = 0

    def stamp(self, started: float) -> PollRecord:
        """The poll's duration so far (`started`: time.monotonic()), so the poll log keeps it;
        set again when the poll is done."""
        self.ms = int((time.monotonic() - started) * 1000)
        return self

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "ok": self.ok,
            "status": self.status,
            "items": self.items,
            "new": self.new,
            "updated": self.updated,
            "error": self.error,
        }


@dataclass
class PollPass:
    """What one pass over a source found, before anything of it is written."""

    result: FetchResult  # the listing's answer (a 304: nothing else was read)
    articles: list[NewArticle] = field(default_factory=list)  # new, with matches and alerts
    empty_bodies: int = 0  # new article pages that came out with an empty body
