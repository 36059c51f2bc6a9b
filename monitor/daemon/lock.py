"""Who may poll what: one daemon per database, one poller per source at a time.

Both locks are held by the operating system or the database server, not written as rows, so a
process killed with -9 (or a power cut) leaves nothing stale behind — the next start simply gets
them.

- **Daemon lock.** SQLite: ``flock`` on ``<db file>.lock`` for the life of the process.
  PostgreSQL: ``pg_try_advisory_lock`` on a connection of its own (per database and schema).
- **Source leases.** A `newsmon poll` next to a running daemon must not poll a source the daemon
  is polling right now (and vice versa). SQLite: a POSIX record lock on one byte of
  ``<db file>.poll.lock`` per source (its offset is a hash of the id). PostgreSQL: a session-level
  advisory lock per source, on one dedicated connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from monitor.errors import NewsmonError

if TYPE_CHECKING:
    from monitor.config.models import Config, Source
    from monitor.fetch.client import Fetcher
    from monitor.match.matcher import Matcher
    from monitor.pipeline.persist import PollBatch
    from monitor.pipeline.record import PollRecord

log = logging.getLogger("newsmon.lock")

_BYTE_RANGE = 1 << 40  # lease offsets spread over a terabyte of (sparse, never written) file


class LockHeld(NewsmonError):
    """Another `newsmon run` already owns this database."""


def _key(*parts: str) -> int:
    """A signed 64-bit key for advisory locks (stable across processes and versions)."""
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a file-backed SQLite engine, else None."""
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database or ""
    if db in ("", ":memory:") or db.startswith("file:"):
        return None
    return Path(db).resolve()


def _pg_schema(conn: Connection) -> str:
    return str(conn.execute(select(func.current_schema())).scalar() or "public")


class DaemonLock:
    """Held from `acquire` until the process ends (or `release`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.what = ""
        self._fd: int | None = None
        self._conn: Connection | None = None
        self._key = 0

    def acquire(self) -> DaemonLock:
        """Take the lock or raise LockHeld("another newsmon run holds …")."""
        path = sqlite_path(self.engine)
        if path is not None:
            self.what = f"{path}.lock"
            fd = os.open(self.what, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise LockHeld(f"another newsmon run holds {self.what}") from None
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
        elif self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            schema = _pg_schema(conn)
            key = self._key = _key("newsmon run", schema)
            got = conn.execute(select(func.pg_try_advisory_lock(key))).scalar()
            conn.commit()
            self.what = f"advisory lock {key} on {self.engine.url.render_as_string()}"
            if not got:
                conn.close()
                raise LockHeld(f"another newsmon run holds {self.what} (schema {schema})")
            self._conn = conn
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
        if self._conn is not None:
            with contextlib.suppress(Exception):  # unlocked now, not when the backend exits
                self._conn.execute(select(func.pg_advisory_unlock(self._key)))
                self._conn.commit()
            self._conn.detach()  # out of the pool: closing ends the session and its lock
            self._conn.close()
            self._conn = None


class _Backend(Protocol):
    def try_take(self, source_id: str) -> bool: ...
    def give_back(self, source_id: str) -> None: ...
    def close(self) -> None: ...


class _FileLeases:
    """One byte per source in `<db>.poll.lock`; the kernel drops them when the process dies.

    POSIX record locks belong to the process: they never conflict inside one process (the daemon
    keeps its own set for that) and closing any descriptor of the file drops them all, so this
    class keeps the only descriptor this process opens on it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def _offset(self, source_id: str) -> int:
        return abs(_key("lease", source_id)) % _BYTE_RANGE

    def try_take(self, source_id: str) -> bool:
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, self._offset(source_id))
        except (BlockingIOError, PermissionError):
            return False
        return True

    def give_back(self, source_id: str) -> None:
        fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, self._offset(source_id))

    def close(self) -> None:
        os.close(self._fd)


class _AdvisoryLeases:
    """Session advisory locks on one connection of their own (never the pool's)."""

    def __init__(self, engine: Engine) -> None:
        self._conn = engine.connect()
        self._schema = _pg_schema(self._conn)
        self._conn.commit()

    def try_take(self, source_id: str) -> bool:
        key = _key("lease", self._schema, source_id)
        got = bool(self._conn.execute(select(func.pg_try_advisory_lock(key))).scalar())
        self._conn.commit()
        return got

    def give_back(self, source_id: str) -> None:
        self._conn.execute(select(func.pg_advisory_unlock(_key("lease", self._schema, source_id))))
        self._conn.commit()

    def close(self) -> None:
        self._conn.detach()  # out of the pool: closing ends the session and its locks
        self._conn.close()


class _LocalLeases:
    """In-memory SQLite: only this process can see the database."""

    def try_take(self, source_id: str) -> bool:
        return True

    def give_back(self, source_id: str) -> None:
        pass

    def close(self) -> None:
        pass


class SourceLeases:
    """`leases.try_take(id)` before polling a source, `leases.give_back(id)` after.

    Inside one process a source is also taken once at a time, so two tasks of the same process
    never poll it together either.
    """

    def __init__(self, engine: Engine) -> None:
        path = sqlite_path(engine)
        self._backend: _Backend
        if path is not None:
            self._backend = _FileLeases(Path(f"{path}.poll.lock"))
        elif engine.dialect.name == "postgresql":
            self._backend = _AdvisoryLeases(engine)
        else:
            self._backend = _LocalLeases()
        self._held: set[str] = set()

    def try_take(self, source_id: str) -> bool:
        if source_id in self._held:
            return False
        try:
            got = self._backend.try_take(source_id)
        except Exception as exc:  # a lost lease connection must not stop polling
            log.warning("lease for %s not checked (%s); polling anyway", source_id, exc)
            got = True
        if got:
            self._held.add(source_id)
        return got

    async def take(self, source_id: str, *, wait: float, step: float = 0.2) -> bool:
        """Wait up to `wait` seconds for a source another process is polling (the `poll` command)."""
        deadline = time.monotonic() + wait
        while not self.try_take(source_id):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(step)
        return True

    def give_back(self, source_id: str) -> None:
        if source_id not in self._held:
            return
        self._held.discard(source_id)
        try:
            self._backend.give_back(source_id)
        except Exception as exc:
            log.warning("lease for %s not released (%s)", source_id, exc)

    def close(self) -> None:
        for source_id in list(self._held):
            self.give_back(source_id)
        self._backend.close()


async def poll_leased(
    leases: SourceLeases,
    engine: Engine,
    config: Config,
    fetcher: Fetcher,
    matcher: Matcher,
    source: Source,
    now: datetime,
    *,
    wait: float = 120.0,
    batch: PollBatch | None = None,
) -> PollRecord:
    """`poll_source` under the source's lease, for `newsmon poll` beside a running daemon.

    Waits up to `wait` seconds while the daemon polls the source, then polls it itself; if the
    other poll is still going, the record says so (not ok) and nothing is done.
    """
    from monitor.pipeline.poll import poll_source
    from monitor.pipeline.record import PollRecord

    if not await leases.take(source.id, wait=wait):
        return PollRecord(
            id=source.id, ok=False, error=f"another newsmon process is polling it (over {wait:g}s)"
        )
    try:
        return await poll_source(engine, config, fetcher, matcher, source, now, batch=batch)
    finally:
        leases.give_back(source.id)
