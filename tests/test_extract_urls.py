"""Canonical URLs (one article stored once) and the follow policy (only the source's site)."""

from __future__ import annotations

import pytest

from monitor.extract.urls import canonicalize, is_followable

BASE = "https://www.cantho.gov.vn/tin-tuc-va-su-kien"

CANON = [
    ("/tin-tuc/bai-viet-4629", "https://www.cantho.gov.vn/tin-tuc/bai-viet-4629"),
    ("bai-viet-4629", "https://www.cantho.gov.vn/bai-viet-4629"),
    (
        "HTTPS://WWW.CanTho.gov.vn:443/a?utm_source=zalo&utm_medium=social#binh-luan",
        "https://www.cantho.gov.vn/a",
    ),
    ("http://cantho.gov.vn:80/a", "http://cantho.gov.vn/a"),
    ("http://cantho.gov.vn:8080/a", "http://cantho.gov.vn:8080/a"),
    ("/a?id=12&fbclid=IwAR0&gclid=x&zarsrc=30&page=2", "https://www.cantho.gov.vn/a?id=12&page=2"),
    ("https://cantho.gov.vn", "https://cantho.gov.vn/"),
    ("  /a\n", "https://www.cantho.gov.vn/a"),
    ("javascript:void(0)", None),
    ("mailto:ubnd@cantho.gov.vn", None),
    ("file:///etc/passwd", None),
    ("#top", "https://www.cantho.gov.vn/tin-tuc-va-su-kien"),
    ("", None),
    ("http://[::1", None),
]


@pytest.mark.parametrize(("href", "expected"), CANON, ids=[c[0] or "empty" for c in CANON])
def test_canonicalize(href: str, expected: str | None) -> None:
    assert canonicalize(href, BASE) == expected


def test_same_article_with_and_without_tracking_is_one_url() -> None:
    a = canonicalize("/x/bai-4629.html?utm_source=facebook&utm_campaign=a#comments", BASE)
    b = canonicalize("https://www.cantho.gov.vn/x/bai-4629.html", BASE)
    assert a == b


FOLLOW = [
    ("https://www.cantho.gov.vn/a-1.html", True),
    ("https://cantho.gov.vn/a-1.html", True),
    ("https://sokhdt.cantho.gov.vn/a-1.html", True),  # the portal's departments
    ("https://storage-vnportal.vnpt.vn/a.jpg", True),  # listed in allow_hosts
    ("https://cdn.storage-vnportal.vnpt.vn/a.jpg", True),
    ("https://vnexpress.net/a-1.html", False),
    ("https://evilcantho.gov.vn/a-1.html", False),
    ("ftp://cantho.gov.vn/a", False),
    ("javascript:alert(1)", False),
    ("file:///etc/passwd", False),
    ("http://127.0.0.1/a", False),
    ("http://192.168.1.10/a", False),
    (None, False),
]


@pytest.mark.parametrize(("url", "ok"), FOLLOW, ids=[str(c[0]) for c in FOLLOW])
def test_is_followable(url: str | None, ok: bool) -> None:
    assert is_followable(url, "https://www.cantho.gov.vn/", ["storage-vnportal.vnpt.vn"]) is ok


def test_loopback_source_may_follow_its_own_links() -> None:
    assert is_followable("http://127.0.0.1:8080/a-1.html", "http://127.0.0.1:8080/")
    assert not is_followable("http://10.0.0.1/a-1.html", "http://127.0.0.1:8080/")
