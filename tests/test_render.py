"""Rendering alerts: what a reader sees in each format, and that hostile page text stays inert."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apprise import NotifyFormat
from apprise.conversion import convert_between
from hypothesis import given, settings
from hypothesis import strategies as st

from notifiers.render import (
    ELLIPSIS,
    FORMATS,
    AlertContent,
    TopicHit,
    escape_markdown,
    format_time,
    render,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PUBLISHED = datetime(2024, 11, 29, 3, 30, tzinfo=UTC)  # Thứ Sáu, 29/11/2024 - 10:30
TOPIC = TopicHit("Hợp tác, liên kết vùng", 7.0, ["liên kết vùng", "TP.HCM"])
SNIPPET = (
    "Sáng 29/11, UBND TP. Cần Thơ và UBND TP.HCM ký thỏa thuận hợp tác giai đoạn 2025-2030, "
    "đẩy mạnh liên kết vùng ĐBSCL về giao thông và logistics."
)
OUR_TAGS = {"p", "br", "b", "strong", "blockquote", "a", "pre", "code", "h3", "ul", "li"}
HOSTILE = (
    '<script>alert("x")</script> [bấm vào đây](javascript:alert(1)) <img src=x onerror=alert(2)>'
)


def spans_of(text: str, *terms: str) -> list[tuple[int, int]]:
    return sorted((m.start(), m.end()) for t in terms for m in re.finditer(re.escape(t), text))


def article(**changes: object) -> AlertContent:
    base: dict[str, object] = {
        "kind": "article",
        "title": "Cần Thơ và TP.HCM ký kết liên kết vùng",
        "url": "https://cantho.gov.vn/tin-tuc/can-tho-tphcm-lien-ket-vung-123.html",
        "source_name": "Cổng TTĐT TP. Cần Thơ",
        "published_at": PUBLISHED,
        "topics": [TOPIC],
        "snippet": SNIPPET,
        "spans": spans_of(SNIPPET, "liên kết vùng", "TP.HCM"),
    }
    base.update(changes)
    return AlertContent(**base)  # type: ignore[arg-type]


def as_html(body: str, fmt: str) -> str:
    """What an HTML client ends up with: apprise converts markdown and text bodies for such services."""
    if fmt == "html":
        return body
    return convert_between(NotifyFormat(fmt), NotifyFormat.HTML, body)


def test_title_names_the_topic_then_the_article() -> None:
    assert (
        render(article(), "html", TZ).title
        == "[Hợp tác, liên kết vùng] Cần Thơ và TP.HCM ký kết liên kết vùng"
    )


def test_title_takes_the_best_scoring_topic() -> None:
    content = article(topics=[TopicHit("Nông nghiệp", 2, ["lúa"]), TOPIC])
    assert render(content, "text", TZ).title.startswith("[Hợp tác, liên kết vùng] ")


@pytest.mark.parametrize("fmt", FORMATS)
def test_body_has_source_local_time_topics_terms_and_link(fmt: str) -> None:
    body = render(article(), fmt, TZ).body  # type: ignore[arg-type]
    assert "Cổng TTĐT TP. Cần Thơ" in body
    assert "29/11/2024 10:30" in body and "+07" in body
    assert "Hợp tác, liên kết vùng" in body
    assert "https://cantho.gov.vn/tin-tuc/can-tho-tphcm-lien-ket-vung-123.html" in body
    assert "thỏa thuận hợp tác" in body


def test_time_is_shown_in_the_configured_zone() -> None:
    assert format_time(PUBLISHED, TZ) == "29/11/2024 10:30 (+07)"
    assert format_time(PUBLISHED, ZoneInfo("Asia/Kolkata")) == "29/11/2024 09:00 (+05:30)"
    assert format_time(None, TZ) == "unknown"


def test_matched_terms_are_highlighted_per_format() -> None:
    assert "<b>liên kết vùng</b>" in render(article(), "html", TZ).body
    assert "<b>TP.HCM</b>" in render(article(), "html", TZ).body
    assert "**liên kết vùng**" in render(article(), "markdown", TZ).body
    text = render(article(), "text", TZ).body
    assert "đẩy mạnh liên kết vùng ĐBSCL" in text and "**" not in text and "<b>" not in text


def test_markdown_highlight_and_link_survive_apprise_conversion() -> None:
    converted = as_html(render(article(), "markdown", TZ).body, "markdown")
    assert "<strong>liên kết vùng</strong>" in converted
    assert 'href="https://cantho.gov.vn/tin-tuc/can-tho-tphcm-lien-ket-vung-123.html"' in converted
    assert "TP.HCM" in converted  # escaping leaves no visible backslashes in ordinary text
    assert "\\" not in re.sub(r"<[^>]+>", "", converted)


def test_nfd_text_and_old_tone_marks_pass_through_unchanged() -> None:
    snippet = unicodedata.normalize("NFD", "Tỉnh uỷ và UBND thoả thuận hoà giải, liên kết vùng")
    content = article(
        snippet=snippet, spans=spans_of(snippet, unicodedata.normalize("NFD", "liên kết vùng"))
    )
    body = render(content, "html", TZ).body
    assert f"<b>{unicodedata.normalize('NFD', 'liên kết vùng')}</b>" in body
    assert unicodedata.normalize("NFD", "uỷ") in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_page_text_is_inert(fmt: str) -> None:
    content = article(
        title=f"Tin mới {HOSTILE}",
        source_name="Cổng <b>giả</b> & [nguồn](javascript:alert(3))",
        snippet=f"liên kết vùng {HOSTILE}",
        spans=[(0, 13)],
        url="javascript:alert(document.cookie)",
    )
    rendered = render(content, fmt, TZ)  # type: ignore[arg-type]
    assert "\n" not in rendered.title and "<script>" in rendered.title  # plain text: shown as typed
    if fmt == "text":
        assert HOSTILE in rendered.body  # plain text shows it as typed; apprise escapes it for HTML
    page = as_html(rendered.body, fmt)
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", page, re.I)
    assert "<b>giả</b>" not in page
    assert "javascript:alert(document.cookie)" in re.sub(r"\\", "", page)  # still readable, as text
    assert "&lt;script&gt;" in page


def test_markdown_escapes_control_characters() -> None:
    raw = "*đậm* _nghiêng_ `mã` [liên kết](http://x.vn) # tiêu đề | bảng ~gạch~ <b> &amp;"
    converted = as_html(f"{escape_markdown(raw)}", "markdown")
    assert "<em>" not in converted and "<strong>" not in converted and "<code>" not in converted
    assert "<a " not in converted and "<h1>" not in converted and "<b>" not in converted
    assert (
        re.sub(r"<[^>]+>", "", converted)
        .strip()
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        == raw
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_huge_title_and_body_are_trimmed(fmt: str) -> None:
    big = "Liên kết vùng ĐBSCL " * 5000  # 100 KB
    content = article(title=big, snippet=big, spans=[(0, 13)])
    rendered = render(content, fmt, TZ, max_title=250, max_body=2000)  # type: ignore[arg-type]
    assert len(rendered.title) <= 200 and rendered.title.endswith(ELLIPSIS)
    assert len(rendered.body) <= 2000
    assert "https://cantho.gov.vn/tin-tuc/can-tho-tphcm-lien-ket-vung-123.html" in rendered.body
    assert "Liên kết vùng ĐBSCL" in rendered.body and ELLIPSIS in rendered.body


@pytest.mark.parametrize("fmt", FORMATS)
def test_escaping_cannot_push_the_body_over_the_limit(fmt: str) -> None:
    content = article(snippet='<>&"' * 20000, spans=[])
    body = render(content, fmt, TZ, max_body=1000).body  # type: ignore[arg-type]
    assert len(body) <= 1000
    assert not re.search(r"&[#A-Za-z0-9]*…", body)  # never half an entity


def test_update_shows_what_changed() -> None:
    diff = "- Thời gian: 09:00\n+ Thời gian: 10:30\n+ ```<script>```"
    content = article(kind="update", diff=diff)
    assert render(content, "text", TZ).title.startswith("[Hợp tác, liên kết vùng] Updated: ")
    html_body = render(content, "html", TZ).body
    assert "<pre>- Thời gian: 09:00\n+ Thời gian: 10:30\n+ ```&lt;script&gt;```</pre>" in html_body
    md = render(content, "markdown", TZ).body
    assert "````\n- Thời gian: 09:00" in md  # fence longer than any backtick run in the diff
    assert "<script" not in as_html(md, "markdown")


@pytest.mark.parametrize("fmt", FORMATS)
def test_health_and_recovery(fmt: str) -> None:
    failing = AlertContent(
        kind="health",
        source_name="Cổng TTĐT TP. Cần Thơ",
        url="https://cantho.gov.vn/",
        published_at=PUBLISHED,
        error="HTTP 503 <html>bảo trì</html>",
    )
    rendered = render(failing, fmt, TZ)  # type: ignore[arg-type]
    assert rendered.title == "[newsmon] Source failing: Cổng TTĐT TP. Cần Thơ"
    assert "HTTP 503" in rendered.body and "https://cantho.gov.vn/" in rendered.body
    assert "<html>" not in as_html(rendered.body, fmt)
    recovered = render(AlertContent(kind="recovered", source_name="Cổng TTĐT TP. Cần Thơ"), fmt, TZ)  # type: ignore[arg-type]
    assert recovered.title == "[newsmon] Source recovered: Cổng TTĐT TP. Cần Thơ"


@pytest.mark.parametrize("fmt", FORMATS)
def test_layout_change(fmt: str) -> None:
    layout = AlertContent(
        kind="layout",
        source_name="Sở KH&ĐT Cần Thơ",
        url="https://sokhdt.cantho.gov.vn/",
        published_at=PUBLISHED,
        error="source changed its layout: check its selectors (<b>0 items</b>)",
    )
    rendered = render(layout, fmt, TZ)  # type: ignore[arg-type]
    assert rendered.title == "[newsmon] Source layout changed: Sở KH&ĐT Cần Thơ"
    assert "check its selectors" in rendered.body
    assert "<b>0 items</b>" not in as_html(rendered.body, fmt)


def _digest(n: int) -> AlertContent:
    entries = []
    for i in range(n):
        topic = TOPIC if i % 2 == 0 else TopicHit("Nông nghiệp", 3, ["lúa gạo"])
        entries.append(
            article(
                title=f"Bài {i}: hợp tác <b>{i}</b>",
                url=f"https://cantho.gov.vn/tin/{i}",
                topics=[topic],
                published_at=PUBLISHED + timedelta(minutes=i),
            )
        )
    return AlertContent(kind="digest", entries=entries)


@pytest.mark.parametrize("fmt", FORMATS)
def test_digest_groups_articles_by_topic(fmt: str) -> None:
    rendered = render(_digest(4), fmt, TZ)  # type: ignore[arg-type]
    assert rendered.title == "[newsmon] Digest: 4 new article(s)"
    body = rendered.body
    assert body.index("Hợp tác, liên kết vùng") < body.index("Bài 0") < body.index("Bài 2")
    assert body.index("Nông nghiệp") < body.index("Bài 1") < body.index("Bài 3")
    assert "https://cantho.gov.vn/tin/3" in body
    assert "<b>0</b>" not in as_html(body, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_long_digest_keeps_whole_entries_and_says_how_many_are_left(fmt: str) -> None:
    body = render(_digest(200), fmt, TZ, max_body=3000).body  # type: ignore[arg-type]
    assert len(body) <= 3000
    shown = len(set(re.findall(r"cantho\.gov\.vn/tin/(\d+)\b", body)))
    assert 0 < shown < 200
    assert f"…and {200 - shown} more article(s)" in body.replace("\\", "")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render(article(), "pdf", TZ)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    snippet=st.text(max_size=400),
    title=st.text(max_size=300),
    spans=st.lists(st.tuples(st.integers(-5, 450), st.integers(-5, 450)), max_size=6),
    fmt=st.sampled_from(FORMATS),
    max_body=st.integers(300, 3000),
)
def test_any_text_renders_within_limits_and_inert(
    snippet: str, title: str, spans: list[tuple[int, int]], fmt: str, max_body: int
) -> None:
    rendered = render(
        article(snippet=snippet, title=title, spans=spans), fmt, TZ, max_body=max_body
    )  # type: ignore[arg-type]
    assert len(rendered.body) <= max_body
    assert len(rendered.title) <= 200 and "\n" not in rendered.title
    if fmt != "text":  # only the markup we wrote, nothing the page text brought in
        tags = set(re.findall(r"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)", as_html(rendered.body, fmt)))
        assert tags <= OUR_TAGS, tags
