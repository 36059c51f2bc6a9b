"""The batch writes a poll pass uses: many 304s in one statement, many articles in one insert.

They must keep exactly what the one-at-a-time functions keep, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.alerts import NewAlert
from storage.articles import NewArticle, store_articles
from storage.models import Alert, Article, PollLog, Source, TopicMatch
from storage.sources import (
    UnchangedPoll,
    poll_states,
    record_poll,
    record_unchanged_polls,
    sync_sources,
)
from tests.records import Match, Src

ICT = timezone(timedelta(hours=7))
NOW = datetime(2024, 11, 29, 10, 30, tzinfo=ICT)  # "Thứ Sáu, 29/11/2024 - 10:30"


def sources(engine, n: int = 3) -> list[str]:
    ids = [f"tinh-{i}" for i in range(n)]
    with Session(engine) as session:
        sync_sources(session, [Src(i, f"Cổng TTĐT {i}", f"https://{i}.gov.vn/") for i in ids])
    return ids


def test_unchanged_polls_keep_what_record_poll_keeps(engine) -> None:
    a, b, c = sources(engine)
    with Session(engine, expire_on_commit=False) as session:
        record_poll(session, a, started_at=NOW, duration_ms=5, ok=False, error="HTTP 503")
        record_poll(
            session,
            b,
            started_at=NOW,
            duration_ms=5,
            ok=True,
            status=200,
            items=3,
            etag='"v1"',
            last_modified="Fri, 29 Nov 2024 03:30:00 GMT",
        )
        later = NOW + timedelta(minutes=10)
        record_unchanged_polls(
            session,
            [
                UnchangedPoll(a, later, 40, etag='"a2"'),
                UnchangedPoll(b, later, 60),  # a 304 without validators keeps the stored ones
            ],
        )
    with Session(engine) as session:
        row_a, row_b, row_c = (session.get(Source, i) for i in (a, b, c))
        assert row_a.consecutive_failures == 0 and row_a.last_error is None
        assert row_a.etag == '"a2"' and row_a.baselined
        assert row_a.last_success_at == later.astimezone(UTC)
        assert row_b.etag == '"v1"'
        assert row_b.last_modified == "Fri, 29 Nov 2024 03:30:00 GMT"
        assert (row_b.polls, row_b.poll_ms_total) == (2, 65)
        assert row_c.polls == 0, "sources not in the batch are untouched"
        logs = session.exec(select(PollLog).where(PollLog.status == 304)).all()
        assert sorted((log.source_id, log.duration_ms, log.ok) for log in logs) == [
            (a, 40, True),
            (b, 60, True),
        ]
        states = poll_states(session, [a, b, "khong-co"])
        assert set(states) == {a, b}
        assert states[b].etag == '"v1"' and states[b].health == "ok"


def test_store_articles_in_one_insert(engine) -> None:
    (src,) = sources(engine, 1)
    articles = [
        NewArticle(
            url=f"https://tinh-0.gov.vn/tin-tuc/lien-ket-vung-{i}",
            title=f"Liên kết vùng ĐBSCL, bài {i}",
            body="TP.HCM và 13 tỉnh, thành vùng ĐBSCL ký kết thoả thuận hợp tác.",
            content_hash=f"h{i}",
            published_at=NOW,
            matches=[Match("regional-cooperation", 9.0, [("liên kết vùng", 1)], "…", [(0, 3)])]
            if i % 2 == 0
            else [],
            alerts=[NewAlert("team-email")] if i % 2 == 0 else [],
        )
        for i in range(5)
    ]
    with Session(engine) as session:
        assert store_articles(session, src, articles, NOW) == 5
    with Session(engine) as session:
        stored = session.exec(select(Article).order_by(Article.id)).all()
        assert [a.url for a in stored] == [a.url for a in articles], "ids follow the input order"
        assert all(a.first_seen_at == NOW.astimezone(UTC) for a in stored)
        matches = session.exec(select(TopicMatch)).all()
        assert sorted(m.article_id for m in matches) == [stored[i].id for i in (0, 2, 4)]
        alerts = session.exec(select(Alert)).all()
        assert sorted(a.key for a in alerts) == sorted(f"article:{stored[i].id}" for i in (0, 2, 4))
        assert {a.status for a in alerts} == {"pending"}


def test_store_articles_is_all_or_nothing(engine) -> None:
    (src,) = sources(engine, 1)
    first = NewArticle(url="https://tinh-0.gov.vn/a", title="A", body="", content_hash="a")
    with Session(engine) as session:
        store_articles(session, src, [first], NOW)
    again = [
        NewArticle(url="https://tinh-0.gov.vn/b", title="B", body="", content_hash="b"),
        first,  # stored meanwhile by someone else
    ]
    with Session(engine) as session, pytest.raises(IntegrityError):
        store_articles(session, src, again, NOW)
    with Session(engine) as session:
        assert [a.url for a in session.exec(select(Article))] == ["https://tinh-0.gov.vn/a"]


def test_store_articles_keeps_what_the_orm_keeps(engine) -> None:
    """The batch insert (sqlite3's executemany on SQLite) writes the very values the ORM does:
    the same UTC text for datetimes, the same flags, the same empty columns."""
    (src,) = sources(engine, 1)
    published = datetime(2024, 11, 29, 8, 0, 0, 123456, tzinfo=ICT)
    fields = {
        "title": "Liên kết vùng",
        "body": "Nội dung.",
        "content_hash": "h",
        "published_at": published,
        "summary": "Tóm tắt",
        "baseline": True,
        "search_text": "lien ket vung noi dung",
    }
    with Session(engine) as session:
        one = Article(
            source_id=src,
            url="https://tinh-0.gov.vn/one",
            first_seen_at=NOW,
            last_checked_at=NOW,
            **fields,  # type: ignore[arg-type]
        )
        session.add(one)  # the ORM's own insert, for comparison
        session.commit()
        store_articles(session, src, [NewArticle(url="https://tinh-0.gov.vn/many", **fields)], NOW)
    columns = (
        "source_id, title, CAST(published_at AS TEXT), CAST(first_seen_at AS TEXT), body, "
        "summary, content_hash, baseline, CAST(last_checked_at AS TEXT), withdrawn_at, "
        "search_text"
    )
    with engine.connect() as conn:
        one, many = conn.exec_driver_sql(f"SELECT {columns} FROM articles ORDER BY id").all()
    assert one == many
    with Session(engine) as session:
        stored = session.exec(select(Article).order_by(Article.id)).all()
        assert [a.published_at for a in stored] == [published.astimezone(UTC)] * 2
        assert all(a.baseline and a.withdrawn_at is None for a in stored)


def test_store_articles_skips_alerts_already_queued(engine) -> None:
    (src,) = sources(engine, 1)
    alert = NewAlert("team-email", key="article:same")
    articles = [
        NewArticle(
            url=f"https://tinh-0.gov.vn/{i}",
            title="A",
            body="",
            content_hash="a",
            alerts=[alert, NewAlert("chat")],
        )
        for i in range(2)
    ]
    with Session(engine) as session:
        assert store_articles(session, src, articles, NOW) == 2
    with Session(engine) as session:
        keys = sorted((a.channel_id, a.key) for a in session.exec(select(Alert)))
        ids = [a.id for a in session.exec(select(Article).order_by(Article.id))]
    assert keys == [("chat", f"article:{i}") for i in ids] + [("team-email", "article:same")]
