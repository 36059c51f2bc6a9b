"""Storage on SQLite and PostgreSQL: migrations, time zones, uniqueness, atomicity, the outbox."""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, select

from monitor.errors import StorageError
from storage.alerts import (
    NewAlert,
    due_alerts,
    enqueue_alert,
    get_channel_state,
    list_alerts,
    mark_failed,
    mark_retry,
    mark_sent,
    pending_for_channel,
    requeue,
    set_last_digest,
)
from storage.articles import get_article, known_urls
from storage.db import (
    current_revision,
    head_revision,
    include_object,
    make_engine,
    session,
    upgrade,
)
from storage.models import Alert, Article, PollLog, Revision, Source, TopicMatch
from storage.revisions import add_revision, articles_to_recheck, mark_checked, mark_withdrawn
from storage.sources import get_source, list_sources, record_poll, set_source_state, sync_sources
from tests.records import Match, Src, store_article

ICT = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh
NOW = datetime(2024, 11, 29, 10, 30, tzinfo=ICT)  # "Thứ Sáu, 29/11/2024 - 10:30"
TABLES = {
    "sources",
    "articles",
    "revisions",
    "topic_matches",
    "alerts",
    "channel_state",
    "poll_log",
}


CANTHO = Src("cantho-portal", "Cổng TTĐT TP. Cần Thơ", "https://cantho.gov.vn/")
MATCH = Match(
    "regional-cooperation",
    7.0,
    [("liên kết vùng", 2), ("TP.HCM", 1)],
    "… ký kết thỏa thuận liên kết vùng giữa TP.HCM và ĐBSCL …",
    [(20, 33)],
)


