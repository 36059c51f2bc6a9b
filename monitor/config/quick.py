"""What the history commands need from sources.yaml, read without the full validation.

`report` is a short process: pydantic and the configuration models take ~0.1 s to import, more
than a report's query on a million articles. It needs only the database URL, the time zone, the
ids and names of topics and sources, and the channel URLs (whose secrets the log filter hides).
This reads just those, from the same located YAML (`${VAR}` included), and leaves the rest of
the file to `check`, `poll` and `run`. Anything unexpected in those keys falls back to the full
load (monitor.config.models), so a mistake there gets its usual located error.

The defaults and the database URL rules live in monitor.config.paths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.config.paths import DEFAULT_TIMEZONE, read_config_text, resolve_db_url

__all__ = ["QuickConfig", "load_quick"]


@dataclass(frozen=True, slots=True)
class Named:
    """A topic or source: its id and display name (the id when it has none)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class QuickSettings:
    database: str | None
    tz: ZoneInfo


@dataclass(frozen=True, slots=True)
class QuickConfig:
    """The slice of monitor.config.models.Config the history commands read, by the same names."""

    path: Path
    settings: QuickSettings
    topics: tuple[Named, ...]
    sources: tuple[Named, ...]
    channel_urls: tuple[str, ...]

    def topic(self, topic_id: str) -> Named | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def source(self, source_id: str) -> Named | None:
        return next((s for s in self.sources if s.id == source_id), None)


class _Unexpected(Exception):
    """A key read here is not of the expected shape: the full load says what is wrong."""


def _mapping(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Unexpected
    return value


def _entries(data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    value = data.get(section)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise _Unexpected
    return value


def _named(entries: list[dict[str, Any]]) -> tuple[Named, ...]:
    """Topics or sources by id and name: string ids, unique, and string names if any."""
    ids = [e.get("id") for e in entries]
    names = [e["name"] for e in entries if "name" in e]
    if not all(isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
        raise _Unexpected
    if not all(isinstance(n, str) for n in names):
        raise _Unexpected
    return tuple(Named(_text(e["id"]), _text(e.get("name")) or _text(e["id"])) for e in entries)


def _text(value: Any) -> Any:
    """A string read from the file, with `${VAR}` substituted (a missing variable: the full
    load says which, where)."""
    if not isinstance(value, str) or "$" not in value:
        return value
    from monitor.config.yamlsource import substitute

    try:
        return substitute(value, os.environ)
    except KeyError:
        raise _Unexpected from None


def load_quick(path: Path) -> QuickConfig | None:
    """The QuickConfig of `path`; or, when those keys are not as expected, the full
    monitor.config.models.Config (which raises the located ConfigError of the mistake).

    libyaml's plain loader, without the positions the full load keeps for its messages: those
    are needed only when something is wrong, and then the full load runs."""
    import yaml

    text = read_config_text(path)
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if not isinstance(data, dict):
            raise _Unexpected
        settings = _mapping(data.get("settings"))
        database = _text(settings.get("database"))
        zone = _text(settings.get("timezone", DEFAULT_TIMEZONE))
        if not (database is None or isinstance(database, str)) or not isinstance(zone, str):
            raise _Unexpected
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise _Unexpected from None
        channels = _entries(data, "channels")
        urls = tuple(_text(c["url"]) for c in channels if isinstance(c.get("url"), str))
        return QuickConfig(
            path=path,
            settings=QuickSettings(resolve_db_url(database, path.parent) if database else None, tz),
            topics=_named(_entries(data, "topics")),
            sources=_named(_entries(data, "sources")),
            channel_urls=urls,
        )
    except (_Unexpected, yaml.YAMLError, RecursionError):
        return None
