"""RSS / Atom / RDF bytes → Listing, through feedparser.

feedparser is given a byte stream, never a string: a string may be taken as a URL to fetch or
a path to open, and extraction must not do I/O.

Entity bombs: feedparser drops entity declarations that refer to other entities or to
files, and expat 2.4.1 and later limit entity amplification themselves. An older expat
linked into Python lacks that second guard, so feeds are refused on it (`check_expat`).
"""

from __future__ import annotations

import io
import pyexpat
import re
import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from monitor.errors import ExtractError
from monitor.items import Item, Listing

from .dates import parse_date
from .decode import clean_inline, html_to_text
from .urls import canonicalize

_FEED_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<(rss|feed|rdf:RDF)\b", re.S
)
_FEED_TYPES = ("rss", "atom", "rdf", "/xml", "+xml")
_MIN_BODY = 300
MIN_EXPAT = (2, 4, 1)  # the first expat with entity-amplification limits (CVE-2013-0340)


def check_expat(version: tuple[int, int, int] | None = None) -> None:
    """Refuse to parse feeds on an expat too old to stop a "billion laughs" feed
    (`version`: the linked expat's, read when called)."""
    linked = tuple(pyexpat.version_info if version is None else version)
    if linked < MIN_EXPAT:
        have = ".".join(map(str, linked))
        raise ExtractError(
            f"feeds are not read: Python is linked with expat {have}, older than 2.4.1, "
            "which cannot stop entity-expansion bombs (upgrade Python or libexpat)"
        )


def looks_like_feed(content: bytes, content_type: str | None) -> bool:
    """Sniff a feed from its start (headers lie: many portals send feeds as text/html)."""
    head = content[:2048].lstrip(b"\xef\xbb\xbf")
    if _FEED_START.match(head):
        return True
    ct = (content_type or "").lower()
    return any(t in ct for t in _FEED_TYPES) and b"<html" not in head.lower()


def _entry_date(entry: dict[str, Any], tz: tzinfo, now: datetime) -> datetime | None:
    for key in ("published", "updated", "created", "dc_date"):
        dt = parse_date(entry.get(key), tz=tz, now=now)
        if dt:
            return dt
    for key in ("published_parsed", "updated_parsed"):
        st: time.struct_time | None = entry.get(key)  # feedparser's parsed dates
        if st:
            try:
                dt = datetime(*st[:6], tzinfo=UTC)
            except (TypeError, ValueError):
                continue
            return dt if dt <= now + timedelta(days=1) else None
    return None


def _content_text(entry: dict[str, Any]) -> str:
    best = ""
    for part in entry.get("content") or ():
        text = html_to_text(part.get("value") or "")
        if len(text) > len(best):
            best = text
    return best


def _entry_item(entry: dict[str, Any], base: str, tz: tzinfo, now: datetime) -> Item | None:
    guid = entry.get("id") or None
    link = entry.get("link")
    if not link and guid and guid.startswith("http"):
        link = guid
    url = canonicalize(link, base)
    if not url:
        return None
    summary = html_to_text(entry.get("summary") or "") or None
    content = _content_text(entry)
    body = None
    if content and len(content) >= _MIN_BODY and content != summary:
        body = content
    if summary and body and summary == body[: len(summary)]:
        summary = None
    title = clean_inline(html_to_text(entry.get("title") or "")) or None
    return Item(
        url=url,
        title=title,
        published_at=_entry_date(entry, tz, now),
        summary=summary,
        body=body,
        guid=guid,
    )


def parse_feed(
    url: str, content: bytes, content_type: str | None, *, tz: tzinfo, now: datetime
) -> Listing:
    """Parse feed bytes; raise ExtractError when they are not a feed at all."""
    check_expat()
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    import feedparser  # imported with the first feed: html sources never need it

    try:
        parsed = feedparser.parse(
            io.BytesIO(content), response_headers=headers, sanitize_html=False
        )
    except Exception as exc:  # feedparser trips on e.g. a garbage encoding="..." declaration
        first = (str(exc).splitlines() or [""])[0][:160]
        raise ExtractError(f"not a readable feed: {type(exc).__name__}: {first}") from None
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise ExtractError(f"not a readable feed: {reason or 'no entries'}".splitlines()[0][:200])
    items: list[Item] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        item = _entry_item(entry, url, tz, now)
        if item and item.url not in seen:
            seen.add(item.url)
            items.append(item)
    return Listing(items=items, feed_url=None, is_feed=True)
