"""Titles: the string most places on the page agree on, without the site's name."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.extract import extract_article

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)
BODY = "".join(
    f"<p>{p}</p>"
    for p in (
        "Sáng nay, lãnh đạo thành phố làm việc với các sở, ngành về kế hoạch hợp tác với TP.HCM.",
        "Các đơn vị được giao rà soát danh mục dự án, đề xuất nguồn vốn và báo cáo trước ngày 15.",
    )
)


def title_of(head: str, h1: str = "", url: str = "https://baocantho.example.vn/a-1.html") -> str:
    html = f"<html><head>{head}</head><body>{h1}<div class='content'>{BODY}</div></body></html>"
    return extract_article(url, html.encode(), "text/html", None, tz=TZ, now=NOW).title


def og(prop: str, value: str) -> str:
    return f'<meta property="{prop}" content="{value}">'


def ld(**fields: object) -> str:
    data = {"@type": "NewsArticle", **fields}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


@pytest.mark.parametrize(
    ("head", "h1", "expected"),
    [
        (  # og:title and <title> carry the site's name; the h1 does not
            og("og:title", "Cần Thơ khởi công cầu Trần Hoàng Na | Báo Cần Thơ")
            + og("og:site_name", "Báo Cần Thơ")
            + "<title>Cần Thơ khởi công cầu Trần Hoàng Na | Báo Cần Thơ</title>",
            "<h1>Cần Thơ khởi công cầu Trần Hoàng Na</h1>",
            "Cần Thơ khởi công cầu Trần Hoàng Na",
        ),
        (  # the search-engine headline loses to the h1 that og:title repeats, quotes aside
            ld(headline="Disney+ glitches blamed on heavy demand, executive says")
            + og("og:title", "'We had some issues,' exec says on Disney+ glitches")
            + "<title>Disney+ glitches blamed on heavy demand - Los Angeles Times</title>",
            "<h1>‘We had some issues,’ exec says on Disney+ glitches</h1>",
            "‘We had some issues,’ exec says on Disney+ glitches",
        ),
        (  # the h1 is the site's logo
            og("og:title", "Mùa nước nổi về sớm ở miền Tây")
            + og("og:site_name", "Nông nghiệp")
            + "<title>Mùa nước nổi về sớm ở miền Tây - Nông nghiệp</title>",
            "<h1><a href='/'>Nông nghiệp</a></h1>",
            "Mùa nước nổi về sớm ở miền Tây",
        ),
        (  # a site's name the page never declares, before the headline in <title>
            og("og:title", "Zhi Neng Xiang Nian Ni (只能想念你)")
            + "<title>Chinese Lyrics | Zhi Neng Xiang Nian Ni (只能想念你)</title>",
            "<h1>Chinese Lyrics</h1>",
            "Zhi Neng Xiang Nian Ni (只能想念你)",
        ),
        (  # a site named after its host, no og:site_name
            og("og:title", "Die Stadt baut neue Radwege - Stadtblatt")
            + "<title>Die Stadt baut neue Radwege - Stadtblatt</title>",
            "",
            "Die Stadt baut neue Radwege",
        ),
        (  # a headline with a dash of its own keeps it
            og("og:title", "Star Wars review – shoots for the moon, lands among the stars - VG247")
            + "<title>Star Wars review – shoots for the moon, lands among the stars - VG247</title>",
            "<h1>Star Wars review – shoots for the moon, lands among the stars</h1>",
            "Star Wars review – shoots for the moon, lands among the stars",
        ),
        (  # a kicker glued to the h1 by markup without a space
            og("og:title", "Why collaborative thinking beats individual smarts")
            + "<title>Why collaborative thinking beats individual smarts</title>",
            "<h1><span>Open Progress</span>Why collaborative thinking beats individual smarts</h1>",
            "Why collaborative thinking beats individual smarts",
        ),
    ],
    ids=["site-suffix", "quotes", "logo-h1", "undeclared-site", "host-name", "own-dash", "kicker"],
)
def test_title_vote(head: str, h1: str, expected: str) -> None:
    url = (
        "https://www.stadtblatt.example.de/radwege-1.html"
        if "Stadtblatt" in head
        else "https://baocantho.example.vn/a-1.html"
    )
    assert title_of(head, h1, url) == expected


def test_json_ld_headline_entities_are_decoded() -> None:
    head = ld(headline="Anthony Lynn: &#8220;We needed to win this&nbsp;game&#8221; &amp; more")
    assert title_of(head) == "Anthony Lynn: “We needed to win this game” & more"


def test_declared_headline_without_agreement_drops_the_site_name() -> None:
    head = og("og:title", "Hà Nội mở thêm tuyến buýt điện | VnTin") + og("og:site_name", "VnTin")
    assert title_of(head, "<h1>Tin mới</h1>") == "Hà Nội mở thêm tuyến buýt điện"
