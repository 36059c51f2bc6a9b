"""The query parameters of `/`, `/api/articles` and the feeds → storage.history.ReportFilter.

The same names and meanings as `report`'s options (`since`, `until`, `topic`, `source`,
`q` = `--search`, `all`), so the page, the API and the CLI select the same articles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from monitor.report.spans import parse_when
from monitor.web.context import WebContext
from storage.history import ReportFilter
from storage.search import parse_query

__all__ = ["PAGE_SIZE", "BadQuery", "Query", "parse_filters"]

PAGE_SIZE = 50
API_LIMIT = 100  # /api/articles without `limit`
API_MAX = 1000


class BadQuery(ValueError):
    """A query parameter that cannot be used; str() is the message shown (escaped)."""


@dataclass(frozen=True, slots=True)
class Query:
    filter: ReportFilter
    page: int
    params: dict[str, str]  # the filters as given (for links to other pages)


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadQuery(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def parse_filters(ctx: WebContext, params: Mapping[str, str], *, api: bool = False) -> Query:
    """The filters of a request; BadQuery names the first unusable parameter."""
    config, now = ctx.config, ctx.now()
    tz = config.settings.tz
    kept = {
        k: params[k].strip()
        for k in ("since", "until", "topic", "source", "q", "all")
        if params.get(k, "").strip()
    }
    try:
        since = parse_when(kept["since"], now=now, tz=tz) if "since" in kept else None
        until = parse_when(kept["until"], now=now, tz=tz, end=True) if "until" in kept else None
    except ValueError as err:
        raise BadQuery(f"since/until: {err}") from None
    topic = kept.get("topic")
    if topic is not None and config.topic(topic) is None:
        raise BadQuery(f"unknown topic {topic!r}")
    search = None
    if "q" in kept:
        try:
            search = parse_query(kept["q"])
        except ValueError as err:
            raise BadQuery(f"q: {err}") from None
    everything = kept.get("all", "") in ("1", "true", "yes", "on")
    f = ReportFilter(since, until, topic, kept.get("source"), search, everything)
    if api:
        limit = _int(params, "limit", API_LIMIT, 1, API_MAX)
        offset = _int(params, "offset", 0, 0, 10**9)
        return Query(replace(f, limit=limit, offset=offset), 1, kept)
    page = _int(params, "page", 1, 1, 10**6)
    return Query(replace(f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE), page, kept)
