"""Pure: an alert's content → title and body in html (email), markdown (chat) or text.

Every string that comes from a page (titles, snippets, source names, errors, diffs, URLs) is
hostile. It is escaped for the format it lands in, and a link is only ever emitted for an
http(s) URL; anything else is shown as inert text. Apprise's markdown→HTML step passes raw
HTML and `javascript:` links through, so markdown output escapes `<`, `>` as entities too.
Titles are plain text (an email subject, a JSON field); `deliver` escapes a title itself when a
service folds it into the body. Lengths are cut to the service's limits with an ellipsis.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

Format = Literal["html", "markdown", "text"]
Kind = Literal["article", "update", "health", "layout", "recovered", "digest", "test"]
FORMATS: tuple[Format, ...] = ("html", "markdown", "text")

TITLE_MAX = 200  # a sane subject line whatever the service allows
ELLIPSIS = "…"


class TopicHit(NamedTuple):
    """One matched topic of an article: its display name, score and the terms that counted."""

    name: str
    score: float
    terms: tuple[str, ...] | list[str] = ()


@dataclass(frozen=True)
class AlertContent:
    """Everything a message shows; plain data so the outbox can build it from stored rows."""

    kind: Kind
    title: str = ""  # article title (health: may be empty)
    url: str = ""  # article URL (health: the source URL)
    source_name: str = ""
    published_at: datetime | None = None  # aware; health: when the failures started
    topics: list[TopicHit] = field(default_factory=list)
    snippet: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)  # within snippet, to highlight
    diff: str | None = None  # update: what changed
    error: str | None = None  # health: the last error line
    entries: list[AlertContent] = field(default_factory=list)  # digest: the articles
    also: list[str] = field(default_factory=list)  # the story's other sources (its copies)


@dataclass(frozen=True)
class Rendered:
    title: str  # plain text
    body: str  # in body_format
    body_format: Format


# ---------------------------------------------------------------- escaping

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_MD_INLINE = re.compile(r"([\\`*_{}\[\]()|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=!]|\d+(?=[.)]))", re.M)
_MD_ENTITY_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def clean(text: str | None, *, oneline: bool = False) -> str:
    """Page text without control and bidi-override characters; optionally on one line."""
    text = _CONTROL.sub("", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if oneline:
        text = " ".join(text.split())
    return text


def escape_markdown(text: str) -> str:
    """Markdown that displays `text` literally (CommonMark and apprise's Python-Markdown)."""
    text = _MD_ENTITY_AMP.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def escape(text: str, fmt: Format) -> str:
    if fmt == "html":
        return html.escape(text, quote=True)
    if fmt == "markdown":
        return escape_markdown(text)
    return text


def is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def link(url: str, text: str, fmt: Format) -> str:
    """A clickable link for http(s) only; any other URL is shown as escaped, inert text."""
    url = clean(url, oneline=True)
    if not is_web_url(url):
        shown = truncate(url, 300)
        return escape(f"{text}: {shown} (not a web link)" if shown else text, fmt)
    if fmt == "html":  # the URL is the anchor text, so the plain-text part keeps it too
        shown = html.escape(truncate(url, 300))
        anchor = f'<a href="{html.escape(url, quote=True)}">{shown}</a>'
        return anchor if text == url else f"{html.escape(text)}: {anchor}"
    if fmt == "markdown":
        safe_url = quote(url, safe="/:?#@!$&'*+,;=%~-._[]")
        return f"[{escape_markdown(text)}]({safe_url})"
    return f"{text}: {url}" if text != url else url


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def highlight(snippet: str, spans: list[tuple[int, int]], fmt: Format) -> str:
    """The snippet escaped for `fmt`, with matched spans in bold (html <b>, markdown **)."""
    marks = {"html": ("<b>", "</b>"), "markdown": ("**", "**"), "text": ("", "")}[fmt]
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(snippet))
        if start >= end:
            continue
        out.append(escape(snippet[pos:start], fmt))
        out.append(marks[0] + escape(snippet[start:end], fmt) + marks[1])
        pos = end
    out.append(escape(snippet[pos:], fmt))
    return "".join(out)


def format_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """'29/11/2024 10:30 (+07)': the day-first style Vietnamese readers use, with the offset."""
    if moment is None:
        return "unknown"
    local = moment.astimezone(tz)
    offset = local.strftime("%z")  # +0700
    short = offset[:3] if offset.endswith("00") else f"{offset[:3]}:{offset[3:]}"
    return f"{local:%d/%m/%Y %H:%M} ({short})"


# ---------------------------------------------------------------- building blocks


