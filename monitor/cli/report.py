"""`newsmon report`: the history of stored articles, as a table, JSON, CSV, Markdown or HTML.

Thin: parse the options, run one query (storage.history, plain SQL without SQLAlchemy: this
command is mostly start-up), hand the rows to a renderer (monitor.report.render). rich is imported only
for the terminal table.
"""

from __future__ import annotations

import io
import os
import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.app import App, pass_app
from monitor.errors import ConfigError, NewsmonError
from monitor.report.render import FORMATS, local, render_articles, render_counts
from monitor.report.spans import parse_when

if TYPE_CHECKING:
    from storage.history import ReportFilter

TABLE_LIMIT = 50  # the default --limit of the terminal table; files get every article


def _when(value: str | None, option: str, app: App, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_when(value, now=app.now(), tz=app.quick_config.settings.tz, end=end)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint=option) from None


def _check_ids(app: App, topic: str | None, source: str | None) -> None:
    config = app.quick_config
    if topic is not None and config.topic(topic) is None:
        known = ", ".join(t.id for t in config.topics) or "none defined"
        raise ConfigError(f"unknown topic {topic!r} (known: {known})")
    if source is not None and config.source(source) is None:
        from storage.history import source_stored

        if not source_stored(app.read_db(), source):  # else: since removed from the config
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


FILE_WIDTH = 120  # a table written to a file or a pipe (unless $COLUMNS says otherwise)


def _emit(result: Any, output: str | None) -> None:
    """Print to the terminal, or write the file (tables as plain text, 120 columns)."""
    if output is None:
        if isinstance(result, str):
            click.echo(result, nl=not result.endswith("\n"))
        else:
            from rich.console import Console

            piped = not sys.stdout.isatty() and not os.environ.get("COLUMNS")
            Console(highlight=False, width=FILE_WIDTH if piped else None).print(result)
        return
    if not isinstance(result, str):
        from rich.console import Console

        buffer = io.StringIO()
        Console(file=buffer, width=FILE_WIDTH, color_system=None, highlight=False).print(result)
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
@click.option(
    "--by",
    type=click.Choice(["day", "source", "topic", "story"]),
    help="Print counts (story: copies per story).",
)
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
    from storage.history import ReportFilter, report_articles, report_counts
    from storage.search import parse_query

    tz, now = app.quick_config.settings.tz, app.now()
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
    db = app.read_db()
    _check_ids(app, topic, source)
    if by is not None:
        counts = report_counts(db, f, by, tz)
        result = render_counts(fmt, counts, by, _filters(f, tz, now, by))
        what = f"{len(counts)} {by} counts"
    else:
        articles, total = report_articles(db, f)
        result = render_articles(fmt, articles, total, tz, _filters(f, tz, now, None))
        what = f"{len(articles)} of {total} articles"
    _emit(result, output)
    if output is not None and not app.quiet:
        click.echo(f"wrote {what} to {output}", err=True)
