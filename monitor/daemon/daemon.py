"""`newsmon run`: poll every enabled source on its schedule, deliver alerts, re-check articles.

APScheduler 3 (AsyncIOScheduler) holds one job per enabled source: its `interval` (default
`settings.interval`, jitter a tenth of it) or its cron `schedule` in `settings.timezone`; one run
of a source at a time, missed runs coalesced. First polls are spread over the first interval
(a source polled recently before a restart keeps its slot). Beside it, the dispatcher sends
queued alerts: woken after every poll, and every second for retries and digests.

Signal handlers only set flags; the main loop acts on them:
- SIGTERM/SIGINT: stop scheduling, let polls in flight finish (10 s at most), deliver what they
  queued, exit 0. APScheduler's `shutdown(wait=True)` would cancel asyncio jobs at once, so the
  polls in flight are tracked here. A second signal cancels them and exits 1 at once; every write
  is its own transaction, so the database stays whole either way.
- SIGHUP: load the configuration again. An invalid one is logged (its located error lines) and
  the old one keeps running; a valid one adds, removes and reschedules jobs and replaces the
  configuration and the compiled topics whole, for what comes next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import undefined
from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.config.models import Config, Source, load_config
from monitor.daemon.leasing import LeaseKeeper
from monitor.daemon.lock import SourceLeases, daemon_name
from monitor.daemon.recheck import recheck_due
from monitor.daemon.schedule import (
    Options,
    grace_time,
    lease_ttl,
    make_trigger,
    min_gap,
    schedule_key,
)
from monitor.errors import ConfigError
from monitor.fetch.client import Fetcher
from monitor.logsetup import register_secrets
from monitor.match.matcher import Matcher, compile_topics
from monitor.pipeline.poll import poll_source
from storage.leases import SessionLocks

log = logging.getLogger("newsmon.run")

RECHECK_JOB = "~recheck"  # not a valid source id, so never clashes


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _State:
    """Flags the signal handlers set and the main loop reads."""

    signals: int = 0
    reload: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    force: asyncio.Event = field(default_factory=asyncio.Event)


class Daemon:
    """`await Daemon(...).run()` → the exit code (0 clean stop, 1 forced stop)."""

    def __init__(
        self,
        config_file: Path,
        config: Config,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utcnow,
        options: Options | None = None,
    ) -> None:
        self.config_file = config_file
        self.config = config
        self.engine = engine
        self.clock = clock
        self.options = options or Options()
        self.matcher: Matcher = compile_topics(config.topics)
        self.tasks: set[asyncio.Task[Any]] = set()  # polls and re-checks in flight
        self._background: set[asyncio.Task[Any]] = set()
        self._alerts_due = asyncio.Event()
        self._stopping = False
        self._state = _State()
        self._fetcher: Fetcher | None = None
        self._leases: SourceLeases | None = None
        self._keeper: LeaseKeeper | None = None
        self._channel_locks: SessionLocks | None = None
        self.name = daemon_name()  # host:pid, in leases, logs and `sources`
        self._started = 0.0  # the event loop's time when run() started
        self._scheduler: AsyncIOScheduler | None = None

    # -- the main loop -------------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._started = loop.time()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_stop)
        loop.add_signal_handler(signal.SIGHUP, self._on_reload)
        from storage.sources import sync_sources
        from storage.stories import warm

        sync_sources(self.engine, self.config)
        started = time.monotonic()
        read = warm(self.engine, self.clock(), self.config.settings.story_window)
        log.info("story index: %d articles in %.1f s", read, time.monotonic() - started)
        ttl = lease_ttl(self.config).total_seconds()
        self._leases = SourceLeases(self.engine, owner=self.name, ttl=ttl)
        if self._leases.shared:  # PostgreSQL: other daemons may share the sources
            self._leases.join()
            self._keeper = LeaseKeeper(self._leases, self._sweep)
            self._channel_locks = SessionLocks(self.engine, "newsmon channel")
            keeper = loop.create_task(self._keeper.run(), name="leases")
            self._background.add(keeper)
        self._fetcher = Fetcher(self.config.settings)
        self._scheduler = AsyncIOScheduler(event_loop=loop, timezone=self.config.settings.tz)
        self._schedule(self._enabled(self.config), first=True)
        self._scheduler.add_job(
            self._recheck_job,
            IntervalTrigger(seconds=self.options.recheck_tick.total_seconds(), timezone=UTC),
            id=RECHECK_JOB,
            max_instances=1,
            coalesce=True,
        )
        self._scheduler.start()
        dispatcher = loop.create_task(self._dispatch_loop(), name="dispatcher")
        log.info(
            "newsmon run: %d sources scheduled, %d channels; config %s; daemon %s (%s)",
            len(self._enabled(self.config)),
            sum(c.enabled for c in self.config.channels),
            self.config_file,
            self.name,
            f"shared database, lease ttl {ttl:g}s" if self._leases.shared else "sole daemon",
        )
        try:
            while True:
                await self._state.wake.wait()
                self._state.wake.clear()
                if self._state.signals:
                    break
                if self._state.reload:
                    self._state.reload = False
                    self.reload()
            return await self._shutdown(dispatcher)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)

    def _on_stop(self) -> None:
        self._state.signals += 1
        if self._state.signals > 1:
            self._state.force.set()
        self._state.wake.set()

    def _on_reload(self) -> None:
        self._state.reload = True
        self._state.wake.set()

    async def _shutdown(self, dispatcher: asyncio.Task[None]) -> int:
        assert self._scheduler is not None
        self._scheduler.pause()  # nothing new starts; jobs running go on
        deadline = asyncio.get_running_loop().time() + self.options.stop_grace
        busy = {t for t in self.tasks if not t.done()}
        if busy:
            log.info("stopping: waiting for %d poll(s) in flight", len(busy))
        forced = not await self._wait(busy, deadline)
        self._stopping = True
        self._alerts_due.set()  # a last round for what the final polls queued
        if not forced:
            forced = not await self._wait({dispatcher}, deadline)
        leftover = [t for t in (*self.tasks, dispatcher) if not t.done()]
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)
        self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # the scheduler shuts down on the loop's next turn
        if self._fetcher is not None:
            await self._fetcher.aclose()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._leases is not None:
            self._leases.close()
            self._leases.leave()
        if self._channel_locks is not None:
            self._channel_locks.close()
        if self._state.force.is_set():
            log.warning("stopped at once (second signal): %d task(s) cancelled", len(leftover))
            return 1
        if forced:
            log.warning(
                "stopped: %d task(s) still running after %gs cancelled",
                len(leftover),
                self.options.stop_grace,
            )
        else:
            log.info("stopped cleanly")
        return 0

    async def _wait(self, tasks: set[asyncio.Task[Any]], deadline: float) -> bool:
        """Wait for `tasks` until the deadline or a second signal; True when all are done."""
        loop = asyncio.get_running_loop()
        force = loop.create_task(self._state.force.wait())
        try:
            pending = {t for t in tasks if not t.done()}
            while pending and not self._state.force.is_set():
                left = deadline - loop.time()
                if left <= 0:
                    break
                _, pending = await asyncio.wait(
                    pending | {force}, timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
                pending.discard(force)
            return not pending
        finally:
            force.cancel()

    # -- jobs ----------------------------------------------------------------------------------
    @staticmethod
    def _enabled(config: Config) -> list[Source]:
        return [s for s in config.sources if s.enabled]

    def _last_polls(self) -> dict[str, datetime | None]:
        from storage.sources import list_sources

        with Session(self.engine) as session:
            return {row.id: row.last_poll_at for row in list_sources(session)}

    def _schedule(self, sources: list[Source], *, first: bool) -> None:
        assert self._scheduler is not None
        last = self._last_polls() if first else {}
        now = self.clock()
        for source in sources:
            trigger, first_run = make_trigger(
                self.config, source, now, last.get(source.id), self.options
            )
            self._scheduler.add_job(
                self._poll_job,
                trigger,
                next_run_time=first_run or undefined,
                args=[source.id],
                id=source.id,
                name=f"poll {source.id}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=grace_time(self.config, source),
                replace_existing=True,
            )

    def _track(self) -> asyncio.Task[Any] | None:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return task

    async def _poll_job(self, source_id: str) -> None:
        """One scheduled poll: with this source's lease, under the configuration of the moment."""
        self._track()
        config, fetcher, leases = self.config, self._fetcher, self._leases
        source = config.source(source_id)
        if source is None or not source.enabled or fetcher is None or leases is None:
            return
        keeper = self._keeper
        if keeper is not None and not keeper.online:
            return  # the database is out of reach: no lease, no poll (the keeper retries)
        try:
            got = leases.claim_due(source_id, min_gap(config, source, self.clock()))
        except Exception as exc:  # the keeper notices within a third of the ttl
            log.warning("poll %s skipped: lease not claimed (%s)", source_id, type(exc).__name__)
            return
        if not got:
            log.log(
                logging.DEBUG if leases.shared else logging.INFO,
                "poll %s skipped: another newsmon process is polling it now%s",
                source_id,
                " or polled it less than an interval ago" if leases.shared else "",
            )
            return
        await self._poll_leased(source)

    def _sweep(self) -> None:
        """Claim, in one batch, sources nobody polled for 1.2 intervals, and poll them now."""
        leases = self._leases
        if leases is None or self._stopping or self._state.signals:
            return
        groups: dict[float, list[str]] = {}
        up = asyncio.get_running_loop().time() - self._started
        for source in self._enabled(self.config):
            every = (source.interval or self.config.settings.interval).total_seconds()
            if not source.schedule and up >= 1.2 * every:  # first: this daemon's own first polls
                groups.setdefault(every, []).append(source.id)
        loop = asyncio.get_running_loop()
        for every, ids in groups.items():
            late = 1.2 * every
            for source_id in sorted(leases.claim_overdue(ids, late, limit=100)):
                found = self.config.source(source_id)
                if found is None:
                    leases.give_back(source_id)
                    continue
                log.info("poll %s: taken over (its poll lapsed or is overdue)", source_id)
                task = loop.create_task(self._poll_leased(found), name=f"poll {source_id}")
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    async def _poll_leased(self, source: Source) -> None:
        """Poll a source whose lease this daemon holds; give the lease back after."""
        config, matcher, fetcher, leases = self.config, self.matcher, self._fetcher, self._leases
        assert fetcher is not None and leases is not None
        keeper, source_id = self._keeper, source.id
        poll = asyncio.get_running_loop().create_task(
            poll_source(self.engine, config, fetcher, matcher, source, self.clock())
        )
        if keeper is not None:
            keeper.started(source_id, poll)
        try:
            await poll
        except asyncio.CancelledError:
            if keeper is None or source_id not in keeper.lost or not poll.cancelled():
                raise
        except Exception:  # the database went away mid-poll: log, keep the schedule
            log.exception("poll %s failed", source_id)
        finally:
            if keeper is not None and keeper.ended(source_id):
                log.warning("poll %s stopped: its lease could not be renewed", source_id)
            leases.give_back(source_id)  # a no-op for a lease lost or forgotten meanwhile
            self._alerts_due.set()

    async def _recheck_job(self) -> None:
        self._track()
        config, matcher, fetcher = self.config, self.matcher, self._fetcher
        if fetcher is None or config.settings.recheck.total_seconds() <= 0:
            return
        try:
            stats = await recheck_due(
                self.engine,
                config,
                fetcher,
                matcher,
                self.clock(),
                every=self.options.recheck_every,
                limit=self.options.recheck_batch,
            )
        except Exception:
            log.exception("article re-check failed")
            return
        if stats.checked:
            changed = stats.revised or stats.withdrawn or stats.errors
            log.log(
                logging.INFO if changed else logging.DEBUG,
                "recheck: %d checked, %d edited, %d withdrawn, %d errors",
                stats.checked,
                stats.revised,
                stats.withdrawn,
                stats.errors,
            )
        if stats.revised:
            self._alerts_due.set()

    # -- alerts --------------------------------------------------------------------------------
    async def _dispatch_loop(self) -> None:
        """Send what is due: at once after a poll, else every tick (retries, digests)."""
        from notifiers.dispatch import dispatch_due

        tick, failing = self.options.dispatch_tick, None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._alerts_due.wait(), tick)
            self._alerts_due.clear()
            last_round = self._stopping  # set before the final wake-up: this round sees all
            if self._keeper is not None and not self._keeper.online and not last_round:
                continue  # the database is out of reach: the keeper says when it is back
            try:
                stats = await dispatch_due(
                    self.engine, self.config, self.clock(), locks=self._channel_locks
                )
            except Exception as exc:  # the database is away: say so once, not every second
                reason = f"{type(exc).__name__}: {exc}"
                if reason != failing:
                    log.exception("alert dispatch failed (retrying every %gs)", tick)
                failing = reason
            else:
                if failing:
                    log.info("alert dispatch works again")
                failing = None
                if stats.sent or stats.failed:
                    log.info("alerts: %d sent, %d failed", stats.sent, stats.failed)
            if last_round:
                return

    # -- reload --------------------------------------------------------------------------------
    def reload(self) -> bool:
        """Swap in the configuration file's current content, or keep the old one if it is bad."""

        def model_broken(err: ConfigError) -> None:
            log.warning("reload: %s; that topic runs on its rules until the model is mended", err)

        try:
            new = load_config(self.config_file, on_model_error=model_broken)
            matcher = compile_topics(new.topics)
        except ConfigError as exc:
            for err in getattr(exc, "all", [exc]):
                log.error("reload: %s", err)
            log.error("reload: configuration invalid; the previous one keeps running")
            return False
        old = self.config
        if new.settings.database != old.settings.database:
            log.warning("reload: settings.database changed; it applies at the next restart")
        register_secrets(c.url for c in new.channels)
        from storage.sources import sync_sources

        sync_sources(self.engine, new)
        if new.settings != old.settings:
            self._replace_fetcher(new)
        self.config, self.matcher = new, matcher
        self._reschedule(old, new)
        return True

    def _reschedule(self, old: Config, new: Config) -> None:
        assert self._scheduler is not None
        before = {s.id: s for s in self._enabled(old)}
        after = {s.id: s for s in self._enabled(new)}
        removed = sorted(before.keys() - after.keys())
        for source_id in removed:
            self._scheduler.remove_job(source_id)
        added = [s for i, s in after.items() if i not in before]
        changed = [
            s
            for i, s in after.items()
            if i in before and schedule_key(old, before[i]) != schedule_key(new, s)
        ]
        self._schedule(added + changed, first=False)
        log.info(
            "reload: configuration applied (%d sources: %d added, %d removed, %d rescheduled)",
            len(after),
            len(added),
            len(removed),
            len(changed),
        )

    def _replace_fetcher(self, config: Config) -> None:
        """New limits need a new client; the old one closes when the polls using it end."""
        old, self._fetcher = self._fetcher, Fetcher(config.settings)
        if old is None:
            return
        users = {t for t in self.tasks if not t.done()}

        async def retire() -> None:
            if users:
                await asyncio.wait(users)
            await old.aclose()

        task = asyncio.get_running_loop().create_task(retire())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
