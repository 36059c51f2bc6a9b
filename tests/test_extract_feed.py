"""Feeds: RSS and Atom read from the fetched bytes only, never from a URL or a path."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from monitor.errors import ExtractError
from monitor.extract import extract_listing

SITES = Path(__file__).parent / "fixtures" / "sites"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)
FEED_SOURCE = SimpleNamespace(
    type="feed", url="http://127.0.0.1:8080/", items=None, article=None, allow_hosts=[]
)
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tin Cần Thơ</title><link>http://127.0.0.1:8080/</link>
<item><title>Hội nghị liên kết vùng</title><link>http://127.0.0.1:8080/a-1.html</link>
<pubDate>Fri, 29 Nov 2024 10:30:00 +0700</pubDate><description>Tóm tắt</description></item>
</channel></rss>"""


def read(path: str, content_type: str | None = "application/rss+xml", source=FEED_SOURCE):
    raw = (SITES / path).read_bytes()
    return extract_listing(
        "http://127.0.0.1:8080/" + path, raw, content_type, source, tz=TZ, now=NOW
    )


def test_rss_items_with_dates_and_canonical_links() -> None:
    listing = read("baophusa/rss/thoi-su.rss")
    assert listing.is_feed
    first, _ = listing.items
    assert first.url.endswith(
        "/tphcm-va-dbscl-day-nhanh-ket-noi-giao-thong-lien-vung-20241129103015.htm"
    )
    assert "utm_" not in first.url
    assert first.guid == "baophusa-1"
    assert first.published_at.isoformat() == "2024-11-29T10:30:15+07:00"
    assert first.summary.startswith("Các địa phương thống nhất ưu tiên")
    assert first.body is None  # a description only: the article page must be fetched


def test_description_encoded_twice_becomes_text() -> None:
    second = read("baophusa/rss/thoi-su.rss").items[1]
    assert (
        second.summary
        == "Thương lái thu mua lúa thu đông với giá cao hơn cùng kỳ năm trước từ 300 đến 500 đồng mỗi ký."
    )


def test_atom_full_content_is_the_body() -> None:
    items = read("nongnghiep/feed.atom", "application/atom+xml").items
    assert items[0].title == "Mùa nước nổi mang lại nguồn lợi thủy sản cho nông dân"
    assert "trồng sen, nuôi cá trên ruộng" in items[0].body
    assert items[0].body.count("\n\n") == 2  # three paragraphs


def test_feed_sent_as_text_html_is_still_a_feed() -> None:
    assert read("baophusa/rss/thoi-su.rss", "text/html; charset=utf-8", source=None).is_feed


def test_bytes_naming_a_file_are_not_opened(tmp_path: Path) -> None:
    feed_file = tmp_path / "feed.xml"
    feed_file.write_text(RSS, encoding="utf-8")
    with pytest.raises(ExtractError):
        extract_listing("http://127.0.0.1:8080/rss", str(feed_file).encode(), "application/rss+xml",
                        FEED_SOURCE, tz=TZ, now=NOW)  # fmt: skip


def test_bytes_naming_a_url_are_not_fetched() -> None:
    with pytest.raises(ExtractError):
        extract_listing("http://127.0.0.1:8080/rss", b"http://127.0.0.1:9/feed.xml", "application/rss+xml",
                        FEED_SOURCE, tz=TZ, now=NOW)  # fmt: skip


def test_feed_source_given_a_web_page_is_an_error() -> None:
    raw = (SITES / "cantho/tin-tuc-va-su-kien/index.html").read_bytes()
    with pytest.raises(ExtractError, match="expected a feed"):
        extract_listing("http://127.0.0.1:8080/", raw, "text/html", FEED_SOURCE, tz=TZ, now=NOW)


def test_empty_response_is_an_error() -> None:
    with pytest.raises(ExtractError):
        extract_listing("http://127.0.0.1:8080/", b"  ", "text/html", None, tz=TZ, now=NOW)


def test_small_inline_feed() -> None:
    listing = extract_listing(
        "http://127.0.0.1:8080/rss", RSS.encode(), None, FEED_SOURCE, tz=TZ, now=NOW
    )
    assert [(i.url, i.title) for i in listing.items] == [
        ("http://127.0.0.1:8080/a-1.html", "Hội nghị liên kết vùng")
    ]
