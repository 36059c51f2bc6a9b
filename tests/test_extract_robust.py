"""Whatever bytes a server sends, extraction gives a result or an ExtractError — nothing else."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.errors import ExtractError
from monitor.extract import extract_article, extract_listing

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)
TAGS = ["<p>", "</p>", "<div class='content'>", "</div>", "<a href='/a-1234.html'>", "</a>", "<br>",
        "<script>", "</script>", "<rss>", "<item>", "<link>", "<title>", "</title>", "<h1>", "&amp;",
        "Liên kết vùng ĐBSCL, ", "29/11/2024 10:30", "\u200b", "<meta charset='windows-1258'>",
        "<script type='application/ld+json'>{\"@type\":\"NewsArticle\"", "<![CDATA[", "<feed>"]  # fmt: skip
markup = st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=20)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    markup, st.sampled_from([None, "text/html", "application/rss+xml", "text/html; charset=bogus"])
)
def test_article_never_crashes(text: str, content_type: str | None) -> None:
    try:
        article = extract_article(
            "http://127.0.0.1/a-1.html", text.encode(), content_type, None, tz=TZ, now=NOW
        )
    except ExtractError:
        return
    assert isinstance(article.body, str) and isinstance(article.title, str)


@settings(max_examples=150, deadline=None)
@given(st.one_of(markup.map(str.encode), st.binary(max_size=200)))
def test_listing_never_crashes(raw: bytes) -> None:
    try:
        listing = extract_listing("http://127.0.0.1/", raw, None, None, tz=TZ, now=NOW)
    except ExtractError:
        return
    assert all(
        item.url.startswith("http://127.0.0.1/") for item in listing.items if not listing.is_feed
    )
