"""Month names as news pages write them in many languages, and the date forms built on them.

"12. Oktober 2015", "12 de octubre de 2015", "12 октября 2015 г.", "October 12, 2015",
"2015. október 12.", "2015年10月12日", "2015년 10월 12일": the forms a visible date line takes
on pages from the countries newsmon's users read. Names are full or common abbreviations,
lowercase, with the genitive where a language uses it after a day (Polish, Russian, Czech,
Finnish, Greek). Only names next to a day and a year count, so "mai" or "mart" in a sentence
is never a month.
"""

from __future__ import annotations

import re
import unicodedata

_NAMES = {
    1: "january jan januar jänner janvier janv enero gennaio janeiro januari stycznia styczeń "
    "января січня ledna ianuarie január tammikuuta ιανουαρίου ocak",
    2: "february feb februar février févr fevrier febrero febbraio fevereiro februari lutego "
    "luty февраля лютого února februarie február helmikuuta φεβρουαρίου şubat",
    3: "march mar märz mär mrz mars marzo março maart maret marca marzec марта березня "
    "března martie március maaliskuuta μαρτίου mart mac",
    4: "april apr avril avr abril aprile kwietnia kwiecień апреля квітня dubna aprilie április "
    "huhtikuuta απριλίου nisan",
    5: "may mai mayo maggio maio mei maja maj мая травня května május toukokuuta μαΐου mayıs",
    6: "june jun juni juin junio giugno junho czerwca czerwiec июня червня června iunie június "
    "kesäkuuta ιουνίου haziran",
    7: "july jul juli juillet juil julio luglio julho lipca lipiec июля липня července iulie "
    "július heinäkuuta ιουλίου temmuz",
    8: "august aug août aout agosto augustus agustus ogos sierpnia sierpień августа серпня srpna "
    "augusztus elokuuta αυγούστου ağustos",
    9: "september sep sept septembre septiembre setiembre settembre setembro września wrzesień "
    "сентября вересня září septembrie szeptember syyskuuta σεπτεμβρίου eylül",
    10: "october oct oktober okt octobre octubre ottobre outubro października październik "
    "октября жовтня října octombrie október lokakuuta οκτωβρίου ekim",
    11: "november nov novembre noviembre novembro listopada listopad ноября листопада "
    "listopadu noiembrie marraskuuta νοεμβρίου kasım",
    12: "december dec dezember dez décembre déc decembre diciembre dicembre dezembro desember "
    "desember disember grudnia grudzień декабря грудня prosince decembrie joulukuuta "
    "δεκεμβρίου aralık",
}
MONTHS = {name: number for number, names in _NAMES.items() for name in names.split()}
# month before day ("October 12, 2015") is English usage only
ENGLISH = {
    name: MONTHS[name]
    for name in [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
}

_WORD = r"([^\W\d_]{3,})\.?"
# "12. Oktober 2015", "12 de octubre de 2015", "1er mai 2015", "12 октября 2015"
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?{_WORD},?\s+(?:de\s+|del\s+)?(\d{{4}})"
)
# "October 12, 2015", "Oct. 12th 2015"
_MONTH_DAY_YEAR = re.compile(rf"{_WORD}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})")
# "2015. október 12." (Hungarian)
_YEAR_MONTH_DAY = re.compile(rf"(\d{{4}})\.\s+{_WORD}\s+(\d{{1,2}})(?!\d)")
# "2015年10月12日", "2015년 10월 12일", "2015/10/12", "2015.10.12"
_YMD = re.compile(r"(\d{4})\s*(?:年|년|/|\.)\s*(\d{1,2})\s*(?:月|월|/|\.)\s*(\d{1,2})(?!\d)")


def _month(word: str, names: dict[str, int]) -> int | None:
    word = unicodedata.normalize("NFC", word.lower())
    found = names.get(word) or (names.get(word[:4]) if len(word) > 4 else None)
    if found is None and len(word) > 5:  # "ArnoldNovember": a byline glued to the date
        found = next(
            (n for name, n in names.items() if len(name) > 4 and word.endswith(name)), None
        )
    return found


def year_first(text: str) -> tuple[int, int, int, int, int] | None:
    """(year, month, day, start, end) of "2015/10/12", "2015.10.12", "2015年10月12日"."""
    m = _YMD.search(text)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), m.start(), m.end()) if m else None


def named_date(text: str) -> tuple[int, int, int, int, int] | None:
    """(year, month, day, start, end) of the first date written with a month's name, or None.
    ``text`` is lowercase."""
    found: list[tuple[int, int, int, int, int]] = []
    for rx, order, names in (
        (_DAY_MONTH_YEAR, (3, 2, 1), MONTHS),
        (_MONTH_DAY_YEAR, (3, 1, 2), ENGLISH),
    ):
        for m in rx.finditer(text):
            month = _month(m.group(order[1]), names)
            if month:
                y, d = int(m.group(order[0])), int(m.group(order[2]))
                found.append((y, month, d, m.start(), m.end()))
                break
    for m in _YEAR_MONTH_DAY.finditer(text):
        month = _month(m.group(2), MONTHS)
        if month:
            found.append((int(m.group(1)), month, int(m.group(3)), m.start(), m.end()))
            break
    return min(found, key=lambda f: f[3]) if found else None
