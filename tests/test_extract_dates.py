"""Vietnamese dates as pages and feeds write them; one case per form (SOURCES-NOTES.md)."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.extract.dates import parse_date

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)  # Sunday 1 December 2024, 09:00 in Cần Thơ

# (text, expected ISO or None)
CASES = [
    ("29/11/2024 10:30", "2024-11-29T10:30:00+07:00"),
    ("Thứ Sáu, 29/11/2024 - 10:30", "2024-11-29T10:30:00+07:00"),
    ("Thứ 7, 11/03/2023 | 15:59:36 [GMT +7]", "2023-03-11T15:59:36+07:00"),
    ("Thứ hai, 8/5/2023, 15:58 (GMT+7)", "2023-05-08T15:58:00+07:00"),
    ("10:30 29/11/2024", "2024-11-29T10:30:00+07:00"),
    ("Cập nhật lúc 10:30 ngày 29/11/2024", "2024-11-29T10:30:00+07:00"),
    ("10h30 ngày 29/11/2024", "2024-11-29T10:30:00+07:00"),
    ("05/06/2024", "2024-06-05T00:00:00+07:00"),  # day before month, always
    ("5-6-2024 08:00", "2024-06-05T08:00:00+07:00"),
    ("29.11.2024", "2024-11-29T00:00:00+07:00"),
    ("ngày 29 tháng 11 năm 2024", "2024-11-29T00:00:00+07:00"),
    ("Thứ Sáu, ngày 29 tháng 11 năm 2024, 14:05", "2024-11-29T14:05:00+07:00"),
    ("Sáng 29/11", "2024-11-29T00:00:00+07:00"),  # no year: the most recent past one
    ("Chiều 15/12", "2023-12-15T00:00:00+07:00"),  # 15/12 has not come yet this year
    ("Chiều 30/11, lúc 3:15", "2024-11-30T15:15:00+07:00"),  # "chiều" makes 3:15 afternoon
    ("Thứ Hai, 02/12/2024 08:00", "2024-12-02T08:00:00+07:00"),  # within a day ahead: kept
    ("2 giờ trước", "2024-12-01T07:00:00+07:00"),
    ("15 phút trước", "2024-12-01T08:45:00+07:00"),
    ("3 ngày trước", "2024-11-28T09:00:00+07:00"),
    ("hôm qua", "2024-11-30T09:00:00+07:00"),
    ("Hôm qua lúc 20:15", "2024-11-30T20:15:00+07:00"),
    ("2024-11-29T10:30:00+07:00", "2024-11-29T10:30:00+07:00"),
    ("2024-11-29T03:30:00Z", "2024-11-29T03:30:00+00:00"),
    ("2024-11-29 10:30:00", "2024-11-29T10:30:00+07:00"),  # no offset: the configured zone
    ("Fri, 29 Nov 2024 10:30:15 +0700", "2024-11-29T10:30:15+07:00"),
    ("November 29, 2024", "2024-11-29T00:00:00+07:00"),
    ("29/11/24 10:30", "2024-11-29T10:30:00+07:00"),
    (unicodedata.normalize("NFD", "Thứ Sáu, 29/11/2024 - 10:30"), "2024-11-29T10:30:00+07:00"),
    # not dates, or impossible ones: None, never an exception
    ("", None),
    ("Liên kết vùng ĐBSCL", None),
    ("31/02/2024", None),
    ("29/11/2031 10:30", None),  # years ahead: a typo, not a date to trust
    ("45/45", None),
    ("10:30", None),
    ("Ảnh: Minh Khang", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_parse_date(text: str, expected: str | None) -> None:
    result = parse_date(text, tz=TZ, now=NOW)
    if expected is None:
        assert result is None
    else:
        assert result is not None and result.isoformat() == expected
        assert result.tzinfo is not None


def test_never_more_than_a_day_ahead() -> None:
    assert parse_date("03/12/2024", tz=TZ, now=NOW) is None
    assert parse_date("02/12/2024 08:00", tz=TZ, now=NOW) <= NOW + timedelta(days=1)


@pytest.mark.parametrize(
    "junk", [None, "\x00\x01", "9" * 500, "//--::", "ngày tháng năm", "99 giờ 99"]
)
def test_never_raises(junk: str | None) -> None:
    assert parse_date(junk, tz=TZ, now=NOW) is None


@given(st.text(max_size=80))
def test_any_text_gives_a_date_or_none(text: str) -> None:
    result = parse_date(text, tz=TZ, now=NOW)
    assert result is None or (result.tzinfo is not None and result <= NOW + timedelta(days=1))
