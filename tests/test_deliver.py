"""Delivery through apprise to real loopback servers: SMTP (aiosmtpd) and an HTTP receiver."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from notifiers.deliver import DeliveryResult, _fold_title, default_format, limits, prepare, send
from notifiers.redact import MASK, redact_url, scrub, secrets_of
from notifiers.render import AlertContent, Rendered, TopicHit

try:
    from tests.http_receiver import HTTPReceiver
    from tests.smtp_server import SMTPReceiver, free_port
except ImportError:  # tests/ run as a plain folder
    from http_receiver import HTTPReceiver  # type: ignore[no-redef]
    from smtp_server import SMTPReceiver, free_port  # type: ignore[no-redef]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "https://cantho.gov.vn/tin-tuc/lien-ket-vung-dbscl-2024.html"
SNIPPET = "UBND TP. Cần Thơ và TP.HCM ký thỏa thuận hợp tác, đẩy mạnh liên kết vùng ĐBSCL."
PASSWORD = "Pa55-w0rd-b1-m4t"  # ASCII: HTTP basic auth (requests) takes latin-1 only
TOKEN = "tok3nAbCdEf0123456789xyz"


def content(**changes: object) -> AlertContent:
    start = SNIPPET.index("liên kết vùng")
    base: dict[str, object] = {
        "kind": "article",
        "title": "Cần Thơ và TP.HCM đẩy mạnh liên kết vùng",
        "url": URL,
        "source_name": "Cổng TTĐT TP. Cần Thơ",
        "published_at": datetime(2024, 11, 29, 3, 30, tzinfo=UTC),
        "topics": [TopicHit("Hợp tác, liên kết vùng", 7, ["liên kết vùng", "TP.HCM"])],
        "snippet": SNIPPET,
        "spans": [(start, start + len("liên kết vùng"))],
    }
    base.update(changes)
    return AlertContent(**base)  # type: ignore[arg-type]


@pytest.fixture
def smtp() -> Iterator[SMTPReceiver]:
    with SMTPReceiver() as server:
        yield server


@pytest.fixture
def hook() -> Iterator[HTTPReceiver]:
    with HTTPReceiver() as server:
        yield server


# ---------------------------------------------------------------- email


def test_email_arrives_once_with_subject_html_and_text_parts(smtp: SMTPReceiver) -> None:
    url = smtp.url(to="team@example.org")
    rendered = prepare(url, content(), TZ)
    assert rendered.body_format == "html"

    assert send(url, rendered) == DeliveryResult(True, None)

    messages = smtp.wait_for(1)
    assert len(messages) == 1
    message = messages[0]
    assert message["Subject"] == "[Hợp tác, liên kết vùng] Cần Thơ và TP.HCM đẩy mạnh liên kết vùng"
    assert smtp.envelopes[0][1] == ["team@example.org"]
    html_part = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<b>liên kết vùng</b>" in html_part
    assert f'<a href="{URL}">' in html_part
    assert "29/11/2024 10:30 (+07)" in html_part
    text_part = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert URL in text_part and "liên kết vùng" in text_part


def test_hostile_article_arrives_escaped_and_trimmed_by_email(smtp: SMTPReceiver) -> None:
    url = smtp.url()
    hostile = content(
        title="<script>alert(1)</script>" + "Tiêu đề rất dài " * 6500,  # ~100 KB
        snippet='<script>alert("x")</script> [bấm](javascript:alert(1)) liên kết vùng',
        spans=[],
        url="javascript:alert(document.cookie)",
    )
    assert send(url, prepare(url, hostile, TZ)).ok
    message = smtp.wait_for(1)[0]
    subject = str(message["Subject"])
    assert subject.startswith("[Hợp tác, liên kết vùng] <script>") and len(subject) <= 200
    html_part = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script" not in html_part and "&lt;script&gt;" in html_part
    assert not re.search(r"href=\"\s*javascript:", html_part)


def test_email_outage_fails_cleanly_then_delivers_once(smtp: SMTPReceiver) -> None:
    url = smtp.url()
    rendered = prepare(url, content(), TZ)
    smtp.stop()
    failed = send(url, rendered)
    assert not failed.ok and failed.error and "\n" not in failed.error
    smtp.start()
    assert send(url, rendered).ok
    assert len(smtp.wait_for(1)) == 1


# ---------------------------------------------------------------- chat (json://)


def test_chat_gets_one_request_with_the_markdown_alert(hook: HTTPReceiver) -> None:
    url = hook.url("json", "/alerts")
    rendered = prepare(url, content(), TZ)
    assert rendered.body_format == "markdown"
    assert send(url, rendered).ok
    requests = hook.wait_for(1)
    assert len(requests) == 1 and requests[0].path == "/alerts"
    payload = requests[0].json()
    assert payload["title"] == rendered.title
    assert payload["message"] == rendered.body
    assert "**liên kết vùng**" in payload["message"]
    assert f"]({URL})" in payload["message"]


@pytest.mark.parametrize("fmt", ["html", "markdown", "text"])
def test_hostile_text_arrives_escaped_and_trimmed_in_every_format(
    hook: HTTPReceiver, fmt: str
) -> None:
    url = hook.url("json", "/alerts")
    hostile = content(
        title="<script>alert(1)</script>" + "x" * 100_000,
        snippet="<script>alert(1)</script> [link](javascript:alert(1)) " * 2000,
        spans=[],
        url="javascript:alert(1)",
    )
    assert send(url, prepare(url, hostile, TZ, fmt)).ok  # type: ignore[arg-type]
    payload = hook.wait_for(1)[0].json()
    assert len(payload["title"]) <= 200 and payload["title"].endswith("…")
    assert len(payload["message"]) <= limits(url).body
    message = payload["message"]
    if fmt == "html":
        assert "<script" not in message and 'href="javascript:' not in message
    if fmt == "markdown":
        assert "<script" not in message and "](javascript:" not in message


def test_service_limits_are_respected() -> None:
    discord = "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js"
    assert limits(discord).body == 2000
    rendered = prepare(discord, content(snippet="liên kết vùng " * 1000, spans=[]), TZ)
    assert len(rendered.body) <= 2000 and URL in rendered.body


def test_title_folded_into_body_is_escaped() -> None:
    title, body = _fold_title(Rendered("[Hợp tác] <script>x</script>", "<p>nội dung</p>", "html"))
    assert title == "" and body.startswith("<p><b>[Hợp tác] &lt;script&gt;x&lt;/script&gt;</b></p>")
    _, md = _fold_title(Rendered("[a](javascript:x)", "nội dung", "markdown"))
    assert md.startswith("**\\[a\\]\\(javascript:x\\)**")


# ---------------------------------------------------------------- failures and secrets


def test_closed_port_fails_with_one_clean_line_and_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"json://newsmon:{PASSWORD}@127.0.0.1:{free_port()}/hook?token={TOKEN}"
    with caplog.at_level(logging.DEBUG):
        result = send(url, prepare(url, content(), TZ))
    assert not result.ok
    assert result.error and "\n" not in result.error and len(result.error) <= 300
    assert "127.0.0.1" in result.error
    for secret in (PASSWORD, TOKEN, "Pa55-w0rd"):
        assert secret not in result.error
        assert secret not in caplog.text


def test_server_error_is_reported(hook: HTTPReceiver) -> None:
    hook.fail_with = 500
    url = hook.url("json", "/hook", userinfo=f"newsmon:{TOKEN}")
    result = send(url, prepare(url, content(), TZ))
    assert not result.ok and result.error and "500" in result.error and TOKEN not in result.error
    assert len(hook.requests) == 1


def test_invalid_url_is_a_failed_delivery_not_a_crash() -> None:
    result = send(f"nosuchservice://user:{PASSWORD}@example.org", Rendered("t", "b", "text"))
    assert result == DeliveryResult(False, result.error)
    assert (
        result.error
        and result.error.startswith("invalid channel URL ")
        and PASSWORD not in result.error
    )


def test_parallel_sends_keep_their_own_results(hook: HTTPReceiver) -> None:
    """The dispatcher runs sends in threads: one dead channel must not blur another's result."""
    dead = f"json://127.0.0.1:{free_port()}/dead"
    live = hook.url("json", "/live")
    rendered = prepare(live, content(), TZ)

    async def both() -> list[DeliveryResult]:
        return list(
            await asyncio.gather(*(asyncio.to_thread(send, u, rendered) for u in [dead, live] * 3))
        )

    results = asyncio.run(both())
    assert [r.ok for r in results] == [False, True] * 3
    assert all(r.error is None for r in results[1::2])
    assert len(hook.wait_for(3)) == 3


