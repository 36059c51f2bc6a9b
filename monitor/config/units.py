"""Parse the human units of sources.yaml and the CLI: durations (10m, 2h) and sizes (5MB)."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KIB|MIB|GIB)?\s*$", re.IGNORECASE)
_SIZE_FACTOR = {
    "B": 1,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "KIB": 1024,
    "MIB": 1024**2,
    "GIB": 1024**3,
}


def parse_duration(value: object) -> timedelta:
    """``"10m"`` → 10 minutes; also ``"1h30m"``. Raises ValueError with a hint."""
    if isinstance(value, timedelta):
        return value
    text = str(value).strip()
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if text[pos : m.start()].strip():
            break
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
        pos = m.end()
    else:
        if pos and not text[pos:].strip():
            return timedelta(seconds=total)
    raise ValueError(f"{value!r} is not a duration (try {_hint(text)})")


def _hint(text: str) -> str:
    digits = re.match(r"\s*(\d+)", text)
    n = digits.group(1) if digits else "10"
    low = text.lower()
    for word, unit in (("sec", "s"), ("min", "m"), ("hour", "h"), ("giờ", "h"), ("day", "d")):
        if word in low:
            return f"{n}{unit}"
    if "ph" in low:
        return f"{n}m"
    return f"{n}m"


def format_duration(delta: timedelta) -> str:
    """The shortest exact unit form: 600 s → ``10m``."""
    seconds = delta.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def parse_size(value: object) -> int:
    """``"5MB"`` → 5,000,000 bytes; a bare number is bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = _SIZE.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a size (try 5MB)")
    return int(float(m.group(1)) * _SIZE_FACTOR[(m.group(2) or "B").upper()])
