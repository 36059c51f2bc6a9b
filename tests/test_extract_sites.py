"""The fixture sites, read as a user configures them: every article found once, with the right
title, date and body, and no menu, sidebar or related-news text in any body."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import yaml

from monitor.extract import extract_article, extract_listing

SITES = Path(__file__).parent / "fixtures" / "sites"
EXPECTED = yaml.safe_load((SITES / "expected.yaml").read_text(encoding="utf-8"))
TZ = ZoneInfo(EXPECTED["timezone"])
NOW = datetime.fromisoformat(EXPECTED["now"])
BASE = "http://127.0.0.1:8080"
TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml"}


def fetch(path: str) -> tuple[str, bytes, str]:
    """What the fetcher would hand over for a URL path on the fixture server."""
    file = SITES / path.lstrip("/")
    if path.endswith("/"):
        file = file / "index.html"
    return BASE + path, file.read_bytes(), TYPES.get(file.suffix, "text/html")


def source(source_id: str) -> SimpleNamespace:
    spec = dict(EXPECTED["sources"][source_id])
    items = spec.get("items")
    article = spec.get("article")
    return SimpleNamespace(
        id=source_id,
        url=BASE + spec["url"],
        type=spec["type"],
        items=SimpleNamespace(**{"link": None, "title": None, "date": None, **items})
        if items
        else None,
        article=SimpleNamespace(
            **{"title": None, "body": None, "date": None, "remove": [], **article}
        )
        if article
        else None,
        allow_hosts=[],
    )


def sources_for(path: str) -> list[str]:
    return [sid for sid, s in EXPECTED["sources"].items() if s["url"] == path]


LISTING_CASES = [(path, sid) for path in EXPECTED["listings"] for sid in sources_for(path)]


@pytest.mark.parametrize(
    ("path", "source_id"), LISTING_CASES, ids=[f"{s}" for _, s in LISTING_CASES]
)
def test_listing_yields_each_article_once(path: str, source_id: str) -> None:
    listing = extract_listing(*fetch(path), source(source_id), tz=TZ, now=NOW)
    urls = [item.url for item in listing.items]
    assert urls == [BASE + p for p in EXPECTED["listings"][path]]
    assert all(item.title for item in listing.items)


@pytest.mark.parametrize("path", list(EXPECTED["feeds"]))
def test_auto_listing_uses_the_advertised_feed(path: str) -> None:
    listing = extract_listing(*fetch(path), None, tz=TZ, now=NOW)
    assert listing.feed_url == BASE + EXPECTED["feeds"][path]
    assert not listing.is_feed


def test_portal_listing_reads_dates_and_summaries_per_item() -> None:
    for sid in ("cantho-portal", "cantho-auto"):
        items = extract_listing(
            *fetch("/cantho/tin-tuc-va-su-kien/"), source(sid), tz=TZ, now=NOW
        ).items
        assert [i.published_at.isoformat() for i in items] == [
            "2024-11-29T10:30:00+07:00",
            "2024-11-28T15:45:00+07:00",
        ]
        assert items[1].summary.startswith("Các tổ hoà giải ở cơ sở")


def _check_article(path: str, article) -> None:
    want = EXPECTED["articles"][path]
    assert article.title == want["title"]
    assert article.published_at is not None
    assert article.published_at.isoformat() == want["published_at"]
    for phrase in want["body_contains"]:
        assert phrase in article.body
    for phrase in want["body_absent"]:
        assert phrase not in article.body, phrase
    if "author" in want:
        assert article.author == want["author"]
    assert "\n\n" in article.body  # paragraphs kept
    assert article.url == BASE + path  # canonical, tracking parameters dropped


@pytest.mark.parametrize("path", list(EXPECTED["articles"]))
def test_article_in_automatic_mode(path: str) -> None:
    _check_article(path, extract_article(*fetch(path), None, tz=TZ, now=NOW))


@pytest.mark.parametrize("path", [p for p in EXPECTED["articles"] if p.startswith("/cantho/")])
def test_portal_article_with_selectors(path: str) -> None:
    article = extract_article(*fetch(path), source("cantho-portal"), tz=TZ, now=NOW)
    _check_article(path, article)
    assert not article.body.startswith("(CT)")  # the selector body leaves the lead out


@pytest.mark.parametrize("path", list(EXPECTED["feed_bodies"]))
def test_full_content_feed_gives_bodies(path: str) -> None:
    listing = extract_listing(
        *fetch("/nongnghiep/feed.atom"), source("nongnghiep-atom"), tz=TZ, now=NOW
    )
    assert listing.is_feed
    item = {i.url: i for i in listing.items}[BASE + path]
    want = EXPECTED["feed_bodies"][path]
    assert item.title == want["title"]
    assert item.published_at.isoformat() == want["published_at"]
    for phrase in want["body_contains"]:
        assert phrase in item.body


def test_every_fixture_text_is_nfc_after_extraction() -> None:
    import unicodedata

    for path in EXPECTED["articles"]:
        article = extract_article(*fetch(path), None, tz=TZ, now=NOW)
        for text in (article.title, article.body):
            assert unicodedata.is_normalized("NFC", text)
