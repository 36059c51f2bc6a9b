"""Article pages: selectors, their fallback to automatic reading, structured data, errors."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from monitor.errors import ExtractError
from monitor.extract import extract_article

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)
URL = "http://127.0.0.1:8080/tin-tuc/bai-viet-4629.html"
PARAS = [
    "Sáng nay, lãnh đạo thành phố làm việc với các sở, ngành về kế hoạch hợp tác với TP.HCM trong năm tới.",
    "Các đơn vị được giao rà soát danh mục dự án, đề xuất nguồn vốn và báo cáo trước ngày 15 tháng sau.",
    "Thành phố cũng đề nghị tăng cường kết nối cung cầu, đưa nông sản của nông dân vào các chuỗi siêu thị.",
]


def page(head: str = "", article_extra: str = "", title: str = "Kế hoạch hợp tác năm tới") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return f"""<html><head><title>{title} - Cổng TTĐT</title>{head}</head><body>
<ul class="menu"><li><a href="/lien-ket-vung">Liên kết vùng ĐBSCL</a></li><li><a href="/htqt">Hợp tác quốc tế</a></li></ul>
<div class="detail"><h1>{title}</h1><span class="ngay-dang">29/11/2024 10:30</span>
<div class="noi-dung">{body}{article_extra}</div>
<div class="share">Chia sẻ: Facebook | Zalo</div></div>
<div class="footer">Liên kết website | Cơ quan chủ quản: UBND thành phố</div></body></html>""".encode()


def src(**article) -> SimpleNamespace:
    sel = SimpleNamespace(**{"title": None, "body": None, "date": None, "remove": [], **article})
    return SimpleNamespace(
        type="html", url="http://127.0.0.1:8080/", items=None, article=sel, allow_hosts=[]
    )


def read(raw: bytes, source=None, url: str = URL, ct: str | None = "text/html"):
    return extract_article(url, raw, ct, source, tz=TZ, now=NOW)


def test_automatic_mode_without_structured_data() -> None:
    a = read(page())
    assert a.title == "Kế hoạch hợp tác năm tới"
    assert a.body == "\n\n".join(PARAS)
    assert a.published_at.isoformat() == "2024-11-29T10:30:00+07:00"


def test_selectors_and_remove_list() -> None:
    extra = '<div class="box-tin">Xem thêm: Liên kết vùng ĐBSCL</div>'
    a = read(
        page(article_extra=extra),
        src(title="h1", body=".noi-dung", date=".ngay-dang", remove=[".box-tin"]),
    )
    assert a.body == "\n\n".join(PARAS)
    assert a.published_at.isoformat() == "2024-11-29T10:30:00+07:00"


def test_selector_that_matches_nothing_falls_back_to_automatic() -> None:
    a = read(page(), src(title=".no-such-title", body=".ArticleContent", date=".PostDate"))
    assert a.title == "Kế hoạch hợp tác năm tới"
    assert a.body == "\n\n".join(PARAS)


def test_invalid_selector_falls_back_instead_of_crashing() -> None:
    assert read(page(), src(body="div[[[")).body == "\n\n".join(PARAS)


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2024-11-29T03:30:00Z">',
        '<meta name="pubdate" content="2024-11-29T10:30:00+07:00">',
        '<meta itemprop="datePublished" content="2024-11-29T10:30:00+07:00">',
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-11-29T10:30:00+07:00"}</script>',
    ],
    ids=["og", "pubdate", "itemprop", "json-ld"],
)
def test_structured_dates(head: str) -> None:
    a = read(page(head=head).replace(b"29/11/2024 10:30", b""))
    assert a.published_at == datetime(2024, 11, 29, 10, 30, tzinfo=TZ)


def test_json_ld_headline_author_description() -> None:
    ld = ('<script type="application/ld+json">[{"@type":"BreadcrumbList"},{"@type":["NewsArticle"],'
          '"headline":"Kế hoạch hợp tác năm tới","author":[{"name":"Minh Khang"}],'
          '"description":"Tóm tắt &amp; dẫn nhập"}]</script>')  # fmt: skip
    a = read(page(head=ld, title="Kế hoạch hợp tác năm tới"))
    assert (a.title, a.author, a.summary) == (
        "Kế hoạch hợp tác năm tới",
        "Minh Khang",
        "Tóm tắt & dẫn nhập",
    )


def test_canonical_link_on_site_is_used_off_site_ignored() -> None:
    on = '<link rel="canonical" href="/tin-tuc/bai-viet-4629.html?utm_source=zalo">'
    assert read(page(head=on), url=URL + "?utm_medium=x#top").url == URL
    off = '<link rel="canonical" href="https://other.example/copy.html">'
    assert read(page(head=off)).url == URL


@pytest.mark.parametrize(
    ("raw", "ct"),
    [
        (b"", "text/html"),
        (b"%PDF-1.7\n...", "application/octet-stream"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    ],
    ids=["empty", "pdf", "png"],
)
def test_not_a_page_is_an_extract_error(raw: bytes, ct: str) -> None:
    with pytest.raises(ExtractError):
        read(raw, ct=ct)


def test_page_without_text_gives_an_empty_body_not_an_error() -> None:
    a = read("<html><head><title>Trang trống</title></head><body></body></html>".encode())
    assert (a.title, a.body) == ("Trang trống", "")


def test_comments_and_related_lists_are_left_out() -> None:
    extra = (
        '<div class="tin-lien-quan"><a href="/a-1.html">Hội nghị liên kết vùng ĐBSCL lần thứ hai</a></div>'
        '<div id="comments"><p>Bình luận: rất mong hợp tác giữa TP.HCM và ĐBSCL sớm có kết quả, cảm ơn tác giả.</p></div>'
    )
    body = read(page(article_extra=extra)).body
    assert "Hội nghị liên kết vùng" not in body and "Bình luận" not in body


@pytest.mark.parametrize(
    ("head_title", "markup", "expected"),
    [
        ("Họp báo định kỳ quý IV - Cổng TTĐT TP. Cần Thơ", "", "Họp báo định kỳ quý IV"),
        (
            "Cổng TTĐT TP. Cần Thơ | Họp báo định kỳ quý IV năm 2024",
            "",
            "Họp báo định kỳ quý IV năm 2024",
        ),
        (
            "Họp báo định kỳ quý IV - Cổng TTĐT",
            '<div class="PostTitle">Họp báo định kỳ quý IV</div>',
            "Họp báo định kỳ quý IV",
        ),
    ],
    ids=["suffix", "prefix", "title-class"],
)
def test_title_without_h1_or_meta(head_title: str, markup: str, expected: str) -> None:
    html = f"<html><head><title>{head_title}</title></head><body>{markup}<p>{PARAS[0]}</p></body></html>"
    assert read(html.encode()).title == expected


def test_lead_from_the_page_when_no_meta_description() -> None:
    html = f"""<html><head><title>Tin</title></head><body><h1>Tin</h1>
    <div class="ArticleSummary">(CT) - Lãnh đạo thành phố làm việc với các sở.</div>
    <div class="ArticleContent">{"".join(f"<p>{p}</p>" for p in PARAS)}</div></body></html>"""
    assert read(html.encode()).summary == "(CT) - Lãnh đạo thành phố làm việc với các sở."
