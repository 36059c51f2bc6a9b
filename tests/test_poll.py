"""`newsmon poll` and `newsmon try` as a user runs them, against the fixture sites on loopback.

Every fixture article is found once, stored with the right title and date and no boilerplate;
a second pass stores nothing new; a broken source fails alone; `try` stores nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Alert, Article, PollLog
from storage.models import Source as SourceRow

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "tests" / "fixtures" / "sites"
EXPECTED = yaml.safe_load((SITES / "expected.yaml").read_text(encoding="utf-8"))
TOPIC = yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8"))["topics"]
for _topic in TOPIC:  # the shipped model file, wherever the test writes its config
    if "model" in _topic:
        _topic["model"] = str(ROOT / _topic["model"])


def write_config(
    tmp_path: Path, base: str, sources: list[dict], channels: list[dict] | None = None
):
    config = {
        "settings": {"per_host_delay": "0s", "timeout": "5s", "alert_on_first_poll": False},
        "topics": TOPIC,
        "channels": channels or [],
        "sources": sources,
    }
    for s in config["sources"]:
        s["url"] = base + s["url"] if s["url"].startswith("/") else s["url"]
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def fixture_sources() -> list[dict]:
    out = []
    for sid, spec in EXPECTED["sources"].items():
        out.append({"id": sid, **spec})
    return out


def newsmon(config: Path, db: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "--db", db, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_poll_stores_every_fixture_article_once(loopback, tmp_path: Path, db_url: str) -> None:
    base = loopback.url("").rstrip("/")
    config = write_config(tmp_path, base, fixture_sources())
    result = newsmon(config, db_url, "poll", "--json")
    assert result.returncode == 0, result.stderr + result.stdout
    summary = json.loads(result.stdout)
    assert {s["id"] for s in summary["sources"]} == set(EXPECTED["sources"])
    assert all(s["ok"] and s["error"] is None for s in summary["sources"]), summary
    engine = make_engine(db_url)
    with Session(engine) as session:
        stored = {a.url.removeprefix(base): a for a in session.exec(select(Article))}
    expected_paths = {p for paths in EXPECTED["listings"].values() for p in paths}
    assert set(stored) == expected_paths
    assert summary["new"] == len(expected_paths)
    for path, article in stored.items():
        spec = EXPECTED["articles"].get(path)
        assert article.baseline, "the first poll of a source is its baseline"
        if spec is None:
            continue
        assert article.title == spec["title"]
        if spec.get("published_at"):
            assert article.published_at == datetime.fromisoformat(spec["published_at"])
        for phrase in spec.get("body_contains", []):
            assert phrase in article.body, (path, phrase)
        for phrase in spec.get("body_absent", []):
            assert phrase not in article.body, (path, phrase)

    again = newsmon(config, db_url, "poll", "--no-alerts", "--json")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["new"] == 0
    assert {s["status"] for s in second["sources"]} == {304}, "unchanged listings answer 304"
    with Session(engine) as session:
        assert len(list(session.exec(select(Article)))) == len(expected_paths)
        logs = list(session.exec(select(PollLog)))
        assert len(logs) == 2 * len(EXPECTED["sources"])
        assert not list(session.exec(select(Alert))), "baseline articles are never alerted"
    engine.dispose()


def test_broken_source_fails_alone(loopback, tmp_path: Path) -> None:
    base = loopback.url("").rstrip("/")
    sources = [
        {"id": "good", "url": "/baophusa/rss/thoi-su.rss", "type": "feed"},
        {"id": "down", "url": "/status/500"},
        {"id": "empty", "url": "/status/200"},
    ]
    config = write_config(tmp_path, base, sources)
    db = f"sqlite:///{tmp_path / 'n.db'}"
    result = newsmon(config, db, "poll", "--no-alerts", "--json")
    assert result.returncode == 1, "a failed source makes the exit code 1"
    summary = {s["id"]: s for s in json.loads(result.stdout)["sources"]}
    assert summary["good"]["ok"] and summary["good"]["new"] == 2
    assert not summary["down"]["ok"]
    assert summary["down"]["error"].startswith("HTTP 500")
    assert not summary["empty"]["ok"]
    assert "no article links" in summary["empty"]["error"]
    engine = make_engine(db)
    with Session(engine) as session:
        down = session.get(SourceRow, "down")
        assert down is not None
        assert down.consecutive_failures == 1
        assert down.last_error.startswith("HTTP 500")
    engine.dispose()


def test_poll_named_source_and_unknown_source(loopback, tmp_path: Path) -> None:
    base = loopback.url("").rstrip("/")
    config = write_config(tmp_path, base, fixture_sources())
    db = f"sqlite:///{tmp_path / 'n.db'}"
    result = newsmon(config, db, "poll", "nongnghiep-atom", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [s["id"] for s in summary["sources"]] == ["nongnghiep-atom"]
    assert summary["new"] == 2
    # An Atom feed with full content needs no article page.
    assert not loopback.requests_to("/nongnghiep/ban-tin/mua-nuoc-noi-2024.html")
    bad = newsmon(config, db, "poll", "nope")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: unknown source 'nope'")


def test_try_reads_without_storing(loopback, tmp_path: Path) -> None:
    base = loopback.url("").rstrip("/")
    config = write_config(tmp_path, base, fixture_sources())
    db = f"sqlite:///{tmp_path / 'n.db'}"
    result = newsmon(config, db, "try", "cantho-portal", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    listing = EXPECTED["listings"]["/cantho/tin-tuc-va-su-kien/"]
    assert [i["url"].removeprefix(base) for i in out["items"]] == listing
    first = EXPECTED["articles"][listing[0]]
    assert out["article"]["title"] == first["title"]
    assert out["article"]["published_at"] == first["published_at"]
    (topic,) = out["topics"]
    assert topic["id"] == "regional-cooperation" and topic["matched"]
    assert not (tmp_path / "n.db").exists(), "try stores nothing"

    article_url = base + listing[1]
    single = newsmon(config, db, "try", base + "/cantho/", "--article", article_url, "--json")
    assert single.returncode == 0, single.stderr
    out = json.loads(single.stdout)
    assert out["items"] == []
    assert out["article"]["title"] == EXPECTED["articles"][listing[1]]["title"]
    assert out["topics"][0]["matched"] is False, "a land-dispute article is not cooperation"


def test_try_unreachable_is_one_line(tmp_path: Path) -> None:
    from tests.loopback import closed_port

    config = write_config(tmp_path, "", [])
    db = f"sqlite:///{tmp_path / 'n.db'}"
    result = newsmon(config, db, "try", f"http://127.0.0.1:{closed_port()}/")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "connection refused" in result.stderr


@pytest.mark.parametrize("target", ["not-a-source", "ftp://x.example/"])
def test_try_bad_target_is_usage_error(tmp_path: Path, target: str) -> None:
    config = write_config(tmp_path, "", [])
    result = newsmon(config, f"sqlite:///{tmp_path / 'n.db'}", "try", target)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")


def test_two_sources_listing_the_same_articles_store_each_once(
    loopback, tmp_path: Path, db_url: str
) -> None:
    """The same listing configured twice (a portal's category under two names): one pass stores
    every article once, whichever source gets there first, and neither source fails."""
    base = loopback.url("").rstrip("/")
    first = fixture_sources()[0]
    listing = first["url"]
    twin = {**first, "id": first["id"] + "-twin"}
    config = write_config(tmp_path, base, [first, twin])
    result = newsmon(config, db_url, "poll", "--json")
    assert result.returncode == 0, result.stderr + result.stdout
    summary = json.loads(result.stdout)
    assert all(s["ok"] for s in summary["sources"]), summary
    with Session(make_engine(db_url)) as session:
        urls = [a.url.removeprefix(base) for a in session.exec(select(Article))]
    assert sorted(urls) == sorted(set(EXPECTED["listings"][listing]))
    assert summary["new"] == len(urls)
