"""`newsmon alerts` (the outbox: what was sent, what waits, what failed) and `newsmon notify-test`.

Neither prints a channel URL except through `redact_url`, and every error line goes through
the log's secret filter too: a channel's password or token never reaches the terminal.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, tzinfo
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlmodel import Session, col, select

from monitor.cli.app import App, pass_app
from monitor.config.models import Channel, Config
from monitor.errors import ConfigError
from monitor.logsetup import secret_filter
from notifiers.deliver import DeliveryResult, prepare, send
from notifiers.redact import redact_url
from notifiers.render import AlertContent
from storage.alerts import list_alerts, requeue
from storage.models import Alert, Article

STATUSES = ("pending", "failed", "sent")
_STYLE = {"pending": "yellow", "failed": "red", "sent": "green"}


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def _clean(text: str | None) -> str | None:
    """One line, secrets scrubbed (errors are scrubbed when stored; this is the second net)."""
    return secret_filter.scrub(" ".join(text.split())) if text else None


def _subject(alert: Alert, article: Article | None, config: Config) -> str:
    """What the alert is about: the article's title, or the source for health alerts."""
    if article is not None:
        return article.title
    payload = alert.payload if isinstance(alert.payload, dict) else {}
    source = config.source(alert.source_id or "")
    name = payload.get("source_name") or (source.name if source else "") or alert.source_id or ""
    return str(name)


def alert_rows(
    app: App, status: str | None, limit: int, retry: bool
) -> tuple[list[dict[str, Any]], int]:
    """The outbox as `alerts --json` prints it, newest first; with `retry`, requeue first."""
    config, engine, now = app.config, app.engine(upgrade=True), app.now()
    tz = config.settings.tz
    requeued = 0
    with Session(engine, expire_on_commit=False) as session:
        if retry:
            requeued = requeue(session, ("failed", "pending"), now=now)
        rows = list_alerts(session, statuses=[status] if status else None, limit=limit)
        ids = {a.article_id for a in rows if a.article_id is not None}
        articles = {
            a.id: a for a in session.exec(select(Article).where(col(Article.id).in_(sorted(ids))))
        }
    out = []
    for a in rows:
        article = articles.get(a.article_id) if a.article_id is not None else None
        out.append(
            {
                "id": a.id,
                "channel": a.channel_id,
                "kind": a.kind,
                "key": a.key,
                "status": a.status,
                "attempts": a.attempts,
                "created_at": _iso(a.created_at, tz),
                "next_attempt_at": _iso(a.next_attempt_at, tz) if a.status == "pending" else None,
                "sent_at": _iso(a.sent_at, tz),
                "last_error": _clean(a.last_error),
                "article_id": a.article_id,
                "source": a.source_id,
                "title": _subject(a, article, config),
                "url": article.url if article is not None else None,
            }
        )
    return out, requeued


def _table(rows: list[dict[str, Any]], status: str | None) -> Table:
    table = Table(title=f"{len(rows)} {status or ''} alert(s)".replace("  ", " "), box=None)
    for name in ("id", "channel", "kind", "status", "tries", "when", "about", "error"):
        table.add_column(name, overflow="fold" if name in ("about", "error") else "ellipsis")
    for r in rows:
        when = r["sent_at"] if r["status"] == "sent" else r["next_attempt_at"] or r["created_at"]
        table.add_row(
            str(r["id"]),
            r["channel"],
            r["kind"],
            Text(r["status"], style=_STYLE.get(r["status"], "")),
            str(r["attempts"]),
            (when or "")[:16].replace("T", " "),
            r["title"] or "",
            r["last_error"] or "",
        )
    return table


@click.command()
@click.option("--status", type=click.Choice(STATUSES), help="Only alerts with this status.")
@click.option(
    "--retry", is_flag=True, help="Make failed and waiting alerts due now (the daemon sends them)."
)
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True, metavar="N")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def alerts(app: App, status: str | None, retry: bool, limit: int, as_json: bool) -> None:
    """The outbox: alerts waiting, sent and failed (newest first)."""
    rows, requeued = alert_rows(app, status, limit, retry)
    if retry:
        click.echo(f"{requeued} alert(s) re-queued, due now", err=True)
    if as_json:
        click.echo(json.dumps({"alerts": rows, "total": len(rows)}, ensure_ascii=False, indent=2))
        return
    Console(highlight=False, file=sys.stdout).print(_table(rows, status))


# ---------------------------------------------------------------- notify-test


async def send_tests(
    config: Config, channels: list[Channel], now: datetime
) -> list[tuple[Channel, DeliveryResult]]:
    """One test message to each channel, concurrently; each channel's own result."""
    content = AlertContent(kind="test", published_at=now)

    async def one(channel: Channel) -> tuple[Channel, DeliveryResult]:
        try:
            rendered = prepare(channel.url, content, config.settings.tz, channel.format)
            return channel, await asyncio.to_thread(send, channel.url, rendered)
        except Exception as exc:  # a plugin bug is this channel's failure, not the command's
            return channel, DeliveryResult(False, f"internal error: {type(exc).__name__}")

    return list(await asyncio.gather(*(one(c) for c in channels)))


def _channels(config: Config, channel_id: str | None) -> list[Channel]:
    if channel_id is None:
        chosen = [c for c in config.channels if c.enabled]
        if not chosen:
            raise ConfigError("no enabled channels in the configuration")
        return chosen
    for channel in config.channels:
        if channel.id == channel_id:
            return [channel]  # asked for by name: tested even when disabled
    known = ", ".join(c.id for c in config.channels) or "none"
    raise ConfigError(f"unknown channel {channel_id!r} (known: {known})")


@click.command("notify-test")
@click.argument("channel_id", required=False, metavar="[CHANNEL_ID]")
@pass_app
def notify_test(app: App, channel_id: str | None) -> int:
    """Send a test message to one or all enabled channels and report each result."""
    config = app.config
    results = asyncio.run(send_tests(config, _channels(config, channel_id), app.now()))
    console = Console(highlight=False, file=sys.stdout)
    for channel, result in results:
        where = secret_filter.scrub(redact_url(channel.url))
        line = Text(f"{channel.id}  {where}  ")
        if result.ok:
            line.append("ok", style="green")
        else:
            line.append(f"failed: {_clean(result.error) or 'delivery failed'}", style="red")
        console.print(line, soft_wrap=True)
    return 1 if any(not r.ok for _, r in results) else 0
