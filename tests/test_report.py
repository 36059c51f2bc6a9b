"""The pure parts of `report`: --since/--until parsing and the five renderers (parsed back)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from monitor.report.render import (
    Count,
    ReportArticle,
    TopicHit,
    articles_csv,
    articles_html,
    articles_json,
    articles_markdown,
    articles_table,
    counts_csv,
    counts_html,
    counts_json,
    counts_markdown,
    counts_table,
    render_articles,
    render_counts,
)
from monitor.report.spans import parse_when

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 11, 29, 3, 30, tzinfo=UTC)  # 10:30 in Hà Nội, "Thứ Sáu, 29/11/2024 - 10:30"

ARTICLES = [
    ReportArticle(
        id=42,
        url="https://cantho.gov.vn/tin-tuc/lien-ket-vung?id=1&page=2",
        title="Cần Thơ và TP.HCM ký thoả thuận liên kết vùng ĐBSCL",
        source="cantho-portal",
        published_at=datetime(2024, 11, 29, 1, 0, tzinfo=UTC),
        first_seen_at=datetime(2024, 11, 29, 1, 5, tzinfo=UTC),
        topics=(TopicHit("regional-cooperation", 7.5, ("liên kết vùng", "TP.HCM")),),
        snippet="… UBND hai thành phố ký kết chương trình liên kết vùng …",
    ),
    ReportArticle(
        id=7,
        url="javascript:alert(1)",
        title='<script>alert("x")</script> | Hợp tác "xã" & giá lúa',
        source="baocantho",
        published_at=None,
        first_seen_at=datetime(2024, 11, 28, 17, 30, tzinfo=UTC),  # 00:30 on the 29th in VN
        snippet='Dòng một,\ndòng hai; có dấu phẩy, và "ngoặc kép"',
    ),
]
COUNTS = [Count("cantho-portal", 12), Count("baocantho", 3), Count(None, 1)]
FILTERS = [("since", "2024-11-01 00:00"), ("search", 'liên kết <vùng> & "ĐBSCL"')]


# --- spans ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", NOW - timedelta(minutes=90)),
        ("36h", NOW - timedelta(hours=36)),
        ("7d", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
        ("2024-11-01", datetime(2024, 11, 1, tzinfo=VN)),
        ("2024-11-01T08:00", datetime(2024, 11, 1, 8, tzinfo=VN)),
        ("2024-11-01 08:00", datetime(2024, 11, 1, 8, tzinfo=VN)),
        ("2024-11-01T08:00:00+00:00", datetime(2024, 11, 1, 8, tzinfo=UTC)),
        ("2024-11-01T08:00Z", datetime(2024, 11, 1, 8, tzinfo=UTC)),
    ],
)
def test_since_forms(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, tz=VN) == expected


def test_until_a_date_includes_the_whole_day() -> None:
    end = parse_when("2024-11-30", now=NOW, tz=VN, end=True)
    assert end == datetime(2024, 12, 1, tzinfo=VN)
    assert parse_when("2024-11-30T12:00", now=NOW, tz=VN, end=True).hour == 12


@pytest.mark.parametrize("text", ["3x", "yesterday", "2024-13-01", "7 ngày", ""])
def test_bad_spans_say_what_to_type(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a (valid )?date"):
        parse_when(text, now=NOW, tz=VN)


# --- renderers --------------------------------------------------------------------------------


def test_json_has_the_spec_shape_with_offsets() -> None:
    data = json.loads(articles_json(ARTICLES, 10, VN))
    assert data["total"] == 10
    first = data["articles"][0]
    assert set(first) >= {
        "id", "url", "title", "source", "published_at", "first_seen_at", "topics", "snippet",
    }  # fmt: skip
    assert first["published_at"] == "2024-11-29T08:00:00+07:00"
    assert first["first_seen_at"] == "2024-11-29T08:05:00+07:00"
    assert first["topics"] == [
        {"id": "regional-cooperation", "score": 7.5, "terms": ["liên kết vùng", "TP.HCM"]}
    ]
    assert first["title"] == ARTICLES[0].title  # not \u-escaped, NFC kept
    assert data["articles"][1]["published_at"] is None
    assert json.loads(counts_json(COUNTS)) == {
        "counts": [
            {"key": "cantho-portal", "articles": 12},
            {"key": "baocantho", "articles": 3},
            {"key": None, "articles": 1},
        ]
    }


def test_csv_has_a_bom_and_parses_back() -> None:
    text = articles_csv(ARTICLES, VN)
    raw = text.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["42", "7"]
    assert rows[0]["title"] == ARTICLES[0].title
    assert rows[0]["topics"] == "regional-cooperation (7.5)"
    assert rows[0]["terms"] == "liên kết vùng, TP.HCM"
    assert rows[1]["snippet"] == ARTICLES[1].snippet  # newline, commas and quotes survive
    assert rows[1]["first_seen_at"] == "2024-11-29T00:30:00+07:00"
    counts = list(csv.reader(io.StringIO(counts_csv(COUNTS, "source").lstrip("\ufeff"))))
    assert counts == [
        ["source", "articles"],
        ["cantho-portal", "12"],
        ["baocantho", "3"],
        ["", "1"],
    ]


class _Page(HTMLParser):
    """Collects links, cell texts, script tags and the filter list of the exported page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.cells: list[str] = []
        self.scripts = 0
        self.dd: list[str] = []
        self._in: str | None = None
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs)["href"] or "")
        if tag == "script":
            self.scripts += 1
        if tag in ("td", "dd", "title"):
            self._in = tag
            if tag == "td":
                self.cells.append("")
            if tag == "dd":
                self.dd.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "dd", "title"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "td":
            self.cells[-1] += data
        elif self._in == "dd":
            self.dd[-1] += data
        elif self._in == "title":
            self.title += data


