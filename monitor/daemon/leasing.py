"""The daemon's hold on its source leases (PostgreSQL): renewed every third of the ttl; a lost
lease stops its poll; a lost server stops polling until it answers again.

A renewal that fails or takes longer than half the ttl means the database is out of reach
(killed connection, network down, server restarting): every poll in flight is cancelled before
its leases can lapse (nothing half-done is written: a poll writes in one transaction at its
end), what the daemon thought it held is forgotten, and its scheduled runs skip until a
renewal works again, tried after 1 s, 2 s, 4 s … 30 s. The scheduler keeps the timing; the
database decides who polls.

After each renewal the daemon also sweeps (once it has run 1.2 intervals itself): sources left
behind (a poll's lease lapsed unreleased, or no poll for 1.2 intervals while the last poller is
no live daemon) are claimed in one batch (SKIP LOCKED, so daemons sweeping at once split them)
and polled at once; a killed daemon's sources are polled again within about an interval,
whatever the phase of the survivors' own runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from monitor.daemon.lock import SourceLeases, reason

log = logging.getLogger("newsmon.run")

BACKOFF_MAX = 30.0


def _reason(exc: BaseException) -> str:
    return "no answer in time" if isinstance(exc, TimeoutError) else reason(exc)


class LeaseKeeper:
    """`online` says whether polls may start; `started`/`ended` bracket each poll task."""

    def __init__(self, leases: SourceLeases, sweep: Callable[[], None] | None = None) -> None:
        self.leases = leases
        self.sweep = sweep  # after each renewal: take over what a dead daemon left
        self.online = True
        self.lost: set[str] = set()  # polls cancelled because their lease went
        self._polls: dict[str, asyncio.Task[object]] = {}

    def started(self, source_id: str, task: asyncio.Task[object]) -> None:
        self._polls[source_id] = task

    def ended(self, source_id: str) -> bool:
        """Forget the poll; True when it was stopped for a lost lease."""
        self._polls.pop(source_id, None)
        if source_id in self.lost:
            self.lost.discard(source_id)
            return True
        return False

    def _stop(self, source_ids: set[str]) -> int:
        stopped = 0
        for source_id in source_ids:
            task = self._polls.get(source_id)
            if task is not None and not task.done():
                self.lost.add(source_id)
                task.cancel()
                stopped += 1
        return stopped

    async def run(self) -> None:
        """Renew until cancelled."""
        every = self.leases.ttl / 3
        backoff = 1.0
        while True:
            await asyncio.sleep(every if self.online else backoff)
            try:
                lost = await self.leases.renew(timeout=self.leases.ttl / 2)
            except Exception as exc:
                stopped = self._stop(set(self._polls))
                self.leases.forget()
                if self.online:
                    log.warning(
                        "database out of reach (%s): polling stops (%d poll(s) cancelled);"
                        " reconnecting",
                        _reason(exc),
                        stopped,
                    )
                    backoff = 1.0
                else:
                    backoff = min(BACKOFF_MAX, backoff * 2)
                self.online = False
                continue
            if not self.online:
                log.info("database reachable again: polling resumes (daemon %s)", self.leases.owner)
                self.online = True
            if lost and self._stop(lost):
                log.warning("lease lost for %s: poll(s) stopped", ", ".join(sorted(lost)))
            if self.sweep is not None:
                try:
                    self.sweep()
                except Exception as exc:  # the next renewal says whether the server is away
                    log.warning("overdue sources not checked (%s)", _reason(exc))
