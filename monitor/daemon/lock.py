"""Who may poll what: one daemon per SQLite database, any number on PostgreSQL, one poller per
source at a time.

- **Daemon lock.** SQLite: ``flock`` on ``<db file>.lock`` for the life of the process (a second
  `newsmon run` exits 2). PostgreSQL: none: several daemons share the database (SPEC "Several
  daemons"), each named ``host:pid`` (`daemon_name`).
- **Source leases.** A source is polled by one process at a time (`newsmon run` or `poll`).
  SQLite: a POSIX record lock on one byte of ``<db file>.poll.lock`` per source (its offset is a
  hash of the id), dropped by the kernel when the process dies. PostgreSQL: a row per source in
  ``source_leases`` (storage/leases.py) with its owner and expiry on the server's clock; the
  holder renews it while polling, and a killed or cut-off process loses it within the ttl. A
  daemon's scheduled claim also needs the source to be due (no poll started under a lease for
  most of its interval), so several daemons poll each source about once per interval in all.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import Engine

from monitor.errors import NewsmonError
from storage.leases import RowLeases, advisory_key

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


_key = advisory_key
DEFAULT_TTL = 30.0  # seconds: a lease not renewed for this long is free (`newsmon poll`)


def daemon_name() -> str:
    """How this process is named in leases, logs and `sources`: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a file-backed SQLite engine, else None."""
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database or ""
    if db in ("", ":memory:") or db.startswith("file:"):
        return None
    return Path(db).resolve()


class DaemonLock:
    """Held from `acquire` until the process ends (or `release`); on PostgreSQL shared."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.what = ""
        self._fd: int | None = None

    def acquire(self) -> DaemonLock:
        """Take the lock or raise LockHeld("another newsmon run holds …") (SQLite)."""
        path = sqlite_path(self.engine)
        if path is not None:
            self.what = f"{path}.lock"
            fd = os.open(self.what, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise LockHeld(
                    f"another newsmon run holds {self.what} (SQLite: one daemon per database;"
                    " several daemons need PostgreSQL)"
                ) from None
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
        elif self.engine.dialect.name == "postgresql":
            self.what = "shared"  # several daemons share a PostgreSQL database (source leases)
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


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


class _RowBackend:
    """PostgreSQL: lease rows (storage/leases.py); claims fail closed when the server is away."""

    def __init__(self, engine: Engine, owner: str, ttl: float) -> None:
        self.rows = RowLeases(engine, owner, ttl)

    def try_take(self, source_id: str) -> bool:
        return source_id in self.rows.claim([source_id])

    def give_back(self, source_id: str) -> None:
        self.rows.release([source_id])

    def close(self) -> None:
        pass


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
    never poll it together either. On PostgreSQL (`shared`) the holder renews what it holds
    (`renew`, at least every ttl/3) and a daemon claims with `claim_due`.
    """

    def __init__(self, engine: Engine, *, owner: str | None = None, ttl: float = DEFAULT_TTL):
        path = sqlite_path(engine)
        self.owner = owner or daemon_name()
        self.ttl = ttl
        self._backend: _Backend
        self._rows: RowLeases | None = None
        if path is not None:
            self._backend = _FileLeases(Path(f"{path}.poll.lock"))
        elif engine.dialect.name == "postgresql":
            backend = _RowBackend(engine, self.owner, ttl)
            self._backend, self._rows = backend, backend.rows
        else:
            self._backend = _LocalLeases()
        self._held: set[str] = set()

    @property
    def shared(self) -> bool:
        """True on PostgreSQL: leases are rows other daemons see, and must be renewed."""
        return self._rows is not None

    @property
    def held(self) -> set[str]:
        return set(self._held)

    def try_take(self, source_id: str) -> bool:
        """Take the source's lease for a poll now; False while another process polls it."""
        if source_id in self._held:
            return False
        try:
            got = self._backend.try_take(source_id)
        except Exception as exc:
            if self.shared:  # never poll without the lease: the server decides who polls
                log.warning("lease for %s not taken (%s)", source_id, reason(exc))
                return False
            log.warning("lease for %s not checked (%s); polling anyway", source_id, exc)
            got = True
        if got:
            self._held.add(source_id)
        return got

    def claim_due(self, source_id: str, min_gap: float) -> bool:
        """A scheduled poll's claim: free, and (PostgreSQL) no poll of it started under a lease
        in the last `min_gap` seconds (by any daemon). Raises when the server cannot be asked."""
        if self._rows is None:
            return self.try_take(source_id)
        if source_id in self._held:
            return False
        got = source_id in self._rows.claim([source_id], min_gap=min_gap, fair=True)
        if got:
            self._held.add(source_id)
        return got

    def claim_overdue(self, source_ids: list[str], late: float, limit: int) -> set[str]:
        """Sources another daemon should have polled over `late` seconds ago (PostgreSQL)."""
        if self._rows is None:
            return set()
        got = self._rows.claim_overdue([i for i in source_ids if i not in self._held], late, limit)
        self._held |= got
        return got

    async def renew(self, timeout: float | None = None) -> set[str]:
        """Extend the leases held (PostgreSQL), the statement in a thread; the ones the server no
        longer gives this process are forgotten and returned as lost. Raises when the server
        cannot be asked within `timeout` seconds."""
        if self._rows is None:
            return set()
        before = set(self._held)
        kept = await asyncio.wait_for(asyncio.to_thread(self._rows.renew, before), timeout)
        lost = (before & self._held) - kept  # taken meanwhile: not this renewal's business
        self._held -= lost
        return lost

    def join(self) -> None:
        """A daemon starts (PostgreSQL): it counts among the live ones from now on."""
        if self._rows is not None:
            self._rows.heartbeat()

    def leave(self) -> None:
        if self._rows is not None:
            try:
                self._rows.leave()
            except Exception as exc:
                log.warning("daemon row not removed (%s); it lapses by itself", reason(exc))

    def forget(self) -> None:
        """Drop what this process thinks it holds (the server is away: the rows lapse)."""
        self._held.clear()

    async def take(self, source_id: str, *, wait: float, step: float = 0.2) -> bool:
        """Wait up to `wait` seconds for a source another process is polling (the `poll` command)."""
        deadline = time.monotonic() + wait
        while not self.try_take(source_id):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(step)
        return True

    async def keep_renewed(self) -> None:
        """Renew the held leases every ttl/3 until cancelled (`newsmon poll` on PostgreSQL)."""
        while self.shared:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.renew(self.ttl / 2)
            except Exception as exc:
                log.warning("leases not renewed (%s)", reason(exc))

    def give_back(self, source_id: str) -> None:
        if source_id not in self._held:
            return
        self._held.discard(source_id)
        try:
            self._backend.give_back(source_id)
        except Exception as exc:
            log.warning("lease for %s not released (%s)", source_id, reason(exc))

    def close(self) -> None:
        for source_id in list(self._held):
            self.give_back(source_id)
        self._backend.close()


def reason(exc: BaseException) -> str:
    """The first line of a database error (the driver's), for a log line."""
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


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