# ---------------------------------------------------------------- formats and redaction


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mailto://127.0.0.1:2525?from=a@example.org&to=b@example.org", "html"),
        ("mailtos://user:pw@smtp.example.org?to=b@example.org", "html"),
        ("json://127.0.0.1:8080/hook", "markdown"),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "markdown"),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "markdown"),
        ("ntfy://127.0.0.1/newsmon", "text"),
        ("nosuchservice://x", "text"),
    ],
)
def test_default_format_follows_the_service(url: str, expected: str) -> None:
    assert default_format(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"json://newsmon:{PASSWORD}@127.0.0.1:8080/hook",
        f"mailtos://user:{PASSWORD}@smtp.example.org?to=team@example.org",
        f"json://127.0.0.1/hook?+Authorization=Bearer%20{TOKEN}",
        f"slack://T1JJ3T3L2/A1BRTD4JD/{TOKEN}",
        f"nosuchservice://user:{PASSWORD}@example.org/{TOKEN}?apikey=k3y-v4lue&x=1",
    ],
)
def test_redacted_urls_and_scrubbed_text_hold_no_secret(url: str) -> None:
    shown = redact_url(url)
    assert PASSWORD not in shown and TOKEN not in shown and "k3y-v4lue" not in shown
    assert MASK in shown or "..." in shown
    secrets = secrets_of(url)
    line = f"failed to reach {url} (token {TOKEN}, password {PASSWORD})"
    cleaned = scrub(line, secrets)
    assert TOKEN not in cleaned or TOKEN not in url
    assert PASSWORD not in cleaned or PASSWORD not in url


def test_secrets_of_skips_ordinary_words() -> None:
    secrets = secrets_of(f"json://127.0.0.1/hook?+Authorization=Bearer%20{TOKEN}")
    assert TOKEN in secrets and "Bearer" not in secrets
