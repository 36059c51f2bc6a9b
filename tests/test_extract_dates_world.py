"""Visible date lines as pages in other languages write them: month names, year first, US
month-first; none of them changes how a Vietnamese date reads (test_extract_dates.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.extract import extract_article
from monitor.extract.dates import parse_date

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)

CASES = [
    ("12. Oktober 2023, 10:30 Uhr", "2023-10-12T10:30:00+07:00"),
    ("Veröffentlicht am 3. März 2024 um 14:05", "2024-03-03T14:05:00+07:00"),
    ("12 de octubre de 2023", "2023-10-12T00:00:00+07:00"),
    ("1er mai 2024", "2024-05-01T00:00:00+07:00"),
    ("12 settembre 2022 ore 10:15", "2022-09-12T10:15:00+07:00"),
    ("12 listopada 2023", "2023-11-12T00:00:00+07:00"),
    ("12 октября 2023 г.", "2023-10-12T00:00:00+07:00"),
    ("5 Ağustos 2023", "2023-08-05T00:00:00+07:00"),
    ("2023. október 12.", "2023-10-12T00:00:00+07:00"),
    ("2023年10月12日 08:00", "2023-10-12T08:00:00+07:00"),
    ("2023년 10월 12일", "2023-10-12T00:00:00+07:00"),
    ("2023/10/12", "2023-10-12T00:00:00+07:00"),  # year first: not 10 December
    ("11/14/2019", "2019-11-14T00:00:00+07:00"),  # a 14th month: month first
    ("on Monday, November 18th, 2019 at 11:08 a.m.", "2019-11-18T11:08:00+07:00"),
    ("By Carrie ArnoldNovember 15, 2019", "2019-11-15T00:00:00+07:00"),  # byline glued
    ("Mai 2015", None),  # no day
    ("Thứ Năm mai 12 2024", None),  # "mai" (tomorrow) next to numbers is not May
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parse_date_in_other_languages(text: str, expected: str | None) -> None:
    dt = parse_date(text, tz=TZ, now=NOW)
    assert (dt.isoformat() if dt else None) == expected


def test_visible_date_line_on_a_page_without_metadata() -> None:
    body = "".join(
        f"<p>{p}</p>"
        for p in (
            "Die Stadt hat am Montag beschlossen, den Radverkehr im Zentrum auszubauen.",
            "Geplant sind neue Radwege, sichere Abstellanlagen und eine bessere Beleuchtung.",
        )
    )
    html = f"""<html><head><title>Radwege</title></head><body><h1>Radwege</h1>
    <div class="post-date">Veröffentlicht am 3. März 2024</div><div class="text">{body}</div>
    </body></html>"""
    a = extract_article(
        "https://stadt.example.de/a-1", html.encode(), "text/html", None, tz=TZ, now=NOW
    )
    assert a.published_at is not None and a.published_at.date().isoformat() == "2024-03-03"
    assert "Veröffentlicht" not in a.body
