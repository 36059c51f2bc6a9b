"""Dates as Vietnamese pages and feeds write them → timezone-aware datetimes.

Day before month always ("05/06/2024" is 5 June). Times without an offset are in the
configured timezone; a year-less date is the most recent past one; relative phrases
("2 giờ trước", "hôm qua") count back from ``now``. Nothing here raises: a text that is not
a date gives None, and so does a date more than a day in the future.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

from .months import named_date, year_first

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.I,
)
_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*(?:năm|,)\s*(\d{4}))?")
_DMY = re.compile(
    r"(?<![\d:])(\d{1,2})\s*([/.-])\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}|\d{2}))?(?![\d:])"
)
_TIME = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?::|h|g|giờ)\s*(\d{2})?(?:\s*(?::|phút)\s*(\d{2}))?(?!\d)"
    r"(?:\s*(am|pm|sa|ch)\b)?"
)
_OFFSET = re.compile(r"(?:gmt|utc)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?|([+-])(\d{2}):?(\d{2})\b")
_RELATIVE = re.compile(
    r"(\d+)\s*(giây|phút|giờ|tiếng|ngày|tuần|tháng|năm|seconds?|minutes?|mins?|hours?|days?|weeks?)"
    r"\s*(?:trước|qua|ago)"
)
_UNITS = {
    "giây": 1, "phút": 60, "giờ": 3600, "tiếng": 3600, "ngày": 86400, "tuần": 604800,
    "tháng": 30 * 86400, "năm": 365 * 86400, "second": 1, "minute": 60, "min": 60,
    "hour": 3600, "day": 86400, "week": 604800,
}  # fmt: skip
_PM_WORDS = ("chiều", "tối", "đêm")


def _offset(text: str) -> tzinfo | None:
    m = _OFFSET.search(text)
    if not m:
        return None
    sign, hh, mm = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(4, 5, 6)
    minutes = int(hh) * 60 + int(mm or 0)
    if minutes > 14 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if sign == "-" else minutes))


def _time(text: str) -> tuple[int, int, int] | None:
    for m in _TIME.finditer(text):
        hh, mm, ss = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
        if m.group(2) is None and not re.match(r"\d{1,2}\s*(h|giờ)", m.group(0)):
            continue
        suffix = m.group(4)
        if suffix in ("pm", "ch") and hh < 12:
            hh += 12
        elif suffix in ("am", "sa") and hh == 12:
            hh = 0
        elif hh < 12 and any(w in text for w in _PM_WORDS) and hh != 0:
            hh += 12
        if hh < 24 and mm < 60 and ss < 60:
            return hh, mm, ss
    return None


def _build(y: int | None, mo: int, d: int, rest: str, tz: tzinfo, now: datetime) -> datetime | None:
    hms = _time(rest) or (0, 0, 0)
    zone = _offset(rest) or tz
    local_now = now.astimezone(zone)
    year = y if y is not None else local_now.year
    if year < 100:
        year += 2000
    try:
        dt = datetime(year, mo, d, *hms, tzinfo=zone)
    except ValueError:
        return None
    if y is None and dt.date() > local_now.date():
        try:
            dt = dt.replace(year=year - 1)
        except ValueError:
            return None
    return dt


def _relative(text: str, tz: tzinfo, now: datetime) -> datetime | None:
    m = _RELATIVE.search(text)
    if m:
        unit = m.group(2).rstrip("s") if m.group(2)[0].isascii() else m.group(2)
        return now - timedelta(seconds=int(m.group(1)) * _UNITS.get(unit, 0))
    if "vừa xong" in text or "just now" in text or "mới đăng" in text:
        return now
    for words, days in (
        (("hôm kia",), 2),
        (("hôm qua", "yesterday"), 1),
        (("hôm nay", "today"), 0),
    ):
        if any(w in text for w in words):
            local = now.astimezone(tz) - timedelta(days=days)
            hms = _time(text)
            return local.replace(hour=hms[0], minute=hms[1], second=hms[2]) if hms else local
    return None


def _parse(text: str, tz: tzinfo, now: datetime) -> datetime | None:
    y: int | None
    m = _ISO.search(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hh, mi, ss = int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0)
        zone: tzinfo = tz
        if m.group(7):
            zone = UTC if m.group(7).upper() == "Z" else (_offset(m.group(7)) or tz)
        try:
            return datetime(y, mo, d, hh, mi, ss, tzinfo=zone)
        except ValueError:
            return None
    ymd = year_first(text)
    if ymd is not None:
        y, mo, d, start, end = ymd
        return _build(y, mo, d, text[:start] + " " + text[end:], tz, now)
    m = _WORDS.search(text)
    if m:
        y = int(m.group(3)) if m.group(3) else None
        return _build(
            y, int(m.group(2)), int(m.group(1)), text[: m.start()] + " " + text[m.end() :], tz, now
        )
    for m in _DMY.finditer(text):
        if m.group(4) is None and m.group(2) != "/":
            continue
        d, mo = int(m.group(1)), int(m.group(3))
        if 12 < mo <= 31 and 1 <= d <= 12 and m.group(4):
            d, mo = mo, d  # "11/14/2019": month first, as US pages write it
        if 1 <= d <= 31 and 1 <= mo <= 12:
            y = int(m.group(4)) if m.group(4) else None
            return _build(y, mo, d, text[: m.start()] + " " + text[m.end() :], tz, now)
    rel = _relative(text, tz, now)
    if rel is not None:
        return rel
    if re.search(r"[a-z]{3}", text):
        try:
            dt = parsedate_to_datetime(text)
            return dt if dt.tzinfo else dt.replace(tzinfo=tz)
        except (TypeError, ValueError, IndexError):
            pass
    named = named_date(text)
    if named is not None:
        y, mo, d, start, end = named
        return _build(y, mo, d, text[:start] + " " + text[end:], tz, now)
    return None


def parse_date(text: str | None, *, tz: tzinfo, now: datetime) -> datetime | None:
    """A date found in ``text`` as an aware datetime, or None. Never raises."""
    if not text:
        return None
    try:
        clean = unicodedata.normalize("NFC", " ".join(text.split())).lower()
        if now.tzinfo is None:
            now = now.replace(tzinfo=tz)
        dt = _parse(clean[:300], tz, now)
    except Exception:  # a date is a nice-to-have; a strange one must never break a poll
        return None
    if dt is None or dt > now + timedelta(days=1) or dt.year < 1990:
        return None
    return dt
