"""Structured data on an article page: JSON-LD, Open Graph, meta tags, microdata.

Publishers fill these for search engines and social sites, so they are the most reliable
source of the title, the publication date, the lead and the author when present.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .decode import clean_inline, html_to_text

_ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "backgroundnewsarticle", "scholarlyarticle", "techarticle", "report",
    "liveblogposting", "socialmediaposting",
}  # fmt: skip
_DATE_METAS = (
    "article:published_time", "og:article:published_time", "pubdate", "publishdate",
    "publish-date", "date", "dc.date", "dc.date.issued", "dcterms.created", "article.published",
    "sailthru.date", "og:published_time", "datepublished", "parsely-pub-date", "published_time",
    "article:modified_time", "og:updated_time",
)  # fmt: skip


@dataclass
class Meta:
    """What structured data says; ``body`` stays raw until someone needs it."""

    title: str | None = None
    date: str | None = None
    summary: str | None = None
    author: str | None = None
    body: str | None = None  # JSON-LD articleBody as given (may hold HTML): see body_text()
    site_name: str | None = None
    # each place a title is declared, for the title vote (title.py)
    headline: str | None = None  # JSON-LD headline
    og_title: str | None = None
    twitter_title: str | None = None
    site_names: tuple[str, ...] = ()  # og:site_name, application-name, the JSON-LD publisher


def _walk(obj: object) -> Iterator[dict[str, Any]]:
    if isinstance(obj, list):
        for x in obj:
            yield from _walk(x)
    elif isinstance(obj, dict):
        yield obj
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in obj:
                yield from _walk(obj[key])


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    names = t if isinstance(t, list) else [t]
    return {str(n).lower() for n in names if n}


def _name(value: object) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        return _name(value.get("name"))
    # JSON-LD strings often carry HTML entities ("&#8216;", "&amp;")
    return clean_inline(html.unescape(str(value))) if value else None


_PARTS = 'title, h1, link[rel~=canonical][href], meta[content], script[type="application/ld+json"]'


def page_parts(tree: LexborHTMLParser) -> dict[str, list[LexborNode]]:
    """The elements metadata comes from, by tag, found in one pass over the page."""
    parts: dict[str, list[LexborNode]] = {
        "title": [],
        "h1": [],
        "link": [],
        "meta": [],
        "script": [],
    }
    for node in tree.css(_PARTS):
        assert node.tag is not None  # an element matched by _PARTS: one of the keys above
        parts[node.tag].append(node)
    return parts


def _jsonld(scripts: list[LexborNode], meta: Meta) -> None:
    for script in scripts:
        raw = script.text(deep=True).strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        for obj in _walk(data):
            if not _types(obj) & _ARTICLE_TYPES:
                continue
            meta.title = meta.title or _name(obj.get("headline") or obj.get("name"))
            meta.headline = meta.headline or _name(obj.get("headline"))
            publisher = _name(obj.get("publisher"))
            if publisher and publisher not in meta.site_names:
                meta.site_names += (publisher,)
            date = obj.get("datePublished") or obj.get("dateCreated")
            meta.date = meta.date or (str(date) if date else None)
            desc = obj.get("description")
            meta.summary = meta.summary or (html_to_text(desc) if isinstance(desc, str) else None)
            meta.author = meta.author or _name(obj.get("author"))
            body = obj.get("articleBody")
            meta.body = meta.body or (body if isinstance(body, str) else None)


def read_meta(tree: LexborHTMLParser, parts: dict[str, list[LexborNode]] | None = None) -> Meta:
    """Everything structured the page says about itself (call before the tree is cleaned)."""
    parts = parts if parts is not None else page_parts(tree)
    meta = Meta()
    _jsonld(parts["script"], meta)
    props: dict[str, str] = {}
    for m in parts["meta"]:
        attrs = m.attributes
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        content = attrs.get("content")
        if key and key not in props and content:
            props[key] = content
    meta.title = (
        meta.title or clean_inline(props.get("og:title") or props.get("twitter:title")) or None
    )
    if not meta.date:
        for key in _DATE_METAS:
            if props.get(key):
                meta.date = props[key]
                break
    if not meta.date:
        node = tree.css_first("[itemprop=datePublished], time[pubdate], time[datetime]")
        if node is not None:
            meta.date = (
                node.attributes.get("datetime") or node.attributes.get("content") or node.text()
            )
    summary = (
        props.get("og:description") or props.get("description") or props.get("twitter:description")
    )
    meta.summary = meta.summary or (clean_inline(summary) or None)
    meta.author = (
        meta.author or clean_inline(props.get("author") or props.get("article:author")) or None
    )
    if meta.author and meta.author.startswith("http"):
        meta.author = None
    meta.site_name = clean_inline(props.get("og:site_name")) or None
    meta.og_title = clean_inline(props.get("og:title")) or None
    meta.twitter_title = clean_inline(props.get("twitter:title")) or None
    for key in ("og:site_name", "application-name", "al:android:app_name"):
        name = clean_inline(props.get(key))
        if name and name not in meta.site_names:
            meta.site_names += (name,)
    return meta


def body_text(meta: Meta) -> str:
    """The JSON-LD articleBody as clean text (parsed only when the page's own text falls short)."""
    return html_to_text(meta.body) if meta.body else ""
