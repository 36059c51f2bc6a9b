"""Nothing leaks, nothing runs: secrets stay out of every output, page text stays inert.

A full flow runs as a user would, every command with -v (poll and notify-test with -vv):
check, poll (alerts to loopback json:// channels carrying a password, a token and a header
secret, and to a dead channel), sources, report in every format, show, alerts, notify-test.
Every stdout and stderr is searched for the secrets (raw and %-encoded): none may appear.
The hostile page text arrives escaped in every alert format and in the HTML report.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from monitor.errors import FetchError
from monitor.fetch.netguard import AddressGuard
from tests.http_receiver import HTTPReceiver, free_port
from tests.loopback import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Pw-9f8e7d6c5b4a"
TOKEN = "Tk-1a2b3c4d5e6f7a"
HEADER_SECRET = "Hd-0a9b8c7d6e5f"
SOURCE_AUTH = "Src-5e4d3c2b1a0f"  # a source's Authorization header
SECRETS = [PASSWORD, TOKEN, HEADER_SECRET, SOURCE_AUTH]
ENV = {
    "NEWSMON_TEST_PASS": PASSWORD,
    "NEWSMON_TEST_TOKEN": TOKEN,
    "NEWSMON_TEST_HEADER": HEADER_SECRET,
    "NEWSMON_TEST_SOURCE_AUTH": SOURCE_AUTH,
}
SCRIPT = '<script>alert("xss")</script>'
IMG = "<img src=x onerror=alert(2)>"
MD_LINK = "[bấm vào](javascript:alert(1))"
HOSTILE_TITLE = f"Liên kết vùng ĐBSCL {SCRIPT} {MD_LINK} **đậm** <b>in</b>"


def esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def article_page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>{esc(title)}</title>"
        f"</head><body><h1>{esc(title)}</h1><p class='ngay'>29/11/2024 10:30</p>"
        f"<div class='noi-dung'>{body}</div></body></html>"
    )


PARAGRAPHS = [
    f"UBND TP. Cần Thơ và TP.HCM thống nhất đẩy mạnh liên kết vùng ĐBSCL. {IMG}",
    f"Phóng viên ghi nhận {SCRIPT} trong văn bản thoả thuận; xem {MD_LINK}.",
    "# Tiêu đề giả\n- mục giả | bảng | ~gạch~ `mã` &amp; &lt;",
]
BIG = ["Liên kết vùng ĐBSCL, hoà hợp và uỷ thác. " * 40] * 60  # ~100 KB of text


@dataclass
class Output:
    command: str
    returncode: int
    text: str  # stdout + stderr
    seconds: float = 0.0


@dataclass
class Flow:
    outputs: list[Output]
    received: list[dict]  # json:// payloads, with the receiver path
    headers: list[dict[str, str]]


def run(config: Path, db: str, *args: str) -> Output:
    started = time.monotonic()
    env = {**os.environ, **ENV}
    env = {k: v for k, v in env.items() if not k.upper().endswith("_PROXY")}
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "--db", db, *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )  # fmt: skip
    took = time.monotonic() - started
    return Output(" ".join(args), proc.returncode, proc.stdout + proc.stderr, took)


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    tmp = tmp_path_factory.mktemp("security")
    with LoopbackServer() as site, HTTPReceiver() as hook:
        listing = "".join(
            f'<li class="tin"><a href="/bao/{p}">tin</a></li>'
            for p in ("lien-ket-vung-3001.html", "ban-tin-dai-3002.html")
        )
        site.add_page("/bao/", f"<html><body><ul>{listing}</ul></body></html>")
        site.add_page("/bao/lien-ket-vung-3001.html", article_page(HOSTILE_TITLE, PARAGRAPHS))
        site.add_page("/bao/ban-tin-dai-3002.html", article_page("Bản tin liên kết vùng dài", BIG))
        secret_q = "token=${NEWSMON_TEST_TOKEN}&+X-Api-Key=${NEWSMON_TEST_HEADER}"
        userinfo = "newsmon:${NEWSMON_TEST_PASS}"
        channels = [
            {"id": f"chat-{fmt}", "url": f"{hook.url('json', f'/hook/{fmt}', userinfo)}?{secret_q}",
             "format": fmt, "health": True}
            for fmt in ("html", "markdown", "text")
        ]  # fmt: skip
        dead = f"json://{userinfo}@127.0.0.1:{free_port()}/dead?{secret_q}&cto=1&rto=1"
        channels.append({"id": "dead", "url": dead})
        config = {
            "settings": {"per_host_delay": "0s", "timeout": "2s", "alert_on_first_poll": True},
            "topics": [{"id": "vung", "name": "Liên kết vùng", "terms": {"liên kết vùng": 3},
                        "min_score": 3}],
            "channels": channels,
            "sources": [{
                "id": "bao", "name": "Báo <i>thử</i>", "url": site.url("/bao/"), "type": "html",
                "items": {"selector": "li.tin"},
                "article": {"title": "h1", "body": ".noi-dung", "date": ".ngay"},
                "headers": {"Authorization": "Bearer ${NEWSMON_TEST_SOURCE_AUTH}"},
            }],
        }  # fmt: skip
        path = tmp / "sources.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        db = f"sqlite:///{tmp / 'n.db'}"
        outputs = [run(path, db, "-v", "check"), run(path, db, "-vv", "poll", "--json")]
        article = site.url("/bao/lien-ket-vung-3001.html")
        readers = [
            ["sources"], ["sources", "--json"], ["alerts", "--status", "failed"],
            ["alerts", "--json"], ["report", "--all"], ["report", "--all", "--format", "json"],
            ["report", "--all", "--format", "html"], ["show", article, "--json"],
            ["-vv", "notify-test"], ["notify-test", "dead"], ["try", "bao", "--json"],
        ]  # fmt: skip
        with ThreadPoolExecutor(max_workers=4) as pool:  # they only read what poll stored
            outputs += pool.map(
                lambda args: run(path, db, *(args if args[0] == "-vv" else ["-v", *args])),
                readers,
            )
        received = [{"path": r.path, **r.json()} for r in hook.requests]
        headers = [r.headers for r in hook.requests]
        assert site.requests_to("/bao/"), "the site was polled"
        assert all(
            r.headers.get("authorization") == f"Bearer {SOURCE_AUTH}"
            for r in site.requests
            if r.path.startswith("/bao")
        ), "the source's header is sent to its own site"
    return Flow(outputs, received, headers)


def by(flow: Flow, command: str) -> Output:
    return next(o for o in flow.outputs if o.command.endswith(command))


def test_the_flow_ran_and_delivered(flow: Flow) -> None:
    poll = _json_of(by(flow, "poll --json").text)
    assert poll["new"] == 2 and poll["alerts_sent"] >= 6 and poll["alerts_failed"] >= 1
    assert by(flow, "-v check").returncode == 0
    assert by(flow, "notify-test dead").returncode == 1
    paths = {r["path"].split("?")[0] for r in flow.received}
    assert paths == {"/hook/html", "/hook/markdown", "/hook/text"}
    assert all(h.get("X-Api-Key") == HEADER_SECRET for h in flow.headers), (
        "the header reached the hook"
    )


def _json_of(text: str) -> dict:
    """The JSON document in an output that also holds log lines (stderr comes after)."""
    start = text.index("{")
    depth = 0
    for i, ch in enumerate(text[start:], start):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0:
            return json.loads(text[start : i + 1])
    raise AssertionError(text)


@pytest.mark.parametrize("secret", SECRETS)
def test_no_secret_in_any_output(flow: Flow, secret: str) -> None:
    forms = {secret, quote(secret, safe=""), quote(f"Bearer {secret}")}
    for output in flow.outputs:
        for form in forms:
            assert form not in output.text, f"`newsmon {output.command}` printed a secret"


def test_outputs_are_not_empty(flow: Flow) -> None:
    """The grep above means something only if the commands said something."""
    for output in flow.outputs:
        assert output.text.strip(), output.command
    dead = by(flow, "notify-test dead").text
    assert ("dead" in dead and "***" in dead) or "refused" in dead


def _message(flow: Flow, fmt: str) -> str:
    texts = [
        r["message"]
        for r in flow.received
        if r["path"].startswith(f"/hook/{fmt}") and "3001" in r["message"]
    ]
    assert texts, f"no article alert reached the {fmt} channel"
    return texts[0]


def test_html_alert_is_escaped(flow: Flow) -> None:
    body = _message(flow, "html")
    assert "<script" not in body.lower() and "<img" not in body.lower() and "<i>" not in body
    assert "&lt;script&gt;" in body
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", body, re.I)


def test_markdown_alert_is_escaped(flow: Flow) -> None:
    body = _message(flow, "markdown")
    assert "<script" not in body.lower() and "<img" not in body.lower()
    assert "](javascript:" not in body, "no markdown link to javascript:"
    assert "\\*\\*đậm\\*\\*" in body or "**đậm**" not in body


def test_text_alert_shows_text_as_typed(flow: Flow) -> None:
    body = _message(flow, "text")
    assert "liên kết vùng" in body.lower()


def test_every_alert_title_is_one_line(flow: Flow) -> None:
    for payload in flow.received:
        assert "\n" not in payload["title"] and len(payload["title"]) <= 250


def test_big_article_alert_is_trimmed(flow: Flow) -> None:
    bodies = [r["message"] for r in flow.received if "3002" in r["message"]]
    assert bodies
    assert all(len(b) < 20_000 for b in bodies), [len(b) for b in bodies]


def test_html_report_is_escaped(flow: Flow) -> None:
    page = by(flow, "report --all --format html").text
    assert "&lt;script&gt;" in page
    assert SCRIPT not in page and IMG not in page and "<i>thử</i>" not in page
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", page, re.I)


# -- links on pages never reach private addresses (the fetcher's gate; no traffic sent) -------
@pytest.mark.parametrize(
    "link,source,allowed",
    [
        ("10.11.12.13", "127.0.0.1", False),  # a loopback test site grants loopback only
        ("192.168.1.20", "127.0.0.1", False),
        ("169.254.169.254", "127.0.0.1", False),  # the cloud metadata service
        ("169.254.169.254", "10.0.0.5", False),  # … not even for an intranet source
        ("::ffff:10.0.0.1", "127.0.0.1", False),  # IPv4 mapped into IPv6
        ("fe80::1", "127.0.0.1", False),
        ("127.0.0.5", "127.0.0.1", True),
        ("192.168.1.20", "10.0.0.5", True),  # an intranet portal links to its intranet
        ("10.0.0.6", None, False),
    ],
)
def test_address_guard(link: str, source: str | None, allowed: bool) -> None:
    async def check() -> bool:
        try:
            await AddressGuard().check_discovered(
                "http", link, allow_private=False, source_host=source
            )
        except FetchError as exc:
            assert str(exc) == "private address not allowed"
            return False
        return True

    assert asyncio.run(check()) is allowed
