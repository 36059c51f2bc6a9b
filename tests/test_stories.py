"""One story, one alert: copies of an article (republished by other sources, lightly edited)
share a story; two events written from one template stay apart; a channel hears of a story
once, whether the copies come in one poll pass or from two processes at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, inspect
from sqlmodel import Session, select

from monitor.match.normalize import fold
from storage.alerts import NewAlert
from storage.articles import NewArticle, store_articles
from storage.db import make_engine, upgrade
from storage.models import Alert, Article
from storage.models import Source as SourceRow
from storage.stories import THRESHOLD, similarity
from tests.http_receiver import HTTPReceiver
from tests.loopback import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    json.loads(line)
    for line in (ROOT / "tests" / "data" / "story_pairs.jsonl").read_text("utf-8").splitlines()
]
T0 = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)


def text_of(article: dict[str, str]) -> str:
    return fold(f"{article['title']}\n{article['body']}")


def by_id(prefix: str) -> dict[str, Any]:
    return next(p for p in PAIRS if p["id"].startswith(prefix))


@pytest.mark.parametrize("pair", PAIRS, ids=[p["id"] for p in PAIRS])
def test_labelled_pair(pair: dict[str, Any]) -> None:
    score = similarity(text_of(pair["a"]), text_of(pair["b"]))
    assert (score >= THRESHOLD) is pair["same"], f"similarity {score:.2f}"


def test_every_kind_of_edit_and_look_alike_is_in_the_labelled_set() -> None:
    kinds = {k for p in PAIRS for k in p["kind"].split("+")}
    edits = {"tag", "more", "less", "title", "boiler", "url", "unicode"}
    assert edits | {"strict", "template", "other"} <= kinds


def test_spelling_forms_do_not_split_copies() -> None:
    body = by_id("copy-mou")["a"]["body"]
    variants = [
        unicodedata.normalize("NFD", body),
        body.replace("hòa", "hoà").replace("thỏa", "thoả").replace("ủy", "uỷ"),
        body.replace(" ", "  ").replace(". ", ".\n"),
        body.upper(),
    ]
    for variant in variants:
        assert similarity(fold(body), fold(variant)) == 1.0


# ---------------------------------------------------------------- storage


def sources(engine: Engine, *ids: str) -> None:
    with Session(engine) as session:
        for sid in ids:
            if session.get(SourceRow, sid) is None:
                session.add(SourceRow(id=sid, name=f"Báo {sid}", url=f"https://{sid}.vn/"))
        session.commit()


def new(url: str, article: dict[str, str], channels: tuple[str, ...] = ("team",)) -> NewArticle:
    return NewArticle(
        url=url,
        title=article["title"],
        body=article["body"],
        content_hash=url,
        search_text=text_of(article),
        alerts=tuple(NewAlert(c, source_id=None) for c in channels),
    )


def rows(engine: Engine) -> tuple[dict[str, int | None], list[Alert]]:
    with Session(engine) as session:
        stories = {a.url: a.story_id for a in session.exec(select(Article))}
        return stories, list(session.exec(select(Alert).order_by(Alert.id)))


def test_copies_join_the_earliest_story_and_alert_once(engine: Engine) -> None:
    sources(engine, "portal", "paper", "national")
    mou, copy = by_id("copy-mou-tag-"), by_id("copy-mou-title+more+boiler")
    look_alike = by_id("apart-mou-strict")
    with Session(engine) as session:
        store_articles(session, "portal", [new("https://portal.vn/1", mou["a"])], T0)
        later = T0 + timedelta(hours=2)
        store_articles(session, "paper", [new("https://paper.vn/1", mou["b"])], later)
        batch = [
            new("https://national.vn/1", copy["a"]),
            new("https://national.vn/1-amp", copy["a"]),  # the same text under a second URL
            new("https://national.vn/2", look_alike["a"]),
            new("https://national.vn/3", look_alike["b"]),
        ]
        store_articles(session, "national", batch, later + timedelta(hours=1))
    stories, alerts = rows(engine)
    assert stories["https://paper.vn/1"] == stories["https://portal.vn/1"]
    assert stories["https://national.vn/1-amp"] == stories["https://national.vn/1"]
    assert len({stories["https://national.vn/2"], stories["https://national.vn/3"]}) == 2
    assert len(set(stories.values())) == 4
    # one alert per story; the first copy's article is the one alerted about
    assert len(alerts) == 4
    with Session(engine) as session:
        first = session.exec(select(Article).where(Article.url == "https://portal.vn/1")).one()
    assert {a.key for a in alerts} == {f"article:{s}" for s in set(stories.values())}
    assert next(a for a in alerts if a.key == f"article:{first.id}").article_id == first.id


def test_a_copy_after_the_window_starts_a_new_story(engine: Engine) -> None:
    sources(engine, "portal", "paper")
    pair = by_id("copy-invest-less")
    with Session(engine) as session:
        store_articles(session, "portal", [new("https://portal.vn/a", pair["a"])], T0)
        late = T0 + timedelta(days=8)
        store_articles(session, "paper", [new("https://paper.vn/a", pair["b"])], late)
    stories, alerts = rows(engine)
    assert len(set(stories.values())) == 2 and len(alerts) == 2


_WRITER = """
import json, sys, time
from datetime import datetime
from sqlmodel import Session
from storage.db import make_engine
from storage.articles import NewArticle, store_articles
from storage.alerts import NewAlert
url, source, start, payload = sys.argv[1], sys.argv[2], float(sys.argv[3]), json.loads(sys.argv[4])
engine = make_engine(url)
with Session(engine) as session:
    session.connection()  # connected before the start line: the race is in the writes
