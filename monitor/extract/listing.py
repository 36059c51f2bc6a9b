"""A listing page → Listing: a feed, configured item selectors, or automatic link finding.

Automatic mode prefers a feed the page advertises. Otherwise it keeps links that stay on the
site, look like article URLs and sit outside navigation, menus, sidebars and footers — the
places where a portal's topic words live and would otherwise raise false alarms.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any, Protocol
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.errors import ExtractError
from monitor.items import Item, Listing

from .content import remove_all
from .dates import parse_date
from .decode import clean_inline, parse_html
from .feed import looks_like_feed, parse_feed
from .urls import canonicalize, is_followable


class ItemSelectorsLike(Protocol):
    """What listing.py reads of a source's item selectors (monitor.config.ItemSelectors)."""

    selector: str
    link: str | None
    title: str | None
    date: str | None


_CHROME_TAGS = ["script", "style", "noscript", "template", "nav", "footer", "aside"]
_SITE_HEADER = re.compile(
    r"(^|\s)((site|page|main|top)[-_])?header([-_](top|wrapper|main|menu|nav|inner))?(\s|$)"
)
_CHROME = re.compile(
    r"(^|[\s_-])(nav|navbar|navigation|menu|mainmenu|megamenu|topmenu|submenu|footer|sidebar|"
    r"side-bar|breadcrumbs?|pagination|pager|paging|phan-trang|phantrang|social|share|"
    r"lien-ket-website|lienketwebsite|weblinks?|banner|topbar|top-bar|header-top|login|search)"
    r"($|[\s_-])"
)
_ARTICLE_PATH = re.compile(
    r"-\d{3,}(\.[a-z]{2,5})?/?$|\d{5,}|/20\d\d/\d{1,2}/|\.html?$|\.aspx?$|/(news|tin-tuc|bai-viet)/\d+"
)
_QUERY_ID = re.compile(r"(^|&)(id|itemid|newsid|articleid|p|ItemID|NewsID)=\d+", re.I)
_PAGINATION = re.compile(r"([?&](page|trang|p|pageindex|pg)=\d+)|/(page|trang)[/-]\d+/?$", re.I)
_DATE_SEL = "time, [class*=date], [class*=Date], [class*=time], [class*=Time], [class*=ngay]"
_SUMMARY_SEL = "[class*=summary], [class*=Summary], [class*=sapo], [class*=desc], [class*=lead]"


_SIDE_COLUMN = re.compile(
    r"(content|col|column|cot|box|zone|panel|main)[-_]?(right|phai)(?![a-z])|"
    r"(right|phai)[-_]?(col|column|content|side|bar|panel|box|zone)"
)


def _is_article_url(url: str, listing_url: str) -> bool:
    parts = urlsplit(url)
    if url.rstrip("/") == listing_url.rstrip("/") or _PAGINATION.search(url):
        return False
    path = parts.path
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if _ARTICLE_PATH.search(path) or (parts.query and _QUERY_ID.search(parts.query)):
        return not re.search(r"\.(jpe?g|png|gif|pdf|docx?|xlsx?|zip|rar|mp[34])$", path, re.I)
    return last.count("-") >= 4  # a long slug: five words or more


def _block_of(anchor: LexborNode, link: str, base: str, depth: int = 4) -> LexborNode:
    """The item block around a link: the largest ancestor that still holds only this item."""
    block, node = anchor, anchor.parent
    while node is not None and depth > 0 and node.tag not in ("body", "html"):
        links = node.css("a[href]")
        if len(links) > 6 or len(node.text()) > 1500:
            break
        if any(canonicalize(a.attributes.get("href"), base) != link for a in links):
            break
        block, node, depth = node, node.parent, depth - 1
    return block


def _item_date(block: LexborNode, tz: tzinfo, now: datetime) -> datetime | None:
    for node in block.css(_DATE_SEL)[:5]:
        dt = parse_date(node.attributes.get("datetime") or node.text(), tz=tz, now=now)
        if dt:
            return dt
    return None


def _summary(block: LexborNode, title: str | None) -> str | None:
    node = block.css_first(_SUMMARY_SEL)
    text = clean_inline(node.text()) if node is not None else ""
    return text if text and text != title else None


def _drop_chrome(root: LexborNode) -> None:
    root.strip_tags(_CHROME_TAGS)
    headers = root.css("header")
    remove_all([h for h in headers if h.css_first("ul, ol, nav") is not None])  # site header
    doomed = []
    for node in root.css("[class], [id]"):
        if node.tag in ("body", "html", "main"):
            continue
        attrs = node.attributes
        hint = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
        if _CHROME.search(hint) or _SITE_HEADER.search(hint) or _SIDE_COLUMN.search(hint):
            doomed.append(node)
    remove_all(doomed)


