"""Send one rendered alert to one apprise URL and say, in one clean line, what happened.

Each channel gets its own `apprise.Apprise` holding just its URL, so one failing service
never hides or blocks another's result. `notify()` does not raise; apprise's log records of
the call are what explain a failure, and they can quote the URL, so every secret of the URL
is scrubbed from the line we keep. Blocking (apprise is sync): call it via asyncio.to_thread.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from notifiers.redact import load_plugin, redact_url, scrub, secrets_of
from notifiers.render import TITLE_MAX, AlertContent, Format, Rendered, escape_markdown, render

log = logging.getLogger(__name__)

_EMAIL_SCHEMES = ("mailto", "mailtos")
ERROR_MAX = 300
_SERIOUS = {"WARNING", "ERROR", "CRITICAL"}


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    error: str | None = None  # one line, secrets removed


@dataclass(frozen=True)
class Limits:
    title: int
    body: int
    folded: bool  # the service has no title field: the title goes at the top of the body


def _formats(plugin: Any) -> list[str]:
    declared = getattr(plugin, "notify_format", None)
    values = declared if isinstance(declared, (list, tuple, set)) else [declared]
    return [str(getattr(v, "value", v)) for v in values if v]


def default_format(url: str) -> Format:
    """What the service reads best: email → html; else the plugin's own html/markdown default,
    markdown where it takes it, html where it takes that, plain text otherwise."""
    if url.split(":", 1)[0].lower() in _EMAIL_SCHEMES:
        return "html"
    plugin = load_plugin(url)
    formats = _formats(plugin) if plugin is not None else []
    if formats and formats[0] in ("html", "markdown"):
        return formats[0]  # type: ignore[return-value]
    for preferred in ("markdown", "html"):
        if preferred in formats:
            return preferred
    return "text"


def limits(url: str) -> Limits:
    """Title and body lengths for this service, from its apprise plugin (defaults if unknown).

    A service without a title field (SMS and the like) gets the title folded into the body by
    `send`, so the two share the body's length."""
    plugin = load_plugin(url)
    title = int(getattr(plugin, "title_maxlen", TITLE_MAX) or 0)
    body = int(getattr(plugin, "body_maxlen", 32768) or 32768)
    if title > 0:
        return Limits(title=min(title, TITLE_MAX), body=body, folded=False)
    title = max(1, min(TITLE_MAX, body // 3))
    return Limits(title=title, body=max(1, body - title - 8), folded=True)


def prepare(url: str, content: AlertContent, tz: ZoneInfo, fmt: Format | None = None) -> Rendered:
    """Render `content` for this channel: its configured format (or the service's) and limits."""
    lim = limits(url)
    return render(content, fmt or default_format(url), tz, max_title=lim.title, max_body=lim.body)


def _fold_title(rendered: Rendered) -> tuple[str, str]:
    """For services without a title field: the title, escaped, as the body's first line."""
    if not rendered.title:
        return "", rendered.body
    if rendered.body_format == "html":
        return "", f"<p><b>{html.escape(rendered.title)}</b></p>\n{rendered.body}"
    if rendered.body_format == "markdown":
        return "", f"**{escape_markdown(rendered.title)}**\n\n{rendered.body}"
    return "", f"{rendered.title}\n\n{rendered.body}"


def one_line(messages: list[str], secrets: set[str]) -> str:
    """The most telling log message, scrubbed, on one short line."""
    chosen = next((m for m in reversed(messages) if m.strip()), "delivery failed")
    line = " ".join(scrub(chosen, secrets).split())
    return line if len(line) <= ERROR_MAX else line[: ERROR_MAX - 1] + "…"


def _messages(result: Any, fallback: str) -> list[str]:
    """Apprise ≥ 2 keeps each service's log lines in its result (thread-safe); older ones don't."""
    logs = getattr(result, "logs", None)
    out = [e.message for e in logs() if str(e.level).upper() in _SERIOUS] if callable(logs) else []
    if not out:
        out = [line.split(" - ", 2)[-1] for line in fallback.splitlines()]
    return out


def send(url: str, rendered: Rendered, *, timeout: float = 0) -> DeliveryResult:
    """Deliver to ONE apprise URL on its own; never raises for a delivery problem."""
    plugin = load_plugin(url)
    if plugin is None:
        return DeliveryResult(False, f"invalid channel URL {redact_url(url)}")
    secrets = secrets_of(url)
    title, body = rendered.title, rendered.body
    if int(getattr(plugin, "title_maxlen", 1) or 0) <= 0:
        title, body = _fold_title(rendered)
    import apprise  # imported once a delivery is due: a poll with nothing to send needs none

    formats = {
        "html": apprise.NotifyFormat.HTML,
        "markdown": apprise.NotifyFormat.MARKDOWN,
        "text": apprise.NotifyFormat.TEXT,
    }
    client = apprise.Apprise()
    client.add(plugin)
    kwargs: dict[str, Any] = {"timeout": timeout} if timeout else {}
    try:
        # apprise >= 2 returns each service's log lines with its result, per call and
        # thread-safe; older versions only offer LogCapture, a handler on the shared logger
        # (fine one call at a time)
        capture = (
            contextlib.nullcontext(io.StringIO())
            if hasattr(apprise, "AppriseResult")
            else apprise.LogCapture(level=logging.WARNING)
        )
        with capture as captured:
            result = client.notify(
                body=body, title=title, body_format=formats[rendered.body_format], **kwargs
            )
    except Exception as exc:  # a plugin bug is a failed delivery, not a crash of the dispatcher
        return DeliveryResult(False, one_line([f"{type(exc).__name__}: {exc}"], secrets))
    try:
        if bool(result):
            return DeliveryResult(True, None)
        return DeliveryResult(False, one_line(_messages(result, captured.getvalue()), secrets))
    finally:
        close = getattr(result, "close", None)
        if callable(close):
            close()
