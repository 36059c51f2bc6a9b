"""When each source is polled: triggers, first-run spreading and the daemon's knobs — no I/O.

One trigger per enabled source: its `interval` (default `settings.interval`) with a jitter of a
tenth of it, or its cron `schedule` in `settings.timezone` (jitter a tenth of its gap, at most
5 min). The first run is exact: spread over min(interval, 10 min) by a stable hash of the id, so
restarts keep the same slots; a source polled less than an interval before a restart keeps its
rhythm; NEWSMON_FIRST_POLL=now starts them all at once (tests, benchmarks).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.models import Config, Source
from monitor.config.units import parse_duration
from monitor.errors import ConfigError


@dataclass(frozen=True)
class Options:
    """Knobs that are not part of sources.yaml (environment variables, see docs/service.md)."""

    first_poll: str = "spread"  # "spread": over the first interval; "now": every source at once
    spread_cap: timedelta = timedelta(minutes=10)  # first polls spread over min(interval, this)
    stop_grace: float = 10.0  # seconds polls in flight may take to finish on SIGTERM
    dispatch_tick: float = 1.0  # seconds between dispatcher rounds with nothing new
    recheck_every: timedelta = timedelta(hours=1)  # per article
    recheck_tick: timedelta = timedelta(minutes=1)
    recheck_batch: int = 20

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Options:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        first = env.get("NEWSMON_FIRST_POLL", "").strip().lower()
        if first:
            if first not in ("spread", "now"):
                raise ConfigError(f"NEWSMON_FIRST_POLL={first!r}: use 'spread' or 'now'")
            values["first_poll"] = first
        for name, key in (
            ("NEWSMON_RECHECK_EVERY", "recheck_every"),
            ("NEWSMON_RECHECK_TICK", "recheck_tick"),
            ("NEWSMON_FIRST_POLL_SPREAD", "spread_cap"),
        ):
            if env.get(name):
                values[key] = _env_duration(name, env[name])
        if env.get("NEWSMON_STOP_GRACE"):
            values["stop_grace"] = _env_duration(
                "NEWSMON_STOP_GRACE", env["NEWSMON_STOP_GRACE"]
            ).total_seconds()
        return cls(**values)


def _env_duration(name: str, value: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _fraction(source_id: str) -> float:
    """A stable position in [0, 1) per source: restarts keep the same spread."""
    digest = hashlib.blake2b(source_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def schedule_key(config: Config, source: Source) -> tuple[object, ...]:
    """What decides a source's trigger; a reload reschedules only when this changes."""
    if source.schedule:
        return ("cron", source.schedule, config.settings.timezone)
    return ("interval", (source.interval or config.settings.interval).total_seconds())


def make_trigger(
    config: Config, source: Source, now: datetime, last_poll: datetime | None, options: Options
) -> tuple[BaseTrigger, datetime | None]:
    """The source's trigger and its first run (None: the cron schedule decides).

    The first run is exact; the jitter applies from the second on.
    """
    tz = config.settings.tz
    if source.schedule:
        trigger = CronTrigger.from_crontab(source.schedule, timezone=tz)
        first = trigger.get_next_fire_time(None, now)
        second = trigger.get_next_fire_time(first, first) if first else None
        gap = (second - first).total_seconds() if first and second else 600.0
        trigger.jitter = min(gap / 10, 300.0)
        return trigger, None
    interval = source.interval or config.settings.interval
    if options.first_poll == "now":
        start = now
    elif last_poll is not None and now < last_poll + interval:
        start = last_poll + interval  # polled before the restart: keep its rhythm
    else:
        window = min(interval, options.spread_cap)
        start = now + window * _fraction(source.id)
    seconds = interval.total_seconds()
    trigger = IntervalTrigger(seconds=seconds, start_date=start, timezone=tz, jitter=seconds / 10)
    return trigger, start


def lease_ttl(config: Config) -> timedelta:
    """How long a source lease lasts unless renewed (PostgreSQL): `settings.lease_ttl`, or half
    the shortest interval, within 5 s to 60 s (a busy event loop must still renew in time). A
    daemon killed or cut off loses its leases within this; it renews every third of it."""
    if config.settings.lease_ttl is not None:
        return config.settings.lease_ttl
    intervals = [
        (s.interval or config.settings.interval).total_seconds()
        for s in config.sources
        if s.enabled and not s.schedule
    ] or [config.settings.interval.total_seconds()]
    return timedelta(seconds=min(60.0, max(5.0, min(intervals) / 2)))


def min_gap(config: Config, source: Source, now: datetime) -> float:
    """Seconds since the last poll (by any daemon) before a scheduled poll claims the source:
    most of its interval, so that a daemon's own next run (jitter ≤ a tenth) always qualifies
    and the runs of the others just after a poll do not."""
    if source.schedule:
        trigger = CronTrigger.from_crontab(source.schedule, timezone=config.settings.tz)
        first = trigger.get_next_fire_time(None, now)
        second = trigger.get_next_fire_time(first, first) if first else None
        gap = (second - first).total_seconds() if first and second else 600.0
        return gap / 2
    return 0.85 * (source.interval or config.settings.interval).total_seconds()


def grace_time(config: Config, source: Source) -> int:
    """A run late by less than this still happens (a busy loop, a suspended laptop)."""
    interval = source.interval or config.settings.interval
    return int(max(30.0, interval.total_seconds()))