def _auto_items(
    tree: LexborHTMLParser,
    url: str,
    source_url: str,
    allow: tuple[str, ...],
    tz: tzinfo,
    now: datetime,
) -> list[Item]:
    root = tree.body
    if root is None:
        return []
    _drop_chrome(root)
    found: dict[str, dict[str, Any]] = {}  # link → its title and its block
    for a in root.css("a[href]"):
        link = canonicalize(a.attributes.get("href"), url)
        if not link or not is_followable(link, source_url, allow) or not _is_article_url(link, url):
            continue
        title = clean_inline(a.text()) or clean_inline(a.attributes.get("title"))
        entry = found.setdefault(link, {"title": None, "block": None})
        if title and len(title) > len(entry["title"] or ""):
            entry["title"] = title
        if entry["block"] is None:
            entry["block"] = _block_of(a, link, url)
    items = []
    for link, entry in found.items():
        title = entry["title"]
        if not title or len(title.split()) < 3:  # "Xem thêm", "Chi tiết", image-only links
            continue
        block = entry["block"]
        items.append(
            Item(
                url=link,
                title=title,
                published_at=_item_date(block, tz, now),
                summary=_summary(block, title),
            )
        )
    return items


def _selector_items(
    tree: LexborHTMLParser,
    sel: ItemSelectorsLike,
    url: str,
    source_url: str,
    allow: tuple[str, ...],
    tz: tzinfo,
    now: datetime,
) -> list[Item]:
    try:
        blocks = tree.css(sel.selector)
    except Exception as err:
        raise ExtractError(f"items selector {sel.selector!r} is not valid CSS") from err
    items, seen = [], set()
    for block in blocks:
        link_node = (
            block if block.tag == "a" and not sel.link else block.css_first(sel.link or "a[href]")
        )
        if link_node is None:
            continue
        link = canonicalize(link_node.attributes.get("href"), url)
        if not link or link in seen or not is_followable(link, source_url, allow):
            continue
        seen.add(link)
        title_sel = getattr(sel, "title", None)
        title_node = block.css_first(title_sel) if title_sel else link_node
        title: str | None = clean_inline(title_node.text() if title_node is not None else "")
        title = title or clean_inline(link_node.attributes.get("title")) or None
        date = None
        date_sel = getattr(sel, "date", None)
        if date_sel:
            node = block.css_first(date_sel)
            if node is not None:
                date = parse_date(node.attributes.get("datetime") or node.text(), tz=tz, now=now)
        else:
            date = _item_date(block, tz, now)
        items.append(Item(url=link, title=title, published_at=date, summary=_summary(block, title)))
    return items


def _advertised_feed(
    tree: LexborHTMLParser, url: str, source_url: str, allow: tuple[str, ...]
) -> str | None:
    for link in tree.css("link[rel~=alternate][href]"):
        kind = (link.attributes.get("type") or "").lower()
        if "rss" in kind or "atom" in kind or kind.endswith("/xml"):
            href = canonicalize(link.attributes.get("href"), url)
            title = (link.attributes.get("title") or "").lower()
            if (
                href
                and "comment" not in title
                and "comment" not in href
                and is_followable(href, source_url, allow)
            ):
                return href
    return None


def extract_listing(
    url: str,
    content: bytes,
    content_type: str | None,
    source: object | None,
    *,
    tz: tzinfo,
    now: datetime,
) -> Listing:
    """Read a listing page or feed. Raises ExtractError when the bytes are neither."""
    if not content.strip():
        raise ExtractError("empty page")
    kind = getattr(source, "type", "auto") if source is not None else "auto"
    source_url = getattr(source, "url", None) or url
    allow = tuple(getattr(source, "allow_hosts", None) or ())
    if looks_like_feed(content, content_type):
        return parse_feed(url, content, content_type, tz=tz, now=now)
    if kind == "feed":
        raise ExtractError(
            "expected a feed, got " + ((content_type or "").split(";")[0] or "an unknown document")
        )
    tree = parse_html(content, content_type)
    if tree.body is None:
        raise ExtractError("not an HTML page")
    feed_url = _advertised_feed(tree, url, source_url, allow) if kind == "auto" else None
    sel = getattr(source, "items", None) if source is not None else None
    if sel is not None and getattr(sel, "selector", None):
        items = _selector_items(tree, sel, url, source_url, allow, tz, now)
    else:
        items = _auto_items(tree, url, source_url, allow, tz, now)
    return Listing(items=items, feed_url=feed_url, is_feed=False)
