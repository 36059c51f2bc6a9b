"""`newsmon show` and `sources`: one article in full, and the health of each source.

Thin: parse the options, run one query (storage.queries), hand the rows to the small views
below. `report` is in monitor.cli.report.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from monitor.cli.app import App, pass_app
from monitor.errors import NewsmonError
from monitor.report.render import iso, local

if TYPE_CHECKING:
    from storage.queries import ArticleDetail, SourceHealth

# --- show -------------------------------------------------------------------------------------


def detail_json(d: ArticleDetail, tz: tzinfo) -> dict[str, Any]:
    a = d.article
    return {
        "id": a.id,
        "url": a.url,
        "title": a.title,
        "source": a.source_id,
        "source_name": d.source_name,
        "published_at": iso(a.published_at, tz),
        "first_seen_at": iso(a.first_seen_at, tz),
        "last_checked_at": iso(a.last_checked_at, tz),
        "body": a.body,
        "summary": a.summary,
        "withdrawn_at": iso(a.withdrawn_at, tz),
        "topics": [
            {
                "id": m.topic_id,
                "score": m.score,
                "terms": [str(t[0]) for t in m.terms],
                "term_counts": [{"term": str(t[0]), "count": int(t[1])} for t in m.terms],
                "snippet": m.snippet,
            }
            for m in d.matches
        ],
        "revisions": [
            {"seen_at": iso(r.seen_at, tz), "title": r.title, "diff": r.diff} for r in d.revisions
        ],
        "labels": [
            {
                "topic": lb.topic_id,
                "verdict": "yes" if lb.verdict else "no",
                "at": iso(lb.labelled_at, tz),
            }
            for lb in d.labels
        ],
        "alerts": [
            {
                "channel": al.channel_id,
                "kind": al.kind,
                "status": al.status,
                "sent_at": iso(al.sent_at, tz),
                "attempts": al.attempts,
                "last_error": al.last_error,
            }
            for al in d.alerts
        ],
        "story": a.story_id or a.id,
        "same_story": [{"id": c.id, "url": c.url, "source": c.source_id} for c in d.same_story],
    }


def diff_text(diff: str) -> Text:
    """A unified diff, coloured: additions green, removals red, hunk headers cyan."""
    out = Text()
    for line in diff.splitlines():
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        out.append(line + "\n", style=style)
    return out


def detail_view(d: ArticleDetail, tz: tzinfo) -> Group:
    a = d.article
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column(overflow="fold")
    source = f"{d.source_name} ({a.source_id})" if d.source_name else a.source_id
    for name, value in (
        ("ID", str(a.id)),
        ("URL", a.url),
        ("Source", source),
        ("Published", local(a.published_at, tz) or "unknown"),
        ("First seen", local(a.first_seen_at, tz)),
        ("Last checked", local(a.last_checked_at, tz)),
        ("Withdrawn", local(a.withdrawn_at, tz)),
    ):
        if value:
            fields.add_row(name, Text(value))
    parts: list[Any] = [Text(a.title, style="bold"), fields, Text()]
    if d.matches:
        topics = Table(title="Topic matches", title_justify="left")
        for column in ("Topic", "Score", "Terms", "Snippet"):
            topics.add_column(column, overflow="fold")
        for m in d.matches:
            terms = ", ".join(f"{t[0]} ×{t[1]}" for t in m.terms)
            topics.add_row(m.topic_id, f"{m.score:g}", Text(terms), Text(m.snippet))
        parts.append(topics)
    else:
        parts.append(Text("No topic matched.", style="dim"))
    parts += [Text("\n" + (a.body or "(no body)")), Text()]
    if d.revisions:
        parts.append(Text(f"Revisions ({len(d.revisions)})", style="bold"))
        for r in d.revisions:
            parts.append(Text(f"seen {local(r.seen_at, tz)}", style="bold yellow"))
            parts.append(diff_text(r.diff) if r.diff.strip() else Text("(no diff kept)\n"))
    else:
        parts.append(Text("No revisions.", style="dim"))
    if d.alerts:
        alerts = Table(title="Alerts", title_justify="left")
        for column in ("Channel", "Kind", "Status", "Sent", "Attempts", "Last error"):
            alerts.add_column(column, overflow="fold")
        for al in d.alerts:
            alerts.add_row(
                al.channel_id,
                al.kind,
                al.status,
                local(al.sent_at, tz),
                str(al.attempts),
                Text(_one_line(al.last_error)),
            )
        parts.append(alerts)
    else:
        parts.append(Text("No alerts.", style="dim"))
    if d.same_story:
        parts.append(Text(f"\nSame story ({len(d.same_story)} other copies)", style="bold"))
        for c in d.same_story:
            parts.append(Text(f"  {c.id}  {c.source_id}  {c.url}"))
    return Group(*parts)


@click.command()
@click.argument("ref", metavar="ARTICLE_ID_OR_URL")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def show(app: App, ref: str, as_json: bool) -> None:
    """One article: fields, topic matches, revisions with a diff, alerts sent."""
    from sqlmodel import Session

    from storage.queries import article_detail

    tz = app.config.settings.tz
    with Session(app.engine(upgrade=True)) as session:
        detail = article_detail(session, ref)
    if detail is None:
        raise NewsmonError(f"no stored article with id or URL {ref!r}")
    if as_json:
        click.echo(json.dumps(detail_json(detail, tz), ensure_ascii=False, indent=2))
    else:
        Console(highlight=False).print(detail_view(detail, tz))


# --- sources ----------------------------------------------------------------------------------


def _one_line(text: str | None, width: int | None = None) -> str:
    line = " ".join((text or "").split())
    return line[: width - 1] + "…" if width and len(line) > width else line


def source_json(h: SourceHealth, tz: tzinfo, configured: bool, enabled: bool) -> dict[str, Any]:
    s = h.source
    return {
        "id": s.id,
        "name": s.name,
        "ok": h.ok,
        "health": s.health,
        "last_poll_at": iso(s.last_poll_at, tz),
        "last_success_at": iso(s.last_success_at, tz),
        "consecutive_failures": s.consecutive_failures,
        "last_error": _one_line(s.last_error) or None,
        "articles": h.articles,
        "last_new_at": iso(s.last_new_at or h.last_article_at, tz),
        "polls": s.polls,
        "avg_poll_ms": h.avg_poll_ms,
        "configured": configured,
        "enabled": enabled,
        "owner": h.lease.owner if h.lease else None,
        "lease_expires_at": iso(h.lease.expires_at, tz) if h.lease else None,
    }


def ago(when: datetime | None, now: datetime) -> str:
    """ "45s", "12m", "3h", "2d": how long before `now` (a table cell)."""
    if when is None:
        return "-"
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _status(h: SourceHealth, configured: bool, enabled: bool) -> Text:
    if not configured:
        return Text("removed", style="dim")
    if not enabled:
        return Text("disabled", style="dim")
    if h.source.polls == 0:
        return Text("never", style="yellow")
    if h.source.consecutive_failures:
        return Text(f"FAIL ×{h.source.consecutive_failures}", style="bold red")
    if h.source.health != "ok":
        return Text(h.source.health.upper(), style="bold yellow")
    return Text("ok", style="green")


def _rank(h: SourceHealth, configured: bool, enabled: bool) -> tuple[int, int]:
    """Problems first: failing (most failures first), other health alerts, never polled, ok,
    then disabled and removed sources."""
    s = h.source
    if not configured or not enabled:
        return (5 if configured else 6, 0)
    if s.consecutive_failures:
        return (0, -s.consecutive_failures)
    if s.health != "ok":
        return (1, 0)
    return (2, 0) if s.polls == 0 else (3, 0)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def sources(app: App, as_json: bool) -> None:
    """Health of each source, problems first."""
    from sqlmodel import Session

    from storage.models import Source
    from storage.queries import SourceHealth, source_health

    config, tz, now = app.config, app.config.settings.tz, app.now()
    now_text = local(now, tz)
    with Session(app.engine(upgrade=True)) as session:
        rows = source_health(session)
    stored = {h.source.id for h in rows}
    rows += [  # configured, never polled yet: shown, not stored
        SourceHealth(Source(id=s.id, name=s.name, url=str(s.url)), 0, None)
        for s in config.sources
        if s.id not in stored
    ]
    flags = {s.id: (True, s.enabled) for s in config.sources}
    rows.sort(key=lambda h: (_rank(h, *flags.get(h.source.id, (False, False))), h.source.id))
    if as_json:
        payload = [source_json(h, tz, *flags.get(h.source.id, (False, False))) for h in rows]
        click.echo(json.dumps({"sources": payload}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(rows)} sources", caption=f"times: how long ago ({now_text})")
    for column, kw in (
        ("Status", {"no_wrap": True}),
        ("Source", {"overflow": "fold", "max_width": 24}),
        ("Polled", {"justify": "right", "no_wrap": True}),
        ("Success", {"justify": "right", "no_wrap": True}),
        ("Articles", {"justify": "right", "no_wrap": True}),
        ("Newest", {"justify": "right", "no_wrap": True}),
        ("Avg poll", {"justify": "right", "no_wrap": True}),
        ("Last error", {"overflow": "fold"}),
    ):
        table.add_column(column, **kw)
    for h in rows:
        s = h.source
        avg = h.avg_poll_ms
        table.add_row(
            _status(h, *flags.get(s.id, (False, False))),
            Text(s.id),
            ago(s.last_poll_at, now),
            ago(s.last_success_at, now),
            str(h.articles),
            ago(s.last_new_at or h.last_article_at, now),
            f"{avg / 1000:.1f}s" if avg is not None else "-",
            Text(_one_line(s.last_error, 160), style="red" if s.consecutive_failures else "dim"),
        )
    Console(highlight=False, file=sys.stdout).print(table)
