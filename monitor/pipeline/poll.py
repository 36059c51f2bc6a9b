"""One poll of one source, top to bottom: state in, one pass (fetch → extract → match → the rows
to write), one write (articles, poll row, state and health alerts in one transaction).

`poll_source` never raises for a source's own failure: it returns the `poll --json` record
(ok, status, items, new, updated, error) and keeps the source's poll state. The read-only
half (monitor/pipeline/read.py) is shared with `newsmon try`, which stores nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from monitor.config.models import Config, Source
from monitor.errors import ExtractError, NewsmonError
from monitor.fetch.client import Fetcher
from monitor.match.matcher import Matcher
from monitor.pipeline import persist as store
from monitor.pipeline.persist import PollBatch, PollState
from monitor.pipeline.read import (
    fetch_listing,
    follow_feed,
    match_article,
    read_articles,
    read_listing,
    wanted_items,
)
from monitor.pipeline.record import PollPass, PollRecord
from monitor.pipeline.rows import new_articles

log = logging.getLogger("newsmon.poll")


async def read_poll(
    config: Config,
    fetcher: Fetcher,
    matcher: Matcher,
    source: Source,
    state: PollState,
    known_urls: Callable[[Sequence[str]], set[str]],
    now: datetime,
    record: PollRecord,
) -> PollPass:
    """The pass: fetch → extract → match → the rows to write, filling `record` (status,
    items, problems) as it goes. The database is only asked which URLs it knows (so their
    pages are not fetched again); a failure of the source raises its NewsmonError."""
    result = await fetch_listing(
        fetcher, source, etag=state.etag, last_modified=state.last_modified
    )
    record.status = result.status
    if result.not_modified:
        return PollPass(result)
    listing = await follow_feed(
        fetcher, config, source, read_listing(config, source, result, now), now
    )
    items = wanted_items(source, listing.items)
    record.items = len(items)
    if not items:
        raise ExtractError("no article links found on the listing (check items selectors)")
    known = known_urls([i.url for i in items])
    fresh = [i for i in items if i.url not in known]
    read = await read_articles(fetcher, config, source, fresh, now)
    problems = [r.error for r in read if r.error]
    articles = [r.article for r in read if r.article is not None]
    empty = sum(1 for a in articles if not a.body.strip())
    matched = [(a, match_article(matcher, source, a)) for a in articles]
    if empty:
        problems.append(f"{empty} article(s) with an empty body (check article selectors)")
    if problems:
        record.error = (
            problems[0]
            if len(problems) == 1
            else (f"{problems[0]} (and {len(problems) - 1} more problems)")
        )
    rows = new_articles(config, source, matched, baseline=not state.baselined)
    return PollPass(result, rows, empty)


async def poll_source(
    engine: Engine,
    config: Config,
    fetcher: Fetcher,
    matcher: Matcher,
    source: Source,
    now: datetime,
    *,
    batch: PollBatch | None = None,
) -> PollRecord:
    """Poll one source and store what is new. Never raises for the source's own failures.

    The poll state in, one pass (`read_poll`), one write (`persist.write_poll`: the articles,
    the poll's row, the source's state and health alerts in one transaction). In a `batch` (a
    pass over many sources), the state comes from the batch and an unchanged healthy source's
    bookkeeping waits for `batch.flush()`.
    """
    started = time.monotonic()
    record = PollRecord(id=source.id)
    try:
        state = batch.state(source) if batch is not None else None
        if state is None:
            state = store.begin_poll(engine, source, now)
        known = partial(store.known_urls, engine)
        found = await read_poll(config, fetcher, matcher, source, state, known, now, record)
        store.write_poll(engine, config, source, record, found, now, started=started, batch=batch)
    except NewsmonError as exc:
        record.ok, record.error = False, str(exc)
        _record_failure(engine, config, source, record.stamp(started), now)
    except SQLAlchemyError as exc:  # full disk, read-only file, lost server: one line
        orig = getattr(exc, "orig", None) or exc
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        record.ok, record.error = False, f"database error: {reason}"
        log.debug("%s: database error", source.id, exc_info=True)
        _record_failure(engine, config, source, record.stamp(started), now)
    except Exception as exc:  # a bug must not stop the other sources
        log.error("%s: unexpected error: %s: %s", source.id, type(exc).__name__, exc)
        log.debug("%s: unexpected error", source.id, exc_info=True)
        record.ok, record.error = False, f"internal error: {type(exc).__name__}: {exc}"
        _record_failure(engine, config, source, record.stamp(started), now)
    return _done(record, started)


def _record_failure(
    engine: Engine, config: Config, source: Source, record: PollRecord, now: datetime
) -> None:
    """Keep the failure in the source's state; if the database itself fails, say so once."""
    try:
        store.fail_poll(engine, config, source, record, now)
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        log.error("%s: cannot record the failed poll: %s", source.id, str(orig).splitlines()[0])


def _done(record: PollRecord, started: float) -> PollRecord:
    record.stamp(started)
    if not log.isEnabledFor(logging.INFO):
        return record
    outcome = "ok" if record.ok else "failed"
    extra = f" error={record.error}" if record.error else ""
    log.info(
        "poll %s %s status=%s items=%d new=%d updated=%d ms=%d%s",
        record.id,
        outcome,
        record.status,
        record.items,
        record.new,
        record.updated,
        record.ms,
        extra,
    )
    return record