def test_html_is_one_escaped_page_with_links_and_filters() -> None:
    page = articles_html(ARTICLES, 2, VN, FILTERS)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<link" not in page and "src=" not in page  # self-contained
    parsed = _Page()
    parsed.feed(page)
    assert parsed.scripts == 0  # the title's <script> is text, not a tag
    assert parsed.links == [ARTICLES[0].url]  # a javascript: URL is never a link
    assert ARTICLES[1].title in " ".join(parsed.cells)
    assert "Cần Thơ và TP.HCM ký thoả thuận liên kết vùng ĐBSCL" in parsed.cells[2]
    assert parsed.dd == ["2024-11-01 00:00", 'liên kết <vùng> & "ĐBSCL"']
    assert parsed.title == "newsmon report"
    counts = _Page()
    counts.feed(counts_html(COUNTS, "source", FILTERS))
    assert counts.cells == ["cantho-portal", "12", "baocantho", "3", "(no topic)", "1"]


def test_markdown_escapes_cells() -> None:
    text = articles_markdown(ARTICLES, 2, VN, FILTERS)
    rows = [line for line in text.splitlines() if line.startswith("| 2024")]
    assert len(rows) == 2
    # every row keeps exactly five cells although the title holds a pipe and a newline
    assert all(len(re.split(r"(?<!\\)\|", line)) == 7 for line in rows)
    assert "\\<script\\>" in rows[1]
    assert "](<https://cantho.gov.vn/tin-tuc/lien-ket-vung?id=1&page=2>)" in rows[0]
    assert "2 of 2 articles." in text
    assert "| cantho-portal | 12 |" in counts_markdown(COUNTS, "source")


def _plain(table: object, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(table)
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [60, 100, 160])
def test_table_fits_the_terminal_and_keeps_vietnamese_whole(width: int) -> None:
    text = _plain(articles_table(ARTICLES, 9, VN, FILTERS), width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert "2 of 9 articles" in text
    words = " ".join(line.strip("│ ") for line in text.splitlines())
    for word in ("Cần", "Thơ", "thoả", "thuận", "ĐBSCL"):
        assert word in words  # wrapped between words, never inside a composed character
    assert "2024-11-29 08:00" in text and "2024-11-29 00:30" in text  # local times


def test_counts_table_has_a_total() -> None:
    text = _plain(counts_table(COUNTS, "source"), 80)
    assert "cantho-portal" in text and "(no topic)" in text
    assert "total" in text and "16" in text


def test_dispatch_covers_every_format() -> None:
    for fmt in ("json", "csv", "markdown", "html"):
        assert isinstance(render_articles(fmt, ARTICLES, 2, VN), str)
        assert isinstance(render_counts(fmt, COUNTS, "day"), str)
    assert not isinstance(render_articles("table", ARTICLES, 2, VN), str)
    assert date.fromisoformat("2024-11-29")  # the day keys are ISO dates
