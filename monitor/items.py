"""The values that flow through the pipeline: what extraction yields, what gets stored.

Feeds and HTML listings both become `Item`s; an article page becomes an `Article`.
Plain dataclasses so the pure parts (extract, match) never depend on the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a listing or feed: a link to an article, with what the listing says."""

    url: str  # canonical absolute URL
    title: str | None = None
    published_at: datetime | None = None  # timezone-aware
    summary: str | None = None  # lead / description, plain text
    body: str | None = None  # full text when the feed carries it (then no page fetch is needed)
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """What a listing page or feed yields."""

    items: list[Item] = field(default_factory=list)
    feed_url: str | None = None  # a feed the HTML page advertises (auto mode uses it)
    is_feed: bool = False


@dataclass(frozen=True, slots=True)
class Article:
    """The fields read from one article page. Texts are clean: NFC, no invisible characters,
    whitespace collapsed, paragraphs separated by a blank line ("\\n\\n")."""

    url: str  # canonical URL (rel=canonical when it stays on the site)
    title: str
    body: str
    published_at: datetime | None = None
    summary: str | None = None
    author: str | None = None
