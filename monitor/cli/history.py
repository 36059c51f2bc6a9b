"""`newsmon report`, `show` and `sources`: the history and health, read from the database.

Thin: parse the options, run one query (storage.queries), hand the rows to a renderer
(monitor.report for `report`, the small views below for `show` and `sources`).
"""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from monitor.cli.app import App, pass_app
from monitor.errors import ConfigError, NewsmonError
from monitor.report import FORMATS, iso, local, render_articles, render_counts
from monitor.spans import parse_when

if TYPE_CHECKING:
    from storage.queries import ArticleDetail, ReportFilter, SourceHealth

TABLE_LIMIT = 50  # the default --limit of the terminal table; files get every article


def _when(value: str | None, option: str, app: App, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_when(value, now=app.now(), tz=app.config.settings.tz, end=end)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint=option) from None


def _check_ids(app: App, topic: str | None, source: str | None) -> None:
    config = app.config
    if topic is not None and config.topic(topic) is None:
        known = ", ".join(t.id for t in config.topics) or "none defined"
        raise ConfigError(f"unknown topic {topic!r} (known: {known})")
    if source is not None and config.source(source) is None:
        from sqlmodel import Session

        from storage.models import Source

        with Session(app.engine()) as session:  # a source since removed from the config
            if session.get(Source, source) is None:
                raise ConfigError(f"unknown source {source!r}")


def _filters(f: ReportFilter, tz: tzinfo, now: datetime, by: str | None) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    if f.since is not None:
        shown.append(("since", local(f.since, tz)))
    if f.until is not None:
        shown.append(("until", local(f.until, tz)))
    for name, value in (("topic", f.topic), ("source", f.source)):
        if value is not None:
            shown.append((name, value))
    if f.search is not None:
        shown.append(("search", f.search.text))
    shown.append(("articles", "all stored" if f.all else "matched a topic"))
    if by is not None:
        shown.append(("by", by))
    if f.limit is not None:
        shown.append(("limit", str(f.limit)))
    shown.append(("generated", local(now, tz)))
    return shown


def _emit(result: str | Table, output: str | None) -> None:
    """Print to the terminal, or write the file (tables as plain text, 120 columns)."""
    if output is None:
        if isinstance(result, Table):
            Console(highlight=False).print(result)
        else:
            click.echo(result, nl=not result.endswith("\n"))
        return
    if isinstance(result, Table):
        buffer = io.StringIO()
        Console(file=buffer, width=120, color_system=None, highlight=False).print(result)
        result = buffer.getvalue()
    try:
        Path(output).write_text(result, encoding="utf-8", newline="")
    except OSError as err:
        raise NewsmonError(f"{output}: {err.strerror or err}") from None


@click.command()
@click.option("--since", metavar="D", help="From this date, datetime or span back (7d, 36h).")
@click.option("--until", metavar="D", help="Up to this date (the whole day) or datetime.")
@click.option("--topic", "topic", metavar="ID", help="Only articles that matched this topic.")
@click.option("--source", "source", metavar="ID", help="Only articles of this source.")
@click.option("--search", metavar="TEXT", help='Words or "a phrase"; ignores diacritics and case.')
@click.option("--all", "all_", is_flag=True, help="Every stored article, matched or not.")
@click.option("--by", type=click.Choice(["day", "source", "topic"]), help="Print counts.")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="csv is UTF-8 with a byte order mark (opens in spreadsheets as is).",
)  # fmt: skip
@click.option("--output", metavar="FILE", help="Write to FILE instead of standard output.")
@click.option(
    "--limit", type=click.IntRange(min=0), metavar="N",
    help=f"At most N articles (table: {TABLE_LIMIT}, other formats: all; 0: all).",
)  # fmt: skip
@pass_app
def report(
    app: App,
    since: str | None,
    until: str | None,
    topic: str | None,
    source: str | None,
    search: str | None,
    all_: bool,
    by: str | None,
    fmt: str,
    output: str | None,
    limit: int | None,
) -> None:
    """History of stored articles (matched ones only unless --all); --by prints counts."""
    from storage.queries import ReportFilter, report_articles, report_counts
    from storage.search import parse_query

    tz, now = app.config.settings.tz, app.now()
    start, end = _when(since, "--since", app), _when(until, "--until", app, end=True)
    query = None
    if search is not None:
        try:
            query = parse_query(search)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--search") from None
    if limit is None and fmt == "table" and by is None:
        limit = TABLE_LIMIT
    f = ReportFilter(start, end, topic, source, query, all_, limit or None)
    engine = app.engine(upgrade=True)
    _check_ids(app, topic, source)
    from sqlmodel import Session

    with Session(engine) as session:
        if by is not None:
            counts = report_counts(session, f, by, tz)
            result = render_counts(fmt, counts, by, _filters(f, tz, now, by))
            what = f"{len(counts)} {by} counts"
        else:
            articles, total = report_articles(session, f)
            result = render_articles(fmt, articles, total, tz, _filters(f, tz, now, None))
            what = f"{len(articles)} of {total} articles"
    _emit(result, output)
    if output is not None and not app.quiet:
        click.echo(f"wrote {what} to {output}", err=True)


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