def _store(s: Session, url: str, **kw: object) -> Article:
    fields: dict[str, object] = {
        "url": url,
        "title": "UBND TP. Cần Thơ và TP.HCM ký thoả thuận hợp tác",
        "body": "Sáng 29/11, UBND hai thành phố ký kết chương trình liên kết vùng ĐBSCL.",
        "content_hash": "h-" + url,
        "now": NOW,
    }
    fields.update(kw)
    return store_article(s, CANTHO.id, **fields)  # type: ignore[arg-type]


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database with the Cần Thơ source stored."""
    with session(engine) as s:
        sync_sources(s, [CANTHO])
        yield s


# --- schema -----------------------------------------------------------------------------------


def test_migrations_from_empty_create_every_table(db_url: str) -> None:
    eng = make_engine(db_url)
    try:
        assert current_revision(eng) is None
        assert not TABLES & set(inspect(eng).get_table_names())
        upgrade(eng)
        upgrade(eng)  # a second upgrade is a no-op
        assert current_revision(eng) == head_revision() is not None
        assert set(inspect(eng).get_table_names()) >= TABLES | {"alembic_version"}
    finally:
        eng.dispose()


def _schema_diff(engine: Engine) -> list[Any]:
    """What alembic would change to make the database match the models (search objects that
    migrations add outside the models are left out, see storage.db.include_object)."""
    opts = {"compare_type": True, "include_object": include_object}
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        return compare_metadata(MigrationContext.configure(conn, opts=opts), SQLModel.metadata)


def test_migrated_schema_matches_models(engine: Engine) -> None:
    assert _schema_diff(engine) == []


def test_schema_comparison_notices_a_missing_index(engine: Engine) -> None:
    """The check above has teeth: drop one index and the comparison reports it."""
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_articles_first_seen_at"))
    diff = _schema_diff(engine)
    assert [(d[0], d[1].name) for d in diff] == [("add_index", "ix_articles_first_seen_at")]


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "newsmon.db"
    eng = make_engine(f"sqlite:///{path}")
    try:
        upgrade(eng)
        with eng.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in (
                    "journal_mode",
                    "foreign_keys",
                    "busy_timeout",
                    "synchronous",
                    "page_size",
                )
            }
        assert pragma == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 30000,
            "synchronous": 1,
            "page_size": 16384,  # a new file: ~4 KB article rows store faster in 16 KB pages
        }
        with session(eng) as s, pytest.raises(IntegrityError, match="FOREIGN KEY"):
            store_article(
                s,
                "no-such-source",
                url="https://x.vn/a",
                title="t",
                body="",
                content_hash="h",
                now=NOW,
            )
    finally:
        eng.dispose()
    assert path.is_file()


def test_postgres_url_uses_psycopg() -> None:
    eng = make_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert eng.url.drivername == "postgresql+psycopg"
    eng.dispose()


# --- errors a user meets ----------------------------------------------------------------------


def test_unreachable_postgres_is_one_line_storage_error() -> None:
    eng = make_engine("postgresql://postgres:s3cret@127.0.0.1:1/test")
    with pytest.raises(StorageError) as info:
        upgrade(eng)
    message = str(info.value)
    assert message.startswith("database postgresql+psycopg://postgres:***@127.0.0.1:1/test: ")
    assert "s3cret" not in message and "\n" not in message


def test_sqlite_folder_that_cannot_exist_is_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StorageError, match="cannot create folder"):
        make_engine(f"sqlite:///{tmp_path / 'file' / 'newsmon.db'}")


def test_readonly_sqlite_is_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    sqlite3.connect(path).close()
    ro = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with pytest.raises(StorageError, match="readonly"):
            upgrade(ro)  # an empty read-only database cannot be migrated
    finally:
        ro.dispose()
    path.unlink()
    rw = make_engine(f"sqlite:///{path}")
    upgrade(rw)
    rw.dispose()
    ro = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:  # a migrated one can be read, but a write fails as one line
        with session(ro) as s:
            assert list_sources(s) == []
        with (
            pytest.raises(StorageError, match=r"attempt to write a readonly database$"),
            session(ro) as s,
        ):
            sync_sources(s, [CANTHO])
    finally:
        ro.dispose()


def test_unsupported_url_is_storage_error() -> None:
    with pytest.raises(StorageError, match="only sqlite"):
        make_engine("mysql://root@127.0.0.1/test")


# --- time zones -------------------------------------------------------------------------------


def test_datetimes_round_trip_as_aware_utc(engine: Engine) -> None:
    published = datetime(2024, 11, 29, 10, 30, 15, 123456, tzinfo=ICT)
    with session(engine) as s:
        sync_sources(s, [CANTHO])
        art = _store(s, "https://cantho.gov.vn/tin-1", published_at=published)
        art_id = art.id
        assert art.published_at == published and art.published_at.tzinfo == UTC
    with session(engine) as s:  # a fresh session: values as the database returns them
        back = s.get(Article, art_id)
        assert back is not None
        for value in (back.published_at, back.first_seen_at, back.last_checked_at):
            assert value is not None and value.utcoffset() == timedelta(0)
        assert back.published_at == published  # the same instant
        assert back.published_at.isoformat() == "2024-11-29T03:30:15.123456+00:00"
        # comparisons in SQL use the instant too, whatever offset the parameter has
        hit = s.exec(
            select(Article.id).where(Article.published_at == published.astimezone(UTC))
        ).all()
        assert hit == [art_id]
        later = s.exec(
            select(Article.id).where(
                Article.published_at > datetime(2024, 11, 29, 3, 30, tzinfo=UTC)
            )
        ).all()
        assert later == [art_id]


def test_naive_datetime_is_refused(db: Session) -> None:
    # the column type refuses it; SQLAlchemy Core (the batch insert on PostgreSQL) wraps that
    with pytest.raises((ValueError, StatementError), match="naive"):
        _store(db, "https://cantho.gov.vn/naive", now=datetime(2024, 11, 29, 10, 30))


# --- sources ----------------------------------------------------------------------------------


def test_sync_sources_inserts_and_renames(db: Session, engine: Engine) -> None:
    vnx = Src("vnexpress", "VnExpress", "https://vnexpress.net/rss/thoi-su.rss")
    sync_sources(db, [Src(CANTHO.id, "Cần Thơ (mới)", "https://cantho.gov.vn/tin"), vnx])
    sync_sources(engine, [vnx])  # an engine works too; a source left out stays stored
    with session(engine) as s:
        assert [(x.id, x.name, x.url) for x in list_sources(s)] == [
            ("cantho-portal", "Cần Thơ (mới)", "https://cantho.gov.vn/tin"),
            ("vnexpress", "VnExpress", "https://vnexpress.net/rss/thoi-su.rss"),
        ]


def test_record_poll_keeps_state_and_log(db: Session) -> None:
    t1, t2, t3 = NOW, NOW + timedelta(minutes=15), NOW + timedelta(minutes=30)
    record_poll(
        db, CANTHO.id, started_at=t1, duration_ms=850, ok=True, status=200, items=12, new=12,
        etag='W/"abc"', last_modified="Fri, 29 Nov 2024 03:30:00 GMT",
    )  # fmt: skip
    record_poll(
        db, CANTHO.id, started_at=t2, duration_ms=20000, ok=False, error="timeout after 20s"
    )
    src = record_poll(
        db, CANTHO.id, started_at=t3, duration_ms=300, ok=False, status=503, error="HTTP 503"
    )
    assert (src.consecutive_failures, src.last_error, src.polls) == (2, "HTTP 503", 3)
    assert (src.last_success_at, src.last_new_at, src.last_poll_at) == (t1, t1, t3)
    assert (src.etag, src.baselined, src.poll_ms_total) == ('W/"abc"', True, 21150)
    src = record_poll(db, CANTHO.id, started_at=t3, duration_ms=10, ok=True, status=304)
    assert (src.consecutive_failures, src.last_error, src.empty_polls) == (0, None, 0)
    assert src.etag == 'W/"abc"'  # a 304 keeps the validators
    src = record_poll(db, CANTHO.id, started_at=t3, duration_ms=10, ok=True, status=200)
    assert src.empty_polls == 1
    set_source_state(db, CANTHO.id, health="failing", empty_bodies=3)
    db.expunge_all()
    stored = get_source(db, CANTHO.id)
    assert stored is not None and (stored.health, stored.empty_bodies) == ("failing", 3)
    logs = db.exec(select(PollLog).order_by(PollLog.id)).all()
    assert [(p.ok, p.status, p.error) for p in logs] == [
        (True, 200, None),
        (False, None, "timeout after 20s"),
        (False, 503, "HTTP 503"),
        (True, 304, None),
        (True, 200, None),
    ]
    assert logs[0].started_at == t1


# --- articles ---------------------------------------------------------------------------------


def test_store_article_with_matches_and_alerts(db: Session) -> None:
    art = _store(
        db,
        "https://cantho.gov.vn/tin-2",
        matches=[MATCH],
        alerts=[NewAlert("team-email"), NewAlert("team-chat", payload={"x": 1})],
        search_text="ubnd tp can tho",
    )
    db.expunge_all()
    tm = db.exec(select(TopicMatch)).one()
    assert (tm.article_id, tm.topic_id, tm.score) == (art.id, "regional-cooperation", 7.0)
    assert tm.terms == [["liên kết vùng", 2], ["TP.HCM", 1]] and tm.spans == [[20, 33]]
    assert tm.snippet.startswith("… ký kết thỏa thuận")
    alerts = db.exec(select(Alert).order_by(Alert.channel_id)).all()
    assert [(a.channel_id, a.kind, a.key, a.status, a.article_id, a.source_id) for a in alerts] == [
        ("team-chat", "article", f"article:{art.id}", "pending", art.id, CANTHO.id),
        ("team-email", "article", f"article:{art.id}", "pending", art.id, CANTHO.id),
    ]
    assert alerts[0].payload == {"x": 1} and alerts[0].next_attempt_at == NOW
    assert known_urls(db, ["https://cantho.gov.vn/tin-2", "https://cantho.gov.vn/tin-9"]) == {
        "https://cantho.gov.vn/tin-2"
    }


def test_duplicate_url_returns_the_stored_article(db: Session, engine: Engine) -> None:
    first = _store(db, "https://cantho.gov.vn/tin-3", alerts=[NewAlert("team-email")])
    again = _store(
        db,
        "https://cantho.gov.vn/tin-3",
        title="Tiêu đề khác",
        now=NOW + timedelta(hours=1),
        alerts=[NewAlert("team-email")],
    )
    assert again.id == first.id and again.title == first.title and again.first_seen_at == NOW
    with session(engine) as s:
        assert len(s.exec(select(Article)).all()) == 1
        assert len(s.exec(select(Alert)).all()) == 1


def test_unique_url_is_enforced_by_the_database(db: Session) -> None:
    _store(db, "https://cantho.gov.vn/tin-4")
    db.add(Article(source_id=CANTHO.id, url="https://cantho.gov.vn/tin-4", title="t",
                   first_seen_at=NOW, content_hash="x"))  # fmt: skip
    with pytest.raises(IntegrityError, match=r"(?i)unique"):
        db.flush()
    db.rollback()


def test_store_article_is_all_or_nothing(db: Session, engine: Engine) -> None:
    """A failure after the article and its matches were written leaves no trace of either."""
    bad_alert = NewAlert("team-email", payload={"unserialisable": object()})
    with pytest.raises((TypeError, StatementError), match="not JSON serializable"):
        _store(db, "https://cantho.gov.vn/tin-5", matches=[MATCH], alerts=[bad_alert])
    with session(engine) as s:
        assert s.exec(select(Article)).all() == []
        assert s.exec(select(TopicMatch)).all() == []
        assert s.exec(select(Alert)).all() == []
    art = _store(db, "https://cantho.gov.vn/tin-5", matches=[MATCH])  # the session still works
    assert art.id is not None


def test_revision_updates_article_and_queues_update_alert(db: Session) -> None:
    art = _store(db, "https://cantho.gov.vn/tin-6", matches=[MATCH])
    later = NOW + timedelta(hours=2)
    rev = add_revision(
        db,
        art.id,
        seen_at=later,
        title=art.title,
        body=art.body + "\n\nCập nhật: bổ sung danh sách 13 tỉnh, thành ĐBSCL.",
        content_hash="h2",
        diff="+Cập nhật: bổ sung danh sách 13 tỉnh, thành ĐBSCL.",
        matches=[Match("regional-cooperation", 9.0)],
        alerts=[NewAlert("team-email", kind="update")],
    )
    db.expunge_all()
    stored = get_article(db, art.id)
    assert stored is not None and stored.content_hash == "h2" and stored.last_checked_at == later
    assert stored.body.endswith("thành ĐBSCL.")
    assert [r.diff for r in db.exec(select(Revision)).all()] == [rev.diff]
    assert [m.score for m in db.exec(select(TopicMatch)).all()] == [9.0]
    alert = db.exec(select(Alert)).one()
    assert (alert.kind, alert.key, alert.article_id) == ("update", f"update:{rev.id}", art.id)


def test_recheck_selection(db: Session) -> None:
    day = timedelta(days=1)
    old = _store(db, "https://cantho.gov.vn/cu", now=NOW - 5 * day)  # older than 3 days
    fresh = _store(db, "https://cantho.gov.vn/moi", now=NOW - 2 * day)
    checked = _store(db, "https://cantho.gov.vn/vua-kiem-tra", now=NOW - 2 * day)
    gone = _store(db, "https://cantho.gov.vn/da-go", now=NOW - day)
    mark_checked(db, checked.id, NOW - timedelta(minutes=5))
    mark_checked(db, fresh.id, NOW - 2 * day)
    mark_withdrawn(db, gone.id, NOW - timedelta(hours=1))
    mark_withdrawn(db, gone.id, NOW)  # the first time it was seen gone is kept
    due = articles_to_recheck(db, NOW, 3 * day, NOW - timedelta(hours=1), 10)
    assert [a.url for a in due] == [fresh.url]
    assert articles_to_recheck(db, NOW, 3 * day, NOW, 10, source_id="other") == []
    db.expunge_all()
    assert get_article(db, gone.id).withdrawn_at == NOW - timedelta(hours=1)
    assert old.id is not None


# --- the outbox -------------------------------------------------------------------------------


def test_alert_key_is_unique_second_enqueue_is_noop(db: Session) -> None:
    def enqueue(error: str) -> bool:
        return enqueue_alert(
            db, "team-email", "health", f"health:{CANTHO.id}:3", now=NOW,
            source_id=CANTHO.id, payload={"error": error},
        )  # fmt: skip

    assert enqueue("HTTP 503") is True
    assert enqueue("timeout after 20s") is False
    assert enqueue_alert(db, "team-chat", "health", f"health:{CANTHO.id}:3", now=NOW)
    rows = db.exec(select(Alert).where(Alert.channel_id == "team-email")).all()
    assert [r.payload for r in rows] == [{"error": "HTTP 503"}]


def test_outbox_lifecycle(db: Session) -> None:
    ids = []
    for i in range(3):
        enqueue_alert(db, "team-email", "article", f"article:{i}", now=NOW + timedelta(seconds=i))
    enqueue_alert(db, "digest", "article", "article:0", now=NOW)
    due = due_alerts(db, NOW + timedelta(minutes=1), channel_ids=["team-email"])
    ids = [a.id for a in due]
    assert [a.key for a in due] == ["article:0", "article:1", "article:2"]
    assert due_alerts(db, NOW - timedelta(seconds=1)) == []
    mark_sent(db, ids[0], NOW)
    mark_retry(db, ids[1], "HTTP 502", NOW + timedelta(minutes=5))
    mark_failed(db, [ids[2]], "HTTP 401 (check the token)")
    assert [a.id for a in due_alerts(db, NOW + timedelta(minutes=1))] == [
        a.id for a in pending_for_channel(db, "digest")
    ]
    db.expunge_all()
    sent, retry, failed = (db.get(Alert, i) for i in ids)
    assert (sent.status, sent.sent_at, sent.attempts) == ("sent", NOW, 1)
    assert (retry.status, retry.attempts, retry.last_error) == ("pending", 1, "HTTP 502")
    assert retry.next_attempt_at == NOW + timedelta(minutes=5)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert [a.id for a in list_alerts(db, statuses=["failed"])] == [ids[2]]
    later = NOW + timedelta(minutes=2)
    assert requeue(db, ("failed", "pending"), now=later) == 3  # failed + 2 pending
    due_now = {a.id: a for a in due_alerts(db, later)}
    assert set(due_now) >= {ids[1], ids[2]} and due_now[ids[2]].attempts == 0


def test_channel_state(db: Session) -> None:
    assert get_channel_state(db, "digest") is None
    set_last_digest(db, "digest", NOW)
    set_last_digest(db, "digest", NOW + timedelta(hours=1))
    db.expunge_all()
    assert get_channel_state(db, "digest").last_digest_at == NOW + timedelta(hours=1)


# --- PostgreSQL isolation -----------------------------------------------------------------------


@pytest.mark.postgres
def test_two_postgres_schemas_never_see_each_others_rows() -> None:
    from tests.conftest_db import pg_schema_url

    with pg_schema_url() as url_a, pg_schema_url() as url_b:
        a, b = make_engine(url_a), make_engine(url_b)
        try:
            upgrade(a)
            upgrade(b)
            with session(a) as s:
                sync_sources(s, [CANTHO])
                _store(s, "https://cantho.gov.vn/chi-o-a")
            with session(b) as s:
                assert list_sources(s) == []
                assert known_urls(s, ["https://cantho.gov.vn/chi-o-a"]) == set()
                sync_sources(s, [CANTHO])
                _store(s, "https://cantho.gov.vn/chi-o-a")  # no clash with schema a's row
            with session(a) as s:
                assert len(s.exec(select(Article)).all()) == 1
                assert s.exec(select(Source)).one().id == CANTHO.id
        finally:
            a.dispose()
            b.dispose()
