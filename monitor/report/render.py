"""Pure renderers of `newsmon report`: the same rows as a rich table, JSON, CSV, Markdown or HTML.

No database here: storage/history.py fills the rows (storage/rows.py), the CLI picks a renderer.
Times are shown in the configured zone; machine formats (JSON, CSV) carry ISO 8601 with the
offset. CSV starts with a UTF-8 byte order mark so spreadsheets (Excel above all) read the
Vietnamese text as UTF-8 instead of the local code page; every CSV reader that knows
"utf-8-sig" drops it. The HTML page is self-contained (inline style, no script) and every piece
of text in it is escaped.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from storage.rows import Count, ReportArticle, TopicHit

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "FORMATS",
    "Count",
    "ReportArticle",
    "TopicHit",
    "articles_csv",
    "articles_html",
    "articles_json",
    "articles_markdown",
    "articles_table",
    "counts_csv",
    "counts_html",
    "counts_json",
    "counts_markdown",
    "counts_table",
    "iso",
    "local",
    "render_articles",
    "render_counts",
]

FORMATS = ("table", "json", "csv", "markdown", "html")
BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class _Context:
    tz: tzinfo
    filters: Sequence[tuple[str, str]] = field(default_factory=tuple)


def iso(when: datetime | None, tz: tzinfo) -> str | None:
    """ISO 8601 with the zone's offset, to the second (the JSON and CSV form)."""
    return None if when is None else when.astimezone(tz).isoformat(timespec="seconds")


def local(when: datetime | None, tz: tzinfo) -> str:
    """The short human form for tables: "2024-11-29 10:30"."""
    return "" if when is None else when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _score(value: float) -> str:
    return f"{value:g}"


def _topics_text(article: ReportArticle) -> str:
    return "; ".join(f"{t.id} ({_score(t.score)})" for t in article.topics)


def _terms_text(article: ReportArticle) -> str:
    return "; ".join(", ".join(t.terms) for t in article.topics if t.terms)


# --- JSON -------------------------------------------------------------------------------------


def article_json(article: ReportArticle, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "source": article.source,
        "published_at": iso(article.published_at, tz),
        "first_seen_at": iso(article.first_seen_at, tz),
        "topics": [{"id": t.id, "score": t.score, "terms": list(t.terms)} for t in article.topics],
        "snippet": article.snippet,
        "story": article.story if article.story is not None else article.id,
    }


def one_per_story(articles: Sequence[ReportArticle]) -> list[ReportArticle]:
    """The first row of each story, in order (the table, markdown and HTML show a story once,
    its other sources under "also")."""
    seen: set[int] = set()
    out = []
    for a in articles:
        story = a.story if a.story is not None else a.id
        if story not in seen:
            seen.add(story)
            out.append(a)
    return out


def source_text(article: ReportArticle) -> str:
    """The source, and the other sources of its story: "paper (also: portal, national)"."""
    return f"{article.source} (also: {', '.join(article.also)})" if article.also else article.source


def articles_json(articles: Sequence[ReportArticle], total: int, tz: tzinfo) -> str:
    payload = {"articles": [article_json(a, tz) for a in articles], "total": total}
    return json.dumps(payload, ensure_ascii=False, indent=2)


def counts_json(counts: Sequence[Count]) -> str:
    payload = {"counts": [{"key": c.key, "articles": c.articles} for c in counts]}
    return json.dumps(payload, ensure_ascii=False, indent=2)


# --- CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "published_at",
    "first_seen_at",
    "source",
    "title",
    "url",
    "topics",
    "terms",
    "snippet",
)