while time.time() < start:
    time.sleep(0.001)
for item in payload:
    with Session(engine) as session:
        store_articles(session, source, [NewArticle(
            url=item["url"], title=item["title"], body=item["body"], content_hash=item["url"],
            search_text=item["folded"], alerts=(NewAlert("team"),))],
            datetime.fromisoformat(item["now"]))
engine.dispose()
"""


def test_copies_from_two_processes_at_once_give_one_alert(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sources(engine, "portal", "paper")
    copies = [p for p in PAIRS if p["same"]][:12]
    now = datetime.now(UTC).isoformat()

    def payload(side: str, host: str) -> str:
        return json.dumps(
            [
                {**p[side], "url": f"https://{host}/{i}", "folded": text_of(p[side]), "now": now}
                for i, p in enumerate(copies)
            ],
            ensure_ascii=False,
        )

    start = datetime.now(UTC).timestamp() + 2.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, db_url, source, str(start), payload(side, host)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for source, side, host in (("portal", "a", "portal.vn"), ("paper", "b", "paper.vn"))
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    stories, alerts = rows(engine)
    engine.dispose()
    assert len(stories) == 24
    for i in range(len(copies)):
        assert stories[f"https://portal.vn/{i}"] == stories[f"https://paper.vn/{i}"]
    assert len(alerts) == len(copies) == len({a.key for a in alerts})


def test_migration_down_and_up_keeps_each_article_its_own_story(db_url: str) -> None:
    from alembic import command

    from storage.db import _alembic_config

    engine = make_engine(db_url)
    upgrade(engine)
    sources(engine, "portal")
    pair = by_id("copy-road")
    with Session(engine) as session:
        store_articles(session, "portal", [new("https://portal.vn/r", pair["a"])], T0)
        store_articles(session, "portal", [new("https://portal.vn/r2", pair["b"])], T0)
    with engine.begin() as conn:
        cfg = _alembic_config(conn)
        command.downgrade(cfg, "0004")
        assert "story_id" not in {c["name"] for c in inspect(conn).get_columns("articles")}
        command.upgrade(cfg, "head")
    with Session(engine) as session:
        assert all(a.story_id == a.id for a in session.exec(select(Article)))
    engine.dispose()


# ---------------------------------------------------------------- one poll pass, end to end


def page(title: str, body: str) -> str:
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (
        "<html><head><meta charset='utf-8'></head><body>"
        f"<h1>{title}</h1><div class='content'>{paras}</div></body></html>"
    )


def test_one_poll_pass_three_sources_one_alert_per_story(tmp_path: Path) -> None:
    """Three events copied across three sources (8 articles) and a look-alike of the first
    event: 9 articles, 4 stories, 4 messages."""
    events = [by_id("copy-mou-boiler"), by_id("copy-invest-url"), by_id("copy-road-title")]
    look_alike = by_id("apart-mou-strict")["b"]
    layout = {  # source: the articles it carries
        "portal": [events[0]["a"], events[1]["a"], events[2]["a"]],
        "paper": [events[0]["b"], events[1]["b"], events[2]["b"], look_alike],
        "national": [events[0]["b"], events[1]["a"]],
    }
    with LoopbackServer() as site, HTTPReceiver() as hook:
        for sid, articles in layout.items():
            links = []
            for i, art in enumerate(articles):
                site.add_page(f"/{sid}/{i}.html", page(art["title"], art["body"]))
                links.append(f"<li><a href='/{sid}/{i}.html'>{art['title']}</a></li>")
            site.add_page(
                f"/{sid}/", f"<html><body><ul class='news'>{''.join(links)}</ul></body></html>"
            )
        config = {
            "settings": {
                "per_host_delay": "0s",
                "alert_on_first_poll": True,
                "respect_robots": False,
            },
            "topics": [{"id": "all", "name": "Tin", "terms": {"tỉnh": 1}}],
            "channels": [{"id": "team", "url": hook.url(), "format": "text"}],
            "sources": [
                {
                    "id": sid,
                    "name": f"Báo {sid}",
                    "url": site.url(f"/{sid}/"),
                    "type": "html",
                    "items": {"selector": ".news li", "link": "a", "title": "a"},
                    "article": {"title": "h1", "body": ".content"},
                }
                for sid in layout
            ],
        }
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        db = f"sqlite:///{tmp_path / 'newsmon.db'}"
        run = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(path), "--db", db, "poll", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        assert result["new"] == 9
        assert result["alerts_sent"] == 4
        assert len(hook.wait_for(4)) == 4
    engine = make_engine(db)
    stories, alerts = rows(engine)
    engine.dispose()
    assert len(set(stories.values())) == 4
    assert len(alerts) == 4

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(path), "--db", db, *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    report = json.loads(cli("report", "--format", "json"))
    assert len(report["articles"]) == 9
    assert {a["url"].split(":", 2)[2]: a["story"] for a in report["articles"]} == {
        url.split(":", 2)[2]: story for url, story in stories.items()
    }
    counts = json.loads(cli("report", "--by", "story", "--format", "json"))["counts"]
    assert sorted(c["articles"] for c in counts) == [1, 2, 3, 3]
    markdown = cli("report", "--format", "markdown")
    rows_shown = [line for line in markdown.splitlines() if line.startswith("| 20")]
    assert len(rows_shown) == 4
    assert sum("also: " in line for line in rows_shown) == 3
    first = min(a["id"] for a in report["articles"])
    shown = json.loads(cli("show", str(first), "--json"))
    assert shown["story"] == first
    assert {c["source"] for c in shown["same_story"]} == {"paper", "national"}


def test_a_digest_lists_a_story_once_with_all_its_sources(engine: Engine, tmp_path: Path) -> None:
    import asyncio

    from monitor.config.models import parse_config
    from notifiers.dispatch import dispatch_due

    sources(engine, "portal", "paper", "national")
    mou, road = by_id("copy-mou-less"), by_id("copy-road-more")
    with HTTPReceiver() as hook:
        data = {
            "topics": [{"id": "all", "name": "Tin", "terms": {"tỉnh": 1}}],
            "channels": [{"id": "team", "url": hook.url(), "mode": "digest", "digest_every": "1h"}],
            "sources": [
                {"id": s, "name": f"Báo {s}", "url": f"https://{s}.vn/"}
                for s in ("portal", "paper", "national")
            ],
        }
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        config = parse_config(path.read_text(encoding="utf-8"), str(path), base=tmp_path)
        with Session(engine) as session:
            store_articles(session, "portal", [new("https://portal.vn/m", mou["a"])], T0)
            store_articles(session, "paper", [new("https://paper.vn/m", mou["b"])], T0)
            store_articles(session, "paper", [new("https://paper.vn/r", road["a"])], T0)
            later = T0 + timedelta(minutes=20)
            store_articles(session, "national", [new("https://national.vn/m", mou["b"])], later)
        stats = asyncio.run(dispatch_due(engine, config, T0 + timedelta(hours=1)))
        assert (stats.sent, stats.messages) == (2, 1)
        [request] = hook.wait_for(1)
    text = request.json()["message"]
    assert "2 new article" in request.json()["title"]
    assert text.count(mou["a"]["title"]) == 1
    assert "portal.vn/m" in text and "paper.vn/m" not in text and "national.vn" not in text
    assert "also: Báo paper, Báo national" in text
