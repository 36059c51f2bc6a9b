"""The web view over HTTP (Starlette's TestClient), on SQLite and PostgreSQL: every route,
filters and pages, escaping of hostile text, the Atom feed read back by feedparser, the API
equal to `report --format json`, metrics, labels with and without the token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from monitor.cli import main
from monitor.config.models import load_config
from monitor.web.app import create_app
from monitor.web.context import WebContext
from tests.web_seed import CONFIG, TOKEN, seed

pytest_plugins = ["tests.conftest_db"]

NOW = datetime.now(UTC).replace(microsecond=0)


class Site:
    def __init__(self, client: TestClient, ids: dict[str, int], base: list[str]) -> None:
        self.client, self.ids, self.base = client, ids, base


@pytest.fixture
def site(engine: Engine, db_url: str, tmp_path: Path) -> Iterator[Site]:
    config_path, ids = seed(engine, tmp_path, NOW, extra=60)
    ctx = WebContext(load_config(config_path), db_url, engine, now=lambda: NOW)
    with TestClient(create_app(ctx), base_url="http://127.0.0.1:8000") as client:
        yield Site(client, ids, ["--config", str(config_path), "--db", db_url])


def ids_on(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="story">\s*<a href="/articles/(\d+)"', html)]


def test_index_lists_matched_newest_first_with_paging(site: Site) -> None:
    r = site.client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src" not in r.headers["content-security-policy"]  # no script at all
    shown = ids_on(r.text)
    assert shown[:4] == [site.ids[k] for k in ("coop", "rice", "both", "hostile")]
    assert site.ids["plain"] not in shown  # matched no topic
    assert len(shown) == 50 and "64 bài" in r.text and 'rel="next"' in r.text
    second = site.client.get("/?page=2")
    assert len(ids_on(second.text)) == 14 and 'rel="prev"' in second.text
    assert not set(ids_on(second.text)) & set(shown)
    assert site.client.get("/?page=x").status_code == 400


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("topic=agriculture", ["rice", "both"]),
        ("source=cantho-portal", ["coop"]),
        ("since=7d", ["coop", "rice"]),
        ("q=c%E1%BB%9D+%C4%91%E1%BB%8F", ["rice"]),  # "cờ đỏ"
        ("q=co+do", ["rice"]),  # without diacritics, as report --search
        ("since=7d&all=1", ["coop", "plain", "rice"]),
    ],
)
def test_index_filters(site: Site, query: str, keys: list[str]) -> None:
    r = site.client.get(f"/?{query}")
    assert r.status_code == 200
    assert ids_on(r.text) == [site.ids[k] for k in keys]


def test_bad_filters_are_400_pages_with_the_message_escaped(site: Site) -> None:
    r = site.client.get("/?topic=<b>nope</b>")
    assert r.status_code == 400 and "&lt;b&gt;nope&lt;/b&gt;" in r.text and "<b>nope" not in r.text
    assert site.client.get("/?since=yesterday-ish").status_code == 400


def test_hostile_title_and_link_are_inert(site: Site) -> None:
    for path in ("/", f"/articles/{site.ids['hostile']}", "/alerts"):
        html = site.client.get(path).text
        assert "<script>" not in html and "<img src=x" not in html
        assert "javascript:" not in html.replace("javascript:alert(1)</span>", "")
        assert 'href="javascript' not in html
    page = site.client.get(f"/articles/{site.ids['hostile']}").text
    assert "&lt;script&gt;" in page and "Nội dung &lt;b&gt;đậm&lt;/b&gt; &amp;" in page
    assert '<span class="dim">javascript:alert(1)</span>' in page  # shown as text, no link


def test_article_page_why_highlights_revisions_alerts(site: Site) -> None:
    r = site.client.get(f"/articles/{site.ids['coop']}")
    assert r.status_code == 200
    html = r.text
    assert "<mark>liên kết vùng</mark>" in html  # in the title and the body
    assert html.count("<mark>") >= 2
    assert "liên kết vùng ×2" in html and "Hợp tác, liên kết vùng" in html  # stored why
    assert 'id="fresh"' in html  # scored again with the current topics
    assert '<span class="add">+' in html and '<span class="del">-' in html  # the diff
    assert "team-email" in html and "sent" in html
    assert 'href="https://cantho.gov.vn/tin/coop"' in html
    assert "Cần Thơ" in html  # UTF-8 as is
    assert site.client.get("/articles/999999").status_code == 404
    assert site.client.get("/articles/abc").status_code == 404


def test_sources_failing_first_and_alerts(site: Site) -> None:
    html = site.client.get("/sources").text
    order = [html.index(s) for s in ("baocantho", "cantho-portal", "vinhlong")]
    assert order[0] < order[1]  # failing first
    assert "LỖI ×1" in html and "HTTP 503" in html
    alerts = site.client.get("/alerts").text
    assert "team-email" in alerts and "sent" in alerts
    assert "team-email" in site.client.get("/alerts?status=sent").text
    assert "team-email" not in site.client.get("/alerts?status=failed").text
    assert site.client.get("/alerts?status=bogus").status_code == 400


def test_healthz(site: Site) -> None:
    r = site.client.get("/healthz")
    assert r.status_code == 200 and r.text == "ok"


def test_atom_feed_is_valid(site: Site) -> None:
    r = site.client.get("/feeds/regional-cooperation.atom")
    assert r.status_code == 200 and "atom" in r.headers["content-type"]
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and "liên kết vùng" in feed.feed.title
    assert len(feed.entries) == 50
    assert feed.entries[0].title == "Cần Thơ và Vĩnh Long ký thoả thuận liên kết vùng"
    assert feed.entries[0].link == "https://cantho.gov.vn/tin/coop"
    hostile = next(e for e in feed.entries if "Liên kết vùng" in e.title and "<" in e.title)
    assert hostile.link.startswith("http://127.0.0.1:8000/articles/")  # not javascript:
    assert site.client.get("/feeds/nope.atom").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "",
        "topic=agriculture",
        "source=vinhlong&since=30d",
        "q=gia+lua",
        "all=1&since=7d",
        "limit=5",
    ],
)
def test_api_equals_report_json(site: Site, query: str, capsys: pytest.CaptureFixture[str]) -> None:
    opts: list[str] = []
    for part in filter(None, query.split("&")):
        name, _, value = part.partition("=")
        value = value.replace("+", " ")
        opts += {"all": ["--all"], "q": ["--search", value]}.get(name, [f"--{name}", value])
    if "limit=" not in query:
        opts += ["--limit", "100"]
    api = site.client.get(f"/api/articles?{query}")
    assert api.status_code == 200 and api.headers["content-type"].startswith("application/json")
    code = main([*site.base, "report", "--format", "json", *opts])
    out = capsys.readouterr().out
    assert code == 0
    assert api.json() == json.loads(out)
    assert site.client.get("/api/articles?limit=0").status_code == 400


def test_metrics(site: Site) -> None:
    r = site.client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert "newsmon_articles_stored 65.0" in text
    assert 'newsmon_matches{topic="agriculture"} 2.0' in text
    assert 'newsmon_alerts{status="sent"} 1.0' in text
    assert "newsmon_sources_failing 1.0" in text
    assert 'newsmon_polls_total{outcome="ok"} 1.0' in text
    assert 'newsmon_polls_total{outcome="failed"} 1.0' in text
    assert 'newsmon_fetch_latency_seconds_bucket{le="1"} 1.0' in text
    assert 'newsmon_fetch_latency_seconds_bucket{le="+Inf"} 2.0' in text
    assert 'newsmon_source_last_success_age_seconds{source="cantho-portal"} 300.0' in text
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1].isalpha()}
    assert all(n.startswith("newsmon_") for n in names)


def show_labels(site: Site, key: str, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main([*site.base, "show", "--json", str(site.ids[key])]) == 0
    return json.loads(capsys.readouterr().out)["labels"]


def test_label_needs_the_token(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"/articles/{site.ids['coop']}/labels"
    form = {"topic": "regional-cooperation", "verdict": "yes"}
    assert site.client.post(url, data=form).status_code == 403
    bad = site.client.post(url, data=form, headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 403 and TOKEN not in bad.text
    assert show_labels(site, "coop", capsys) == []
    ok = site.client.post(url, data=form, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json()["verdict"] == "yes"
    labels = show_labels(site, "coop", capsys)
    assert [(lb["topic"], lb["verdict"]) for lb in labels] == [("regional-cooperation", "yes")]
    bad_form = {"topic": "nope", "verdict": "maybe"}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert site.client.post(url, data=bad_form, headers=auth).status_code == 400
    assert site.client.post("/articles/999999/labels", data=form, headers=auth).status_code == 404


def test_label_by_session_with_csrf(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    article = f"/articles/{site.ids['rice']}"
    assert "csrf" not in site.client.get(article).text  # no forms before signing in
    wrong = site.client.post("/login", data={"token": "nope", "back": article})
    assert wrong.status_code == 403 and "newsmon_session" not in wrong.headers.get("set-cookie", "")
    signed = site.client.post(
        "/login", data={"token": TOKEN, "back": article}, follow_redirects=False
    )
    assert signed.status_code == 303 and signed.headers["location"] == article
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and TOKEN not in cookie
    html = site.client.get(article).text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert csrf and TOKEN not in html
    form = {"topic": "agriculture", "verdict": "no"}
    assert site.client.post(f"{article}/labels", data=form).status_code == 403  # no CSRF value
    done = site.client.post(
        f"{article}/labels", data={**form, "csrf": csrf.group(1)}, follow_redirects=False
    )
    assert done.status_code == 303
    assert [(lb["topic"], lb["verdict"]) for lb in show_labels(site, "rice", capsys)] == [
        ("agriculture", "no")
    ]
    assert "Đã lưu nhãn" in site.client.get(done.headers["location"]).text
    site.client.post("/logout")
    site.client.cookies.clear()
    assert (
        site.client.post(f"{article}/labels", data={**form, "csrf": csrf.group(1)}).status_code
        == 403
    )


def test_read_only_without_a_token(engine: Engine, db_url: str, tmp_path: Path) -> None:
    config_path, ids = seed(engine, tmp_path, NOW)
    text = config_path.read_text(encoding="utf-8").replace(f'  web_token: "{TOKEN}"\n', "")
    config_path.write_text(text, encoding="utf-8")
    ctx = WebContext(load_config(config_path), db_url, engine, now=lambda: NOW)
    with TestClient(create_app(ctx)) as client:
        form = {"topic": "agriculture", "verdict": "yes"}
        r = client.post(
            f"/articles/{ids['rice']}/labels", data=form, headers={"Authorization": "Bearer x"}
        )
        assert r.status_code == 403
        assert "chưa đặt" in client.get(f"/articles/{ids['rice']}").text
        assert client.post("/login", data={"token": ""}).status_code == 403


def test_unknown_route_and_method(site: Site) -> None:
    assert site.client.get("/nope").status_code == 404
    assert site.client.get(f"/articles/{site.ids['coop']}/labels").status_code == 405


@pytest.mark.parametrize("back", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_sign_in_goes_back_to_this_site_only(site: Site, back: str) -> None:
    r = site.client.post("/login", data={"token": TOKEN, "back": back}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_the_token_is_a_secret_of_the_log(tmp_path: Path) -> None:
    from monitor.cli.app import make_app
    from monitor.logsetup import secret_filter

    (tmp_path / "sources.yaml").write_text(CONFIG, encoding="utf-8")
    app = make_app(str(tmp_path / "sources.yaml"), None, 0, 0)
    assert app.config.settings.web_token == TOKEN
    assert secret_filter.scrub(f"token={TOKEN}") == "token=***"


def test_group_copies_is_ready_for_stories() -> None:
    """Today every article is its own story; once report rows carry `story`, copies sharing
    one go under the newest (the page's order), and the template already shows them."""
    from dataclasses import dataclass

    from monitor.web.pages import group_copies

    @dataclass(frozen=True)
    class Row:
        id: int
        story: int | None = None

    rows = [Row(5, 1), Row(4), Row(3, 1), Row(2, 2), Row(1)]
    stories = group_copies(rows)  # type: ignore[arg-type]
    assert [(s.lead.id, [c.id for c in s.copies]) for s in stories] == [
        (5, [3]), (4, []), (2, []), (1, []),
    ]  # fmt: skip