def _lines(pairs: list[tuple[str, str]], fmt: Format) -> str:
    """Label/value lines; values are already escaped."""
    if fmt == "html":
        return "<p>" + "<br>\n".join(f"<b>{k}:</b> {v}" for k, v in pairs) + "</p>"
    if fmt == "markdown":
        return "\n".join(f"**{k}:** {v}  " for k, v in pairs).rstrip()
    return "\n".join(f"{k}: {v}" for k, v in pairs)


def _para(text: str, fmt: Format) -> str:
    return f"<p>{text}</p>" if fmt == "html" else text


def _quote(text: str, fmt: Format) -> str:
    if fmt == "html":
        return f"<blockquote>{text}</blockquote>"
    return f"> {text}" if fmt == "markdown" else text


def _code(text: str, fmt: Format) -> str:
    if fmt == "html":
        return f"<pre>{html.escape(text)}</pre>"
    if fmt == "markdown":
        longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}\n{text}\n{fence}"
    return text


def _join(blocks: list[str], fmt: Format) -> str:
    return ("\n" if fmt == "html" else "\n\n").join(b for b in blocks if b)


def _topics_value(topics: list[TopicHit], fmt: Format) -> str:
    parts = []
    for t in topics:
        terms = ", ".join(clean(term, oneline=True) for term in t.terms)
        text = f"{clean(t.name, oneline=True)} ({t.score:g})" + (f": {terms}" if terms else "")
        parts.append(escape(text, fmt))
    return "; ".join(parts)


def _sorted_topics(content: AlertContent) -> list[TopicHit]:
    return sorted((TopicHit(*t) for t in content.topics), key=lambda t: -t.score)


def _cut_snippet(content: AlertContent, limit: int) -> tuple[str, list[tuple[int, int]]]:
    snippet = clean(content.snippet)
    if len(snippet) <= limit:
        return snippet, list(content.spans)
    cut = truncate(snippet, limit)
    keep = len(cut) - (1 if cut.endswith(ELLIPSIS) else 0)
    return cut, [(s, min(e, keep)) for s, e in content.spans if s < keep]


def _article_blocks(
    content: AlertContent, fmt: Format, tz: ZoneInfo, snippet_max: int
) -> list[str]:
    pairs = [
        ("Source", escape(clean(content.source_name, oneline=True), fmt)),
        ("Published", escape(format_time(content.published_at, tz), fmt)),
    ]
    if content.also:
        pairs.append(("Also in", escape(clean(", ".join(content.also), oneline=True), fmt)))
    topics = _sorted_topics(content)
    if topics:
        pairs.append(("Topics", _topics_value(topics, fmt)))
    blocks = [_lines(pairs, fmt)]
    if content.kind == "update" and content.diff:
        blocks.append(_para(escape("What changed:", fmt), fmt))
        blocks.append(_code(truncate(clean(content.diff), snippet_max), fmt))
    if content.snippet and snippet_max > 0:
        snippet, spans = _cut_snippet(content, snippet_max)
        blocks.append(_quote(highlight(" ".join(snippet.split("\n")), spans, fmt), fmt))
    blocks.append(_para(link(content.url, "Read the article", fmt), fmt))
    return blocks


def _health_blocks(content: AlertContent, fmt: Format, tz: ZoneInfo) -> list[str]:
    pairs = [("Source", escape(clean(content.source_name, oneline=True), fmt))]
    if content.kind == "health":
        pairs.append(("Failing since", escape(format_time(content.published_at, tz), fmt)))
        pairs.append(("Error", escape(truncate(clean(content.error, oneline=True), 1000), fmt)))
    elif content.kind == "layout":
        pairs.append(("Seen at", escape(format_time(content.published_at, tz), fmt)))
        pairs.append(("Problem", escape(truncate(clean(content.error, oneline=True), 1000), fmt)))
    else:
        pairs.append(("Working again at", escape(format_time(content.published_at, tz), fmt)))
    return [_lines(pairs, fmt), _para(link(content.url, "Source page", fmt), fmt)]


def _digest_entry(entry: AlertContent, fmt: Format, tz: ZoneInfo) -> str:
    title = escape(truncate(clean(entry.title, oneline=True), TITLE_MAX), fmt)
    head = link(entry.url, truncate(clean(entry.title, oneline=True), TITLE_MAX) or "article", fmt)
    if not is_web_url(clean(entry.url, oneline=True)):
        head = title
    meta = escape(
        f"{clean(entry.source_name, oneline=True)}, {format_time(entry.published_at, tz)}", fmt
    )
    terms = sorted({clean(term, oneline=True) for t in entry.topics for term in TopicHit(*t).terms})
    line = f"{head} — {meta}" + (f" — {escape(', '.join(terms), fmt)}" if terms else "")
    if entry.also:
        line += " — " + escape(f"also: {clean(', '.join(entry.also), oneline=True)}", fmt)
    if fmt == "html":
        return f"<li>{line}</li>"
    return f"- {line}"


