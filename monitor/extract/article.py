"""An article page → Article: configured selectors first, automatic reading as the fallback.

Portals change their markup without notice, so a selector that matches nothing falls back to
the automatic reading instead of yielding an empty article.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.errors import ExtractError
from monitor.items import Article

from .content import main_text, remove_all, semantic_text
from .dates import parse_date
from .decode import clean_inline, node_text, parse_html
from .meta import body_text, page_parts, read_meta
from .title import best_title
from .urls import canonicalize, is_followable

_HAS_DIGIT = re.compile(r"\d")
_SHORT = 500  # characters: a body shorter than this may have missed the article
_SUMMARY_HINTS = (
    ".ArticleSummary, .sapo, .detail-sapo, .summary, .lead, [class*=sapo], [class*=Summary], "
    "[class*=summary], [class*=tom-tat], [class*=tomtat]"
)
_DATE_HINTS = (
    ".PostDate, .ArticleDate, .post-date, .date, .time, .datetime, .detail-time, .publish-date, "
    "[class*=date], [class*=time], [class*=ngay]"
)


def _attr_select(tree: LexborHTMLParser, selector: str | None) -> list[LexborNode]:
    if not selector:
        return []
    try:
        return tree.css(selector)
    except Exception:  # a bad selector is a config problem reported elsewhere; fall back here
        return []


def _date_from_nodes(nodes: list[LexborNode], tz: tzinfo, now: datetime) -> datetime | None:
    for node in nodes:
        attrs = node.attributes
        for value in (attrs.get("datetime"), attrs.get("content"), node.text()):
            dt = parse_date(value, tz=tz, now=now)
            if dt:
                return dt
    return None


def _drop_furniture(body: str, title: str, tz: tzinfo, now: datetime) -> str:
    """Leave out the title and date lines that sit at the top of the article container."""
    paras = body.split("\n\n")
    head = paras[:6]
    kept = [
        p
        for p in head
        if p != title
        and not (len(p) < 60 and _HAS_DIGIT.search(p) and parse_date(p, tz=tz, now=now))
    ]
    if len(kept) == len(head):
        return body
    return "\n\n".join(kept + paras[6:])


def _sniff_binary(content: bytes, content_type: str | None) -> None:
    ct = (content_type or "").split(";")[0].strip().lower()
    if not content.strip():
        raise ExtractError("empty page")
    if ct and (
        ct.startswith(("image/", "audio/", "video/"))
        or ct in ("application/pdf", "application/zip")
    ):
        raise ExtractError(f"not an HTML page ({ct})")
    if content[:5] == b"%PDF-" or (
        b"\x00" in content[:1024] and not content.startswith((b"\xff\xfe", b"\xfe\xff"))
    ):
        raise ExtractError("not an HTML page (binary content)")


def extract_article(
    url: str,
    content: bytes,
    content_type: str | None,
    source: object | None,
    *,
    tz: tzinfo,
    now: datetime,
) -> Article:
    """Read one article page. Raises ExtractError when the bytes are not a page at all."""
    _sniff_binary(content, content_type)
    sel = getattr(source, "article", None) if source is not None else None
    source_url = getattr(source, "url", None) or url
    allow_hosts = getattr(source, "allow_hosts", None) or ()
    tree = parse_html(content, content_type)
    if tree.body is None and tree.head is None:
        raise ExtractError("not an HTML page")

    parts = page_parts(tree)
    canonical = canonicalize(url) or url
    if parts["link"]:
        cand = canonicalize(parts["link"][0].attributes.get("href"), canonical)
        if cand and is_followable(cand, source_url, allow_hosts) and is_followable(cand, canonical):
            canonical = cand

    meta = read_meta(tree, parts)
    for selector in getattr(sel, "remove", None) or ():
        remove_all(_attr_select(tree, selector))

    title = ""
    nodes = _attr_select(tree, getattr(sel, "title", None))
    if nodes:
        title = clean_inline(nodes[0].text())
    if not title:
        page_title = clean_inline(parts["title"][0].text()) if parts["title"] else ""
        h1s = [clean_inline(h.text()) for h in parts["h1"]]
        title = best_title(tree, h1s, page_title, meta, canonical)

    published = _date_from_nodes(_attr_select(tree, getattr(sel, "date", None)), tz, now)
    published = published or parse_date(meta.date, tz=tz, now=now)
    if published is None:
        published = _date_from_nodes(tree.css(_DATE_HINTS)[:20], tz, now)

    summary = meta.summary
    if summary is None:
        node = tree.css_first(_SUMMARY_HINTS)
        summary = clean_inline(node.text()) if node is not None else None

    body = ""  # last: reading the body cleans and marks up the tree
    nodes = _attr_select(tree, getattr(sel, "body", None))
    if nodes:
        for n in nodes:
            n.strip_tags(["script", "style", "noscript", "template"])
        body = "\n\n".join(t for t in (node_text(n) for n in nodes) if t)
    if not body:
        body = main_text(tree, title)
        if len(body) < _SHORT:  # scoring found next to nothing: the page's own article element
            marked = semantic_text(parse_html(content, content_type))
            if len(marked) > max(2 * len(body), 200):
                body = marked
        body = _drop_furniture(body, title, tz, now)
        if meta.body and len(meta.body) > 1.5 * len(body):
            structured = body_text(meta)
            if len(structured) > 1.5 * len(body):
                body = structured
    if not title and not body:
        raise ExtractError("no title and no text found on the page")
    return Article(
        url=canonical,
        title=title,
        body=body,
        published_at=published,
        summary=summary or None,
        author=meta.author,
    )
