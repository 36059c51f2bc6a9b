"""Keep channel secrets out of logs and command output.

A channel URL carries passwords and tokens. Anything that prints or logs a URL goes through
`redact_url`; a logging filter can scrub whatever else leaks (an apprise message quoting a
header, an exception text) with `scrub(text, secrets_of(url))`.
Apprise knows each service's secret fields (its `private` template tokens and
`url(privacy=True)`), so we ask it first and fall back to a conservative regex.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

MASK = "****"
MIN_SECRET_LEN = 3  # shorter strings would scrub ordinary words out of every line

_SENSITIVE_KEYS = re.compile(
    r"(pass|pwd|secret|token|key|auth|sig|cred|session|bearer|access|webhook|hook)", re.I
)
# a path or query part that looks generated: long, or mixing letters and digits
_TOKENISH = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9_\-.~+/=]{12,}$|^[A-Za-z0-9_\-]{24,}$")

_quiet = threading.local()


class _QuietFilter(logging.Filter):
    """Drops apprise records raised while we only *parse* a URL (in this thread)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_quiet, "on", False)


_APPRISE_LOGGER = logging.getLogger("apprise")
if not any(isinstance(f, _QuietFilter) for f in _APPRISE_LOGGER.filters):
    _APPRISE_LOGGER.addFilter(_QuietFilter())


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    previous = getattr(_quiet, "on", False)
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = previous


def load_plugin(url: str) -> Any | None:
    """The apprise plugin for `url`, or None when apprise cannot use it (no log noise)."""
    if not isinstance(url, str) or not url.strip():
        return None
    import apprise  # on the first channel URL read: a poll with no alert due never loads it

    with _silenced():
        try:
            return apprise.Apprise.instantiate(url, suppress_exceptions=True)
        except Exception:  # a plugin bug must not break redaction
            return None


def _as_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _as_strings(v)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _as_strings(v)


def _plugin_secrets(plugin: Any) -> set[str]:
    found: set[str] = set()
    specs: dict[str, Any] = {}
    for attr in ("template_tokens", "template_args"):
        specs.update(getattr(plugin, attr, None) or {})
    for key, spec in specs.items():
        if isinstance(spec, dict) and spec.get("private"):
            found.update(_as_strings(getattr(plugin, spec.get("map_to", key), None)))
    found.update(_as_strings(getattr(plugin, "password", None)))
    # custom headers (json://…?+Authorization=Bearer x) are shown raw by url(privacy=True)
    for name, value in (getattr(plugin, "headers", None) or {}).items():
        if isinstance(value, str) and (_SENSITIVE_KEYS.search(str(name)) or _TOKENISH.match(value)):
            found.add(value)
            found.update(part for part in value.split() if _TOKENISH.match(part))
    return found


def _regex_secrets(url: str) -> set[str]:
    found: set[str] = set()
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return found
    if password:
        found.add(unquote(password))
    for segment in parts.path.split("/"):
        if _TOKENISH.match(unquote(segment)):
            found.add(unquote(segment))
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if _SENSITIVE_KEYS.search(key) or _TOKENISH.match(value):
            found.add(value)
    return found


def secrets_of(url: str) -> set[str]:
    """Every raw secret string of a channel URL (decoded and %-encoded forms) to scrub from text."""
    found = _regex_secrets(url)
    plugin = load_plugin(url)
    if plugin is not None:
        found |= _plugin_secrets(plugin)
    variants: set[str] = set()
    for secret in found:
        secret = secret.strip()
        if len(secret) < MIN_SECRET_LEN:
            continue
        variants.add(secret)
        variants.add(quote(secret, safe=""))
        variants.add(quote(secret, safe="/"))
    return variants


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by the mask, longest first (a secret may contain another)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text


_USERINFO = re.compile(r"(?P<head>^[A-Za-z][A-Za-z0-9+.\-]*://)[^@/?#\s]*@")


def _regex_redact(url: str) -> str:
    """Conservative redaction for a URL apprise cannot read: hide the userinfo and token-like parts."""
    text = _USERINFO.sub(lambda m: f"{m.group('head')}{MASK}@", url)
    head, sep, query = text.partition("?")
    segments = head.split("/")
    for i, segment in enumerate(segments):
        if i >= 3 and _TOKENISH.match(unquote(segment)):  # after scheme:, '', host
            segments[i] = MASK
    head = "/".join(segments)
    if sep:
        pairs = []
        for pair in query.split("&"):
            key, eq, value = pair.partition("=")
            if eq and (_SENSITIVE_KEYS.search(unquote(key)) or _TOKENISH.match(unquote(value))):
                value = MASK
            pairs.append(f"{key}{eq}{value}")
        head = f"{head}?{'&'.join(pairs)}"
    return head


def redact_url(url: str) -> str:
    """A printable form of a channel URL: apprise's privacy URL, secrets scrubbed once more."""
    plugin = load_plugin(url)
    if plugin is not None:
        try:
            private = plugin.url(privacy=True)
        except Exception:
            private = None
        if isinstance(private, str) and private:
            return scrub(private, secrets_of(url))
    return scrub(_regex_redact(url), _regex_secrets(url))