def _digest_groups(content: AlertContent) -> dict[str, list[AlertContent]]:
    groups: dict[str, list[AlertContent]] = {}
    for entry in content.entries:
        topics = _sorted_topics(entry)
        groups.setdefault(topics[0].name if topics else "Other", []).append(entry)
    return groups


def _digest_body(content: AlertContent, fmt: Format, tz: ZoneInfo, max_body: int) -> str:
    """Whole entries only, in order, until the limit; then how many were left out."""
    blocks: list[str] = []
    used, shown = 0, 0
    reserve = 200  # room for the "N more" line
    for name, entries in _digest_groups(content).items():
        heading = escape(clean(name, oneline=True), fmt)
        head = {
            "html": f"<h3>{heading}</h3>\n<ul>",
            "markdown": f"**{heading}**",
            "text": f"{heading}:",
        }[fmt]
        items: list[str] = []
        for entry in entries:
            item = _digest_entry(entry, fmt, tz)
            if used + len(head) + len(item) + 16 > max_body - reserve:
                break
            items.append(item)
            used += len(item) + 1
        if not items:
            break
        used += len(head) + 8
        shown += len(items)
        tail = "\n</ul>" if fmt == "html" else ""
        blocks.append(head + "\n" + "\n".join(items) + tail)
    left = len(content.entries) - shown
    if left:
        blocks.append(_para(escape(f"…and {left} more article(s) not shown here.", fmt), fmt))
    return _join(blocks, fmt)


# ---------------------------------------------------------------- entry point


def make_title(content: AlertContent) -> str:
    """Plain-text title: '[topic name] article title' and the like."""
    title = clean(content.title, oneline=True)
    source = clean(content.source_name, oneline=True)
    topics = _sorted_topics(content)
    tag = f"[{clean(topics[0].name, oneline=True)}]" if topics else "[newsmon]"
    if content.kind == "article":
        return f"{tag} {title}"
    if content.kind == "update":
        return f"{tag} Updated: {title}"
    if content.kind == "health":
        return f"[newsmon] Source failing: {source}"
    if content.kind == "layout":
        return f"[newsmon] Source layout changed: {source}"
    if content.kind == "recovered":
        return f"[newsmon] Source recovered: {source}"
    if content.kind == "digest":
        groups = list(_digest_groups(content))
        tag = f"[{clean(groups[0], oneline=True)}]" if len(groups) == 1 else "[newsmon]"
        return f"{tag} Digest: {len(content.entries)} new article(s)"
    return "[newsmon] Test message" + (f": {title}" if title else "")


def render(
    content: AlertContent,
    fmt: Format,
    tz: ZoneInfo,
    *,
    max_title: int = TITLE_MAX,
    max_body: int = 32768,
) -> Rendered:
    """Title and body for one channel; the body never exceeds `max_body` characters."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected html, markdown or text)")
    title = truncate(make_title(content), max(1, min(max_title, TITLE_MAX)))
    if content.kind == "digest":
        return Rendered(title, _digest_body(content, fmt, tz, max_body), fmt)
    if content.kind in ("health", "layout", "recovered"):
        body = _join(_health_blocks(content, fmt, tz), fmt)
    elif content.kind == "test":
        text = "This is a test message from newsmon: this channel works."
        body = _para(escape(text, fmt), fmt)
    else:
        body = _fit_article(content, fmt, tz, max_body)
    return Rendered(title, body if len(body) <= max_body else _hard_cut(body, fmt, max_body), fmt)


def _fit_article(content: AlertContent, fmt: Format, tz: ZoneInfo, max_body: int) -> str:
    """Shrink the snippet (and diff) until the escaped body fits, instead of cutting markup."""
    limit = min(len(content.snippet) + len(content.diff or ""), max_body) + 1
    for _ in range(12):
        body = _join(_article_blocks(content, fmt, tz, limit), fmt)
        if len(body) <= max_body or limit == 0:
            return body
        limit = max(0, min(limit - 1, int(limit * max_body / len(body) * 0.95)))
    return body


def _hard_cut(body: str, fmt: Format, max_body: int) -> str:
    """Last resort for bodies that still don't fit: cut, never leaving half a tag or entity."""
    cut = body[: max(0, max_body - 1)]
    if fmt in ("html", "markdown"):
        cut = re.sub(r"<[^>]*$|&[#A-Za-z0-9]*$", "", cut)
    if fmt == "markdown":
        cut = re.sub(r"\\+$", lambda m: m.group(0)[: len(m.group(0)) // 2 * 2], cut)
    return cut + ELLIPSIS
