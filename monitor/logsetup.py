"""Logging, set up once: one line per event, levels from -v/-q, secrets scrubbed everywhere."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class SecretFilter(logging.Filter):
    """Replace every known secret (channel passwords, tokens) in a record's final text.

    The secrets are worked out from the channel URLs on first use: parsing them loads every
    apprise plugin (~0.3 s), which a `report` that logs nothing should not pay for.
    """

    def __init__(self) -> None:
        super().__init__()
        self._urls: list[str] = []
        self._plain: list[str] = []  # secrets given as they are (the web view's token)
        self._secrets: list[str] | None = []

    def set_urls(self, urls: Iterable[str], plain: Iterable[str] = ()) -> None:
        self._urls, self._plain, self._secrets = list(urls), list(plain), None

    def set_secrets(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing another is removed whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True)

    @property
    def secrets(self) -> list[str]:
        if self._secrets is None:
            from notifiers.redact import secrets_of

            found: set[str] = set(self._plain)
            for url in self._urls:
                found |= secrets_of(url)
            self.set_secrets(found)
        return self._secrets or []

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = self.scrub(record.getMessage())
            record.msg, record.args = message, None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.scrub(record.exc_text)
        return True


secret_filter = SecretFilter()


def setup_logging(verbose: int = 0, quiet: int = 0, *, name: str | None = None) -> None:
    """Root logging to stderr: WARNING by default for commands, -v INFO, -vv DEBUG, -q ERROR.

    `name` (the daemon's "host:pid") goes on every line, so the logs of several daemons that
    share a database can be told apart once gathered."""
    level = logging.WARNING - 10 * verbose + 10 * quiet
    level = max(logging.DEBUG, min(logging.CRITICAL, level))
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    fmt = (
        _FORMAT
        if name is None
        else _FORMAT.replace("%(name)s", name.replace("%", "%%") + " %(name)s")
    )
    handler.setFormatter(logging.Formatter(fmt, "%Y-%m-%dT%H:%M:%S%z"))
    handler.addFilter(secret_filter)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "hpack", "apscheduler", "alembic", "asyncio", "apprise"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def register_secrets(urls: Iterable[str], plain: Iterable[str | None] = ()) -> None:
    """Tell the log filter about the channel URLs whose secrets it must hide, and about
    secrets that are no URL (`settings.web_token`)."""
    secret_filter.set_urls(urls, [p for p in plain if p])
