"""What `poll --json` prints for one source: the record a poll fills in as it goes."""

from __future__ import annotations

from dataclasses import dataclass


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
