"""Parse `--since` / `--until`: an ISO date or datetime, or a span back from now (90m, 36h, 7d, 2w).

Pure: the caller passes `now` and the time zone (settings.timezone), so tests need no clock.
A date or a datetime without an offset is read in that zone. A date given to `--until` means
the whole day (the bound is the next midnight, exclusive), which is what "until 30/11" means.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

__all__ = ["parse_when"]

_SPAN = re.compile(r"^\s*(\d+)\s*(m|h|d|w)\s*$", re.IGNORECASE)
_SPAN_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def parse_when(value: str, *, now: datetime, tz: tzinfo, end: bool = False) -> datetime:
    """The instant `value` names, timezone-aware. Raises ValueError with a one-line hint.

    `end=True` (for --until): a bare date means the end of that day.
    """
    span = _SPAN.match(value)
    if span:
        amount, unit = int(span.group(1)), span.group(2).lower()
        return now - timedelta(**{_SPAN_UNITS[unit]: amount})
    text = value.strip()
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a valid date") from None
        if end:
            day += timedelta(days=1)
        return _at_midnight(day, tz)
    try:
        when = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date, a datetime or a span (try 2024-11-29, "
            "2024-11-29T08:00, 90m, 36h, 7d or 2w)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when


def _at_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)
