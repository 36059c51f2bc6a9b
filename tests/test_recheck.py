"""Article re-checks against a real loopback site, time passed in (no sleeping).

An edit of the text becomes a revision with a readable diff and an update alert for channels
with `updates: true`; markup-only changes are no edit; 404/410 mark the article withdrawn; a
server error does not; old articles and feed-text articles are handled as documented.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from monitor.config.models import Config, parse_config
from monitor.daemon.recheck import recheck_due, text_diff
from monitor.fetch.client import Fetcher, RetryPolicy
from monitor.match.matcher import compile_topics
from monitor.pipeline.rows import content_hash
from storage.models import Alert, Article, Revision
from storage.sources import sync_sources
from tests.loopback import LoopbackServer, Reply
from tests.records import store_article

T0 = datetime(2024, 11, 29, 3, 30, tzinfo=UTC)
TITLE = "Cần Thơ và TP.HCM ký kết liên kết vùng"
PARAS = [
    "Sáng 29/11, UBND TP. Cần Thơ và UBND TP.HCM ký thỏa thuận hợp tác về liên kết vùng ĐBSCL.",
    "Hai bên thống nhất 5 nội dung trọng tâm trong giai đoạn 2025 - 2030.",
    "Lễ ký kết diễn ra tại Hội trường Thành uỷ.",
]


def page(title: str, paras: list[str], extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        "<html><head><meta charset='utf-8'><title>Tin tức</title></head><body>"
        f"<nav>Trang chủ | Tin tức</nav><h1>{title}</h1>"
        f"<div class='date'>Thứ Sáu, 29/11/2024 - 10:30</div>{extra}"
        f"<div class='content'>{body}</div><footer>Bản quyền</footer></body></html>"
    )


def make_config(tmp_path: Path, base: str, *, source_type: str = "html") -> Config:
    source = f"  - id: site\n    url: {base}/tin/\n    type: {source_type}\n" + (
        "    items: {selector: '.item'}\n    article: {title: h1, body: .content, date: .date}\n"
        if source_type == "html"
        else ""
    )
    text = (
        "settings: {per_host_delay: 0s, timeout: 5s, respect_robots: false, recheck: 3d}\n"
        "topics:\n"
        "  - id: lien-ket-vung\n"
        "    name: Liên kết vùng\n"
        "    terms: {liên kết vùng: 3}\n"
        "    min_score: 3\n"
        "channels:\n"
        "  - {id: edits, url: 'json://127.0.0.1:9/edits', updates: true}\n"
        "  - {id: news, url: 'json://127.0.0.1:9/news'}\n"
        f"sources:\n{source}"
    )
    return parse_config(text, str(tmp_path / "sources.yaml"), base=tmp_path)


def store(engine: Engine, config: Config, url: str, *, title: str = TITLE, when: datetime = T0,
          body: str = "\n\n".join(PARAS)) -> int:  # fmt: skip
    sync_sources(engine, config)
    matcher = compile_topics(config.topics)
    matches = [m for m in matcher.match(title, body, None) if m.matched]
    with Session(engine, expire_on_commit=False) as session:
        row = store_article(
            session,
            "site",
            url=url,
            title=title,
            body=body,
            content_hash=content_hash(title, body),
            now=when,
            matches=matches,
        )
    assert row.id is not None
    return row.id


def recheck(engine: Engine, config: Config, now: datetime, every: timedelta = timedelta(hours=1)):
    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(config.settings, retry=RetryPolicy(attempts=1)) as fetcher:
            matcher = compile_topics(config.topics)
            return await recheck_due(engine, config, fetcher, matcher, now, every=every)

    return asyncio.run(go())


def article(engine: Engine, article_id: int) -> Article:
    with Session(engine) as session:
        row = session.get(Article, article_id)
        assert row is not None
        return row


def revisions(engine: Engine, article_id: int) -> list[Revision]:
    with Session(engine) as session:
        return list(session.exec(select(Revision).where(Revision.article_id == article_id)))


def alerts(engine: Engine) -> list[Alert]:
    with Session(engine) as session:
        return list(session.exec(select(Alert)))


@pytest.fixture
def site(loopback: LoopbackServer) -> LoopbackServer:
    loopback.add_page("/tin/1.html", page(TITLE, PARAS))
    return loopback


def test_unchanged_article_is_only_marked_checked(site, engine, tmp_path) -> None:
    config = make_config(tmp_path, site.base_url)
    aid = store(engine, config, site.url("/tin/1.html"))
    stats = recheck(engine, config, T0 + timedelta(hours=2))
    assert (stats.checked, stats.revised, stats.withdrawn) == (1, 0, 0)
    assert revisions(engine, aid) == []
    assert article(engine, aid).last_checked_at == T0 + timedelta(hours=2)
    # checked less than an hour ago: not fetched again
    before = len(site.requests_to("/tin/1.html"))
    assert recheck(engine, config, T0 + timedelta(hours=2, minutes=30)).checked == 0
    assert len(site.requests_to("/tin/1.html")) == before


def test_markup_and_whitespace_changes_are_no_edit(site, engine, tmp_path) -> None:
    config = make_config(tmp_path, site.base_url)
    aid = store(engine, config, site.url("/tin/1.html"))
    spaced = [p.replace(" ", "  ") for p in PARAS]
    site.add_page("/tin/1.html", page(TITLE, spaced, extra="<div class='ads'>Quảng cáo</div>"))
    assert recheck(engine, config, T0 + timedelta(hours=2)).revised == 0
    assert revisions(engine, aid) == []


def test_edited_article_gets_a_revision_with_diff_and_an_update_alert(site, engine, tmp_path):
    config = make_config(tmp_path, site.base_url)
    aid = store(engine, config, site.url("/tin/1.html"))
    edited = [PARAS[0], PARAS[1].replace("5 nội dung", "7 nội dung"), PARAS[2]]
    site.add_page("/tin/1.html", page(TITLE + " (cập nhật)", edited))
    when = T0 + timedelta(hours=2)
    stats = recheck(engine, config, when)
    assert stats.revised == 1
    [rev] = revisions(engine, aid)
    assert rev.seen_at == when
    assert "-Hai bên thống nhất 5 nội dung" in rev.diff
    assert "+Hai bên thống nhất 7 nội dung" in rev.diff
    assert f"+{TITLE} (cập nhật)" in rev.diff
    assert "Thành uỷ" not in rev.diff, "unchanged paragraphs far from the edit stay out"
    row = article(engine, aid)
    assert row.title == TITLE + " (cập nhật)" and "7 nội dung" in row.body
    assert row.content_hash == rev.content_hash
    [alert] = alerts(engine)
    assert (alert.channel_id, alert.kind, alert.article_id) == ("edits", "update", aid)
    # the same version seen again is no new revision
    assert recheck(engine, config, when + timedelta(hours=2)).revised == 0
    assert len(revisions(engine, aid)) == 1


@pytest.mark.parametrize("status", [404, 410])
def test_gone_article_is_marked_withdrawn(site, engine, tmp_path, status) -> None:
    config = make_config(tmp_path, site.base_url)
    aid = store(engine, config, site.url("/tin/gone.html"))
    site.route("/tin/gone.html", lambda req: Reply(status, "Không tìm thấy trang"))
    when = T0 + timedelta(hours=5)
    assert recheck(engine, config, when).withdrawn == 1
    assert article(engine, aid).withdrawn_at == when
    assert recheck(engine, config, when + timedelta(hours=2)).checked == 0, "withdrawn: done"


def test_server_error_is_not_a_withdrawal(site, engine, tmp_path) -> None:
    config = make_config(tmp_path, site.base_url)
    aid = store(engine, config, site.url("/tin/down.html"))
    site.route("/tin/down.html", lambda req: Reply(503, "Hệ thống đang bảo trì"))
    stats = recheck(engine, config, T0 + timedelta(hours=2))
    assert (stats.errors, stats.withdrawn) == (1, 0)
    assert article(engine, aid).withdrawn_at is None


def test_articles_older_than_recheck_are_left_alone(site, engine, tmp_path) -> None:
    config = make_config(tmp_path, site.base_url)
    store(engine, config, site.url("/tin/1.html"))
    site.add_page("/tin/1.html", page(TITLE, PARAS[:1]))
    assert recheck(engine, config, T0 + timedelta(days=4)).checked == 0
    assert site.requests_to("/tin/1.html") == []


def test_feed_text_is_checked_for_withdrawal_only(site, engine, tmp_path) -> None:
    config = make_config(tmp_path, site.base_url, source_type="feed")
    kept = store(engine, config, site.url("/tin/1.html"), body="Tóm tắt từ RSS: liên kết vùng.")
    gone = store(engine, config, site.url("/tin/2.html"))
    site.route("/tin/2.html", lambda req: Reply(410, "Đã gỡ"))
    stats = recheck(engine, config, T0 + timedelta(hours=2))
    assert (stats.checked, stats.revised, stats.withdrawn) == (2, 0, 1)
    assert revisions(engine, kept) == []
    assert article(engine, gone).withdrawn_at is not None


def test_text_diff_is_a_unified_diff_of_paragraphs() -> None:
    diff = text_diff("Tiêu đề", "Đoạn một.\nĐoạn hai.", "Tiêu đề", "Đoạn một.\nĐoạn hai đã sửa.")
    assert diff.splitlines()[:2] == ["--- trước (before)", "+++ sau (after)"]
    assert "-Đoạn hai." in diff and "+Đoạn hai đã sửa." in diff
    assert text_diff("A", "b", "A", "b") == ""
