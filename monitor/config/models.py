"""Load sources.yaml into frozen, typed models, or fail with one located line per problem.

Errors read ``sources.yaml:41:15: sources[2].interval: '10 minutes' is not a duration (try 10m)``.
Unknown keys are errors (with a "did you mean"), ids are unique, references resolve.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.config.paths import DEFAULT_TIMEZONE, read_config_text, resolve_db_url
from monitor.config.units import parse_duration, parse_size
from monitor.config.yamlsource import Located, load_located
from monitor.errors import ConfigError

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]


def _http_url(value: object) -> str:
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text!r} is not an http(s) URL")
    return text


HttpUrl = Annotated[str, BeforeValidator(_http_url)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Model):
    """Global settings; every key is optional."""

    database: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    user_agent: str = "newsmon/0.1 (+https://github.com/newsmon/newsmon)"
    interval: Duration = timedelta(minutes=15)
    concurrency: Annotated[int, Field(ge=1, le=1000)] = 16
    per_host_delay: Duration = timedelta(seconds=1)
    timeout: Duration = timedelta(seconds=20)
    max_bytes: Size = 5_000_000
    respect_robots: bool = True
    recheck: Duration = timedelta(days=3)
    alert_on_first_poll: bool = False
    failure_alert_after: Annotated[int, Field(ge=1)] = 3
    allow_private: bool = False
    story_window: Duration = timedelta(days=7)  # copies are grouped with articles this young
    lease_ttl: Duration | None = None  # several daemons: None = half the shortest interval
    # The web view's key for labelling (`newsmon serve`): a secret, never logged or shown.
    web_token: Annotated[str, Field(min_length=16)] | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (try Asia/Ho_Chi_Minh)") from None
        return value

    @field_validator("interval", "timeout", "story_window", "lease_ttl")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value.total_seconds() <= 0:
            raise ValueError("must be longer than 0s")
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _weights(value: object) -> object:
    """A bare list of phrases means weight 1 each."""
    if isinstance(value, list):
        return {str(v): 1.0 for v in value}
    return value


Group = Annotated[dict[str, float], BeforeValidator(_weights)]


Part = Literal["title", "lead", "body"]
_PARTS: tuple[Part, ...] = ("title", "lead", "body")


class Actors(_Model):
    """Who must act: Vietnamese localities together in one sentence with a cooperation word.

    ``together`` distinct actors (a region, or "các tỉnh" / "hai địa phương", counts as two)
    must stand in one sentence of the given ``parts`` beside a cooperation predicate; with
    ``foreign: disqualify`` a foreign partner rules the text out unless two Vietnamese
    localities also act together.
    """

    together: int = Field(default=2, ge=1, le=3)
    foreign: Literal["disqualify", "allow"] = "disqualify"
    parts: list[Part] = Field(default_factory=lambda: list(_PARTS), min_length=1)


class Topic(_Model):
    id: Id
    name: str = ""
    actors: Actors | None = None
    model: Path | None = None  # relevance model file written by ``learn`` (relative to the config)
    threshold: float | None = Field(default=None, gt=0, lt=1)  # else the model file's
    relevance: Any = Field(default=None, exclude=True)  # the loaded model (monitor.match.model)
    groups: dict[str, Group] = Field(default_factory=dict)
    terms: Group | None = None
    require: list[str] = Field(default_factory=list)
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)
    min_score: float = 1.0
    title_weight: float = 2.0
    fold_diacritics: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Topic:
        if self.terms is not None:
            if "terms" in self.groups:
                raise ValueError("a group named 'terms' and the terms shorthand clash")
            object.__setattr__(self, "groups", {**self.groups, "terms": self.terms})
            object.__setattr__(self, "terms", None)
        if not self.groups and self.actors is None:
            raise ValueError("a topic needs groups, terms or actors")
        if self.model is not None and self.actors is None:
            raise ValueError("a model decides among the actors' candidates: add actors")
        for name in self.require:
            if name not in self.groups:
                raise ValueError(f"require names unknown group {name!r}")
        known = {t for g in self.groups.values() for t in g}
        for key in self.aliases:
            if key not in known:
                raise ValueError(f"alias key {key!r} is not a term of any group")
        if not self.name:
            object.__setattr__(self, "name", self.id)
        return self


class Channel(_Model):
    id: Id
    url: str
    topics: list[str] | None = None
    mode: Literal["instant", "digest"] = "instant"
    digest_every: Duration = timedelta(hours=1)
    format: Literal["html", "markdown", "text"] | None = None
    updates: bool = False
    health: bool = True
    enabled: bool = True

    @model_validator(mode="after")
    def _url_present(self) -> Channel:
        if self.enabled and not self.url.strip():
            raise ValueError("url is empty (set it, or enabled: false)")
        if self.enabled and "://" not in self.url:
            raise ValueError("url is not an apprise URL (like mailtos://… or json://…)")
        return self


class ItemSelectors(_Model):
    selector: str
    link: str | None = None
    title: str | None = None
    date: str | None = None


class ArticleSelectors(_Model):
    title: str | None = None
    body: str | None = None
    date: str | None = None
    remove: list[str] = Field(default_factory=list)


class Source(_Model):
    id: Id
    name: str = ""
    url: HttpUrl
    type: Literal["auto", "html", "feed"] = "auto"
    interval: Duration | None = None
    schedule: str | None = None
    items: ItemSelectors | None = None
    article: ArticleSelectors | None = None
    follow: bool = True
    topics: list[str] | None = None
    verify_tls: bool = True
    ca_bundle: Path | None = None
    allow_hosts: list[str] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)
    enabled: bool = True

    @model_validator(mode="after")
    def _shape(self) -> Source:
        if self.interval is not None and self.schedule is not None:
            raise ValueError("give interval or schedule, not both")
        if self.interval is not None and self.interval.total_seconds() <= 0:
            raise ValueError("interval must be longer than 0s")
        if self.type == "html" and self.items is None:
            raise ValueError("type: html needs items.selector (or use type: auto)")
        if self.type == "feed" and self.items is not None:
            raise ValueError("items selectors apply to type: html only")
        if not self.name:
            object.__setattr__(self, "name", self.id)
        return self


class Config(_Model):
    settings: Settings = Field(default_factory=Settings)
    topics: list[Topic] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    path: Path | None = Field(default=None, exclude=True)

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def summary(self) -> str:
        enabled = sum(s.enabled for s in self.sources)
        channels = sum(c.enabled for c in self.channels)
        return (
            f"{self.path or 'config'}: ok: {len(self.sources)} sources ({enabled} enabled), "
            f"{len(self.topics)} topics, {len(self.channels)} channels ({channels} enabled)"
        )


def load_config(
    path: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    on_model_error: Callable[[ConfigError], None] | None = None,
) -> Config:
    """Read and validate; raise ConfigError (all problems, one line each) on any error.

    ``on_model_error``: instead of failing on a missing or corrupt model file, report it and
    run that topic on its rules (the daemon's reload does this).
    """
    path = Path(path)
    return parse_config(
        read_config_text(path), str(path), base=path.parent, env=env, on_model_error=on_model_error
    )


def parse_config(
    text: str,
    file: str,
    *,
    base: Path | None = None,
    env: Mapping[str, str] | None = None,
    on_model_error: Callable[[ConfigError], None] | None = None,
) -> Config:
    located = load_located(text, file, env)
    data = located.data
    if not isinstance(data, dict):
        raise located.error(
            (), "the file must be a mapping with settings, topics, channels, sources"
        )
    try:
        config = Config.model_validate({**data, "path": Path(file)})
    except ValidationError as exc:
        raise _group([_located(located, err) for err in exc.errors()]) from None
    errors = _check_references(config, located)
    if errors:
        raise _group(errors)
    return _resolve_paths(config, base or Path(file).parent, located, on_model_error)


def _group(errors: list[ConfigError]) -> ConfigError:
    """The first error, carrying all of them (``check`` prints every line)."""
    first = errors[0]
    first.all = errors  # type: ignore[attr-defined]
    return first


def _located(located: Located, err: Mapping[str, Any]) -> ConfigError:
    loc = tuple(p for p in err["loc"] if isinstance(p, int | str) and not _is_internal(p))
    kind = err["type"]
    if kind == "extra_forbidden":
        key = loc[-1]
        model = _model_at(loc[:-1])
        hint = ""
        if model is not None:
            close = difflib.get_close_matches(str(key), list(model.model_fields), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
        return located.error(loc, f"unknown key '{key}'{hint}", key=True)
    if kind == "missing":
        return located.error(loc, "required key is missing")
    message = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind not in ("value_error", "assertion_error") and "input" in err:
        value = err["input"]
        if not isinstance(value, dict | list):
            message = f"{value!r}: {message[0].lower()}{message[1:]}"
    return located.error(loc, message)


def _is_internal(part: object) -> bool:
    """Pydantic adds validator names like ``function-before[...]`` to error locations."""
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


_SECTIONS: dict[str, type[BaseModel]] = {
    "settings": Settings,
    "topics": Topic,
    "actors": Actors,
    "channels": Channel,
    "sources": Source,
    "items": ItemSelectors,
    "article": ArticleSelectors,
}


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    names = [p for p in loc if isinstance(p, str)]
    return _SECTIONS.get(names[-1]) if names else Config


def _check_references(config: Config, located: Located) -> list[ConfigError]:
    errors: list[ConfigError] = []
    for section in ("topics", "channels", "sources"):
        seen: set[str] = set()
        for i, entry in enumerate(getattr(config, section)):
            if entry.id in seen:
                errors.append(located.error((section, i, "id"), f"duplicate id '{entry.id}'"))
            seen.add(entry.id)
    topic_ids = {t.id for t in config.topics}
    for section in ("channels", "sources"):
        for i, entry in enumerate(getattr(config, section)):
            for j, topic in enumerate(entry.topics or []):
                if topic not in topic_ids:
                    known = ", ".join(sorted(topic_ids)) or "none defined"
                    errors.append(
                        located.error(
                            (section, i, "topics", j), f"unknown topic '{topic}' (known: {known})"
                        )
                    )
    for i, source in enumerate(config.sources):
        if source.schedule is not None:
            try:
                from apscheduler.triggers.cron import CronTrigger

                CronTrigger.from_crontab(source.schedule, timezone=config.settings.tz)
            except ValueError as exc:
                errors.append(
                    located.error(
                        ("sources", i, "schedule"),
                        f"{source.schedule!r} is not a cron schedule ({exc})",
                    )
                )
    return errors


def _load_models(
    config: Config,
    base: Path,
    located: Located,
    on_model_error: Callable[[ConfigError], None] | None,
) -> list[Topic]:
    """Each topic's model file, read and checked (a located error if it is missing or bad)."""
    from monitor.match.model import ModelError, load_model

    topics = []
    for i, topic in enumerate(config.topics):
        if topic.model is not None:
            path = (topic.model if topic.model.is_absolute() else base / topic.model).resolve()
            try:
                model = load_model(path, topic.id)
            except ModelError as exc:
                error = located.error(("topics", i, "model"), str(exc))
                if on_model_error is None:
                    raise error from None
                on_model_error(error)
                model = None
            topic = topic.model_copy(update={"model": path, "relevance": model})
        topics.append(topic)
    return topics


def _resolve_paths(
    config: Config,
    base: Path,
    located: Located,
    on_model_error: Callable[[ConfigError], None] | None = None,
) -> Config:
    """Relative paths in the config resolve against the config file's folder."""
    sources = []
    for i, source in enumerate(config.sources):
        if source.ca_bundle is not None:
            bundle = source.ca_bundle if source.ca_bundle.is_absolute() else base / source.ca_bundle
            if source.enabled and not bundle.is_file():
                raise located.error(("sources", i, "ca_bundle"), f"no such file: {bundle}")
            source = source.model_copy(update={"ca_bundle": bundle.resolve()})
        sources.append(source)
    settings = config.settings
    if settings.database:
        settings = settings.model_copy(update={"database": resolve_db_url(settings.database, base)})
    topics = _load_models(config, base, located, on_model_error)
    return config.model_copy(update={"sources": sources, "settings": settings, "topics": topics})
