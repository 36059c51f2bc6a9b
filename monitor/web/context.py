"""What every request of the web view reads: the configuration, the database, the clock.

Built once by `serve` (or a test) and handed to `create_app`; nothing global. Each worker
thread gets its own plain read connection (storage.readdb, as `report`); writes and `show`'s
queries go through the SQLAlchemy engine, which pools its own connections.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from monitor.errors import StorageError
from storage.readdb import ReadDB, open_read

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from monitor.config.models import Config
    from monitor.match.matcher import Matcher


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class WebContext:
    config: Config
    db_url: str
    engine: Engine  # migrated already
    now: Callable[[], datetime] = _utcnow
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _opened: list[ReadDB] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _matcher: Matcher | None = field(default=None, repr=False)

    @property
    def token(self) -> str | None:
        return self.config.settings.web_token

    def read_db(self) -> ReadDB:
        """This thread's read connection (opened on first use)."""
        db: ReadDB | None = getattr(self._local, "db", None)
        if db is None:
            db = open_read(self.db_url)
            if db is None:
                raise StorageError("database: this URL form cannot be read by the web view")
            self._local.db = db
            with self._lock:
                self._opened.append(db)
        return db

    def matcher(self) -> Matcher:
        """The topics compiled once, on the first article page that asks why."""
        with self._lock:
            if self._matcher is None:
                from monitor.match.matcher import compile_topics

                self._matcher = compile_topics(self.config.topics)
            return self._matcher

    def close(self) -> None:
        with self._lock:
            for db in self._opened:
                # another thread's connection: closing it from here may be refused
                with contextlib.suppress(Exception):
                    db.close()
            self._opened.clear()
