"""Decoding: header charset, BOM, <meta charset>, windows-1258, NFD, invisible characters."""

from __future__ import annotations

import codecs
import importlib.util
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.extract import extract_article
from monitor.extract.decode import clean_block, clean_inline, html_to_text, parse_html

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)
SITES = Path(__file__).parent / "fixtures" / "sites"
TEXT = "Hội nghị sơ kết liên kết vùng ĐBSCL được tổ chức tại Cần Thơ"


def page(charset_meta: str = "") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>{TEXT}</title></head><body><p>{TEXT}</p></body></html>"


def _to_cp1258(text: str) -> bytes:
    spec = importlib.util.spec_from_file_location("build_fixtures", SITES / "build_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.to_cp1258(text)


def test_bom_decides_the_encoding() -> None:
    raw = page().encode("utf-16-le")
    tree = parse_html(codecs.BOM_UTF16_LE + raw, "text/html")  # BOM decides
    assert tree.css_first("p").text() == TEXT


def test_meta_charset_is_honoured() -> None:
    raw = page("windows-1252").replace(TEXT, "Café crème").encode("cp1252")
    assert parse_html(raw, "text/html").css_first("p").text() == "Café crème"


def test_header_charset_is_honoured() -> None:
    raw = page().replace(TEXT, "Café crème").encode("latin-1")
    assert parse_html(raw, "text/html; charset=ISO-8859-1").css_first("p").text() == "Café crème"


def test_utf8_bom() -> None:
    raw = codecs.BOM_UTF8 + page().encode("utf-8")
    assert parse_html(raw, None).css_first("p").text() == TEXT


def test_windows_1258_page_reads_as_nfc() -> None:
    raw = _to_cp1258(page("windows-1258"))
    assert b"\xd0" in raw or b"\xcc" in raw or b"\xde" in raw or b"\xec" in raw  # combining marks
    article = extract_article("http://127.0.0.1/a.html", raw, "text/html", None, tz=TZ, now=NOW)
    assert article.title == TEXT
    assert unicodedata.is_normalized("NFC", article.body)


def test_nfd_and_invisible_characters() -> None:
    dirty = unicodedata.normalize("NFD", "Uỷ\u200bban\u00ad nhân\u2060 dân\ufeff thành   phố")
    assert clean_inline(dirty) == "Uỷban nhân dân thành phố"


def test_whitespace_collapsed_paragraphs_kept() -> None:
    text = html_to_text("<p>Một\n   hai\u00a0 ba</p><p>bốn<br>năm</p><div>sáu &amp; bảy</div>")
    assert text == "Một hai ba\n\nbốn\nnăm\n\nsáu & bảy"


def test_entities_encoded_twice_are_decoded() -> None:
    assert (
        html_to_text("&lt;p&gt;Giá lúa tăng &amp;amp; ổn định&lt;/p&gt;")
        == "Giá lúa tăng & ổn định"
    )


def test_clean_block_drops_empty_paragraphs() -> None:
    assert clean_block("  a \n\n\n\n   \n\n b  ") == "a\n\nb"


def test_windows_1258_named_only_in_the_http_header() -> None:
    lead = "Thỏa thuận hợp tác được ký kết giữa các tỉnh, thành phố trong vùng."
    raw = _to_cp1258(page().replace(f"<p>{TEXT}</p>", f"<p>{lead}</p>"))
    article = extract_article(
        "http://127.0.0.1/a.html", raw, "text/html; charset=windows-1258", None, tz=TZ, now=NOW
    )
    assert (article.title, article.body) == (TEXT, lead)
