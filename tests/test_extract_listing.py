"""Automatic listings: article links only — no menus, categories, pagination or other sites."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from monitor.extract import extract_listing

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)
BASE = "http://127.0.0.1:8080/tin-tuc/"

PAGE = """<html><head><title>Tin tức</title>
<link rel="alternate" type="application/rss+xml" title="Bình luận" href="/comments/feed">
</head><body>
<div class="main-menu"><a href="/tin-tuc/lien-ket-vung-dbscl-va-tphcm-phat-trien-ben-vung-9001.html">Liên kết vùng ĐBSCL và TP.HCM phát triển bền vững</a></div>
<div class="list">
  <div class="item"><a href="/tin-tuc/ubnd-thanh-pho-hop-phien-thuong-ky-thang-11-5001.html">UBND thành phố họp phiên thường kỳ tháng 11</a>
    <span class="date">Thứ Sáu, 29/11/2024 - 10:30</span><p class="sapo">Thảo luận tình hình kinh tế - xã hội.</p></div>
  <div class="item"><a href="/tin-tuc/2024/11/28/khoi-cong-cau-tran-hoang-na.html">Khởi công cầu Trần Hoàng Na nối hai quận</a>
    <span class="date">28/11/2024</span></div>
  <div class="item"><a href="/tin-tuc/ubnd-thanh-pho-hop-phien-thuong-ky-thang-11-5001.html?utm_source=zalo">Xem tiếp</a></div>
  <div class="item"><a href="https://baomoi.example/hop-tac-tphcm-dbscl-ky-ket-moi-7001.html">Hợp tác TP.HCM – ĐBSCL ký kết mới (trang khác)</a></div>
  <div class="item"><a href="javascript:void(0)">Hội nghị liên kết vùng ĐBSCL mở rộng</a></div>
  <div class="item"><a href="file:///etc/passwd">Tệp nội bộ của hệ thống máy chủ</a></div>
</div>
<div class="pager"><a href="/tin-tuc/?page=2">Trang sau của danh sách tin</a></div>
<p><a href="/tin-tuc/kinh-te">Kinh tế</a> <a href="/tin-tuc/?page=3">3</a> <a href="/tin-tuc/trang-2">Trang tiếp theo danh sách</a></p>
<div class="sidebar"><a href="/tin-tuc/thoa-thuan-hop-tac-13-tinh-dbscl-8001.html">Thỏa thuận hợp tác 13 tỉnh ĐBSCL với TP.HCM</a></div>
<footer><a href="/tin-tuc/lien-ket-website-cac-so-nganh-8002.html">Liên kết website các sở ngành thành phố</a></footer>
</body></html>"""


def read(source=None):
    return extract_listing(BASE, PAGE.encode(), "text/html", source, tz=TZ, now=NOW)


def test_only_main_column_article_links() -> None:
    listing = read()
    assert [(i.url, i.title) for i in listing.items] == [
        ("http://127.0.0.1:8080/tin-tuc/ubnd-thanh-pho-hop-phien-thuong-ky-thang-11-5001.html",
         "UBND thành phố họp phiên thường kỳ tháng 11"),
        ("http://127.0.0.1:8080/tin-tuc/2024/11/28/khoi-cong-cau-tran-hoang-na.html",
         "Khởi công cầu Trần Hoàng Na nối hai quận"),
    ]  # fmt: skip
    first, second = listing.items
    assert first.published_at.isoformat() == "2024-11-29T10:30:00+07:00"
    assert first.summary == "Thảo luận tình hình kinh tế - xã hội."
    assert second.published_at.isoformat() == "2024-11-28T00:00:00+07:00"


def test_comment_feeds_are_not_the_site_feed() -> None:
    assert read().feed_url is None


def test_other_hosts_only_when_allowed() -> None:
    src = SimpleNamespace(
        type="auto", url=BASE, items=None, article=None, allow_hosts=["baomoi.example"]
    )
    urls = [i.url for i in read(src).items]
    assert "https://baomoi.example/hop-tac-tphcm-dbscl-ky-ket-moi-7001.html" in urls


def test_configured_item_selectors() -> None:
    items = SimpleNamespace(selector=".list .item", link="a", title="a", date=".date")
    src = SimpleNamespace(type="html", url=BASE, items=items, article=None, allow_hosts=[])
    listing = read(src)
    assert listing.feed_url is None
    assert [i.title for i in listing.items] == [
        "UBND thành phố họp phiên thường kỳ tháng 11",
        "Khởi công cầu Trần Hoàng Na nối hai quận",
    ]  # the same article again ("Xem tiếp"), other sites, javascript: and file: are left out