def _csv(rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return BOM + out.getvalue()


def articles_csv(articles: Sequence[ReportArticle], tz: tzinfo) -> str:
    rows: list[Sequence[object]] = [CSV_COLUMNS]
    rows += [
        (
            a.id,
            iso(a.published_at, tz) or "",
            iso(a.first_seen_at, tz),
            a.source,
            a.title,
            a.url,
            _topics_text(a),
            _terms_text(a),
            a.snippet,
        )
        for a in articles
    ]
    return _csv(rows)


def counts_csv(counts: Sequence[Count], by: str) -> str:
    return _csv([(by, "articles"), *((c.key or "", c.articles) for c in counts)])


# --- Markdown ---------------------------------------------------------------------------------


def _md(text: str) -> str:
    """One table cell: no line breaks, pipes and markup characters escaped."""
    text = " ".join(text.split())
    for char in "\\|*_`[]<>":
        text = text.replace(char, "\\" + char)
    return text


def _md_filters(filters: Sequence[tuple[str, str]]) -> list[str]:
    if not filters:
        return []
    return [", ".join(f"{name}: {_md(value)}" for name, value in filters), ""]


def articles_markdown(
    articles: Sequence[ReportArticle],
    total: int,
    tz: tzinfo,
    filters: Sequence[tuple[str, str]] = (),
) -> str:
    lines = ["# newsmon report", "", *_md_filters(filters)]
    lines += [
        f"{len(articles)} of {total} articles.",
        "",
        "| Date | Source | Title | Topics | Snippet |",
        "|---|---|---|---|---|",
    ]
    for a in one_per_story(articles):
        title = f"[{_md(a.title)}](<{a.url.replace('>', '%3E')}>)"
        when = local(a.published_at or a.first_seen_at, tz)
        row = (when, _md(source_text(a)), title, _md(_topics_text(a)), _md(a.snippet))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def counts_markdown(
    counts: Sequence[Count], by: str, filters: Sequence[tuple[str, str]] = ()
) -> str:
    lines = [f"# newsmon report by {by}", "", *_md_filters(filters)]
    lines += [f"| {by.capitalize()} | Articles |", "|---|---:|"]
    lines += [f"| {_md(c.key or '(no topic)')} | {c.articles} |" for c in counts]
    return "\n".join(lines) + "\n"


# --- HTML -------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.35rem .5rem;
vertical-align:top;text-align:left}th{background:#f3f3f3}td.n{text-align:right}
.snippet{color:#555;font-size:.9em}dl{display:grid;grid-template-columns:max-content auto;
gap:.2rem 1rem}dt{font-weight:bold}
""".strip()


def _page(title: str, filters: Sequence[tuple[str, str]], summary: str, table: str) -> str:
    esc = html.escape
    filter_rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in filters)
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)}</h1>\n"
        f'<section class="filters"><h2>Filters</h2><dl>{filter_rows}</dl></section>\n'
        f"<p>{esc(summary)}</p>\n{table}\n</body>\n</html>\n"
    )


def _href(url: str) -> str | None:
    return url if url.lower().startswith(("http://", "https://")) else None


def articles_html(
    articles: Sequence[ReportArticle],
    total: int,
    tz: tzinfo,
    filters: Sequence[tuple[str, str]] = (),
) -> str:
    esc = html.escape
    rows = []
    for a in one_per_story(articles):
        href = _href(a.url)
        title = f'<a href="{esc(href)}">{esc(a.title)}</a>' if href else esc(a.title)
        snippet = f'<div class="snippet">{esc(a.snippet)}</div>' if a.snippet else ""
        rows.append(
            f"<tr><td>{esc(local(a.published_at or a.first_seen_at, tz))}</td>"
            f"<td>{esc(source_text(a))}</td><td>{title}{snippet}</td>"
            f"<td>{esc(_topics_text(a))}</td></tr>"
        )
    table = (
        "<table>\n<thead><tr><th>Date</th><th>Source</th><th>Article</th><th>Topics</th></tr>"
        "</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )
    return _page("newsmon report", filters, f"{len(articles)} of {total} articles.", table)


def counts_html(counts: Sequence[Count], by: str, filters: Sequence[tuple[str, str]] = ()) -> str:
    esc = html.escape
    rows = "\n".join(
        f'<tr><td>{esc(c.key or "(no topic)")}</td><td class="n">{c.articles}</td></tr>'
        for c in counts
    )
    table = (
        f"<table>\n<thead><tr><th>{esc(by.capitalize())}</th><th>Articles</th></tr></thead>\n"
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    total = sum(c.articles for c in counts)
    return _page(f"newsmon report by {by}", filters, f"{total} articles counted.", table)


# --- rich tables ------------------------------------------------------------------------------


def _caption(filters: Sequence[tuple[str, str]]) -> str | None:
    return "  ".join(f"{k}: {v}" for k, v in filters) or None


def articles_table(
    articles: Sequence[ReportArticle],
    total: int,
    tz: tzinfo,
    filters: Sequence[tuple[str, str]] = (),
) -> Table:
    """Wraps titles and snippets to the terminal; dates and ids never wrap."""
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"{len(articles)} of {total} articles",
        caption=_caption(filters),
        show_lines=True,
        expand=False,
    )
    table.add_column("ID", justify="right", no_wrap=True)
    table.add_column("Date", no_wrap=True)
    table.add_column("Source", overflow="fold", max_width=20)
    table.add_column("Article", overflow="fold")
    table.add_column("Topics", overflow="fold", max_width=24)
    for a in one_per_story(articles):
        cell = Text(a.title, style=f"bold link {a.url}" if _href(a.url) else "bold")
        if a.snippet:
            cell.append("\n" + a.snippet, style="dim")
        topics = Text("\n".join(f"{t.id} ({_score(t.score)})" for t in a.topics))
        table.add_row(
            str(a.id),
            local(a.published_at or a.first_seen_at, tz),
            Text(a.source + (f"\nalso: {', '.join(a.also)}" if a.also else "")),
            cell,
            topics,
        )
    return table


def counts_table(
    counts: Sequence[Count], by: str, filters: Sequence[tuple[str, str]] = ()
) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Articles by {by}", caption=_caption(filters))
    table.add_column(by.capitalize(), overflow="fold")
    table.add_column("Articles", justify="right", no_wrap=True)
    for c in counts:
        table.add_row(Text(c.key or "(no topic)"), str(c.articles))
    table.add_section()
    table.add_row("total", str(sum(c.articles for c in counts)))
    return table


# --- dispatch ---------------------------------------------------------------------------------


def render_articles(
    fmt: str,
    articles: Sequence[ReportArticle],
    total: int,
    tz: tzinfo,
    filters: Sequence[tuple[str, str]] = (),
) -> str | Table:
    """The report in `fmt` (one of FORMATS): a string, or a rich Table for "table"."""
    if fmt == "json":
        return articles_json(articles, total, tz)
    if fmt == "csv":
        return articles_csv(articles, tz)
    if fmt == "markdown":
        return articles_markdown(articles, total, tz, filters)
    if fmt == "html":
        return articles_html(articles, total, tz, filters)
    return articles_table(articles, total, tz, filters)


def render_counts(
    fmt: str, counts: Sequence[Count], by: str, filters: Sequence[tuple[str, str]] = ()
) -> str | Table:
    """The `--by` counts in `fmt`."""
    if fmt == "json":
        return counts_json(counts)
    if fmt == "csv":
        return counts_csv(counts, by)
    if fmt == "markdown":
        return counts_markdown(counts, by, filters)
    if fmt == "html":
        return counts_html(counts, by, filters)
    return counts_table(counts, by, filters)
