"""The search index in batches (migration 0003, storage/searchindex.py), on SQLite and PostgreSQL.

Articles stored with `store_articles` wait above the watermark until `index_pending`; edits
and deletions of indexed and not-yet-indexed articles keep the index exact; an existing 0002
database upgrades with everything still found. PostgreSQL's GIN index needs none of this: there
`index_pending` does nothing and the same searches must give the same answers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from monitor.pipeline import persist as store
from monitor.pipeline.rows import search_text
from storage.articles import NewArticle, store_articles
from storage.db import current_revision, head_revision, make_engine, upgrade
from storage.history import ReportFilter, report_articles
from storage.readdb import open_read
from storage.revisions import add_revision
from storage.search import parse_query
from storage.searchindex import index_pending, index_pending_engine
from storage.sources import sync_sources
from tests.records import Src, store_article

pytest_plugins = ["tests.conftest_db"]

NOW = datetime(2025, 1, 20, 2, 15, tzinfo=UTC)
SOURCE = "cantho-portal"


def _source(engine: Engine) -> None:
    with Session(engine) as s:
        sync_sources(s, [Src(SOURCE, "Cổng TTĐT TP. Cần Thơ", "https://cantho.gov.vn/")])


def _new(key: str, title: str, body: str) -> NewArticle:
    return NewArticle(
        url=f"https://cantho.gov.vn/tin-tuc/{key}",
        title=title,
        body=body,
        content_hash=key,
        published_at=NOW - timedelta(hours=1),
        search_text=search_text(title, body),
    )


def _store(engine: Engine, *articles: NewArticle) -> list[int]:
    with Session(engine) as s:
        store_articles(s, SOURCE, articles, NOW)
    with engine.connect() as conn:
        urls = [a.url for a in articles]
        found = {url: id_ for url, id_ in conn.execute(text("SELECT url, id FROM articles"))}
    return [found[u] for u in urls]


def _search(engine: Engine, query: str) -> set[int]:
    """What `report --all --search QUERY` lists (the history commands' own connection)."""
    db = open_read(engine.url.render_as_string(hide_password=False))
    assert db is not None, "the test database is not at the newest schema"
    try:
        rows, total = report_articles(db, ReportFilter(search=parse_query(query), all=True))
    finally:
        db.close()
    assert total == len(rows)
    return {r.id for r in rows}


def _watermark(engine: Engine) -> int | None:
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT upto FROM search_index_state")).scalar_one()


def _fts_consistent(engine: Engine) -> None:
    """FTS5's own check that the index holds exactly the indexed rows' current text."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as conn:
        upto = conn.execute(text("SELECT upto FROM search_index_state")).scalar_one()
        indexed = conn.execute(text("SELECT count(*) FROM articles WHERE id <= :u"), {"u": upto})
        in_fts = conn.execute(text("SELECT count(*) FROM articles_fts_docsize"))
        assert indexed.scalar_one() == in_fts.scalar_one()
        if upto == conn.execute(text("SELECT coalesce(max(id), 0) FROM articles")).scalar_one():
            conn.exec_driver_sql(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)"
            )


@pytest.fixture
def indexed(engine: Engine) -> Iterator[Engine]:
    _source(engine)
    yield engine


def test_stored_articles_are_found_once_indexed(indexed: Engine) -> None:
    engine = indexed
    a, b = _store(
        engine,
        _new("hoi-nghi", "Hội nghị liên kết vùng ĐBSCL", "TP.HCM và Cần Thơ ký thoả thuận."),
        _new("thoi-tiet", "Thời tiết", "Mưa rào ở Sóc Trăng."),
    )
    if engine.dialect.name == "sqlite":
        assert _watermark(engine) == 0, "store_articles leaves the indexing for later"
        assert index_pending_engine(engine) == 2
        assert _watermark(engine) == b
        assert index_pending_engine(engine) == 0, "nothing waits any more"
    else:
        assert index_pending_engine(engine) == 0  # the server keeps its GIN index itself
    assert _search(engine, "lien ket vung") == {a}
    assert _search(engine, "sóc trăng") == {b}
    _fts_consistent(engine)


def test_a_search_catches_up_on_what_waits(indexed: Engine) -> None:
    """`report --search` right after a store that nobody indexed yet (a poll killed between
    its commit and its catch-up) still finds the new articles."""
    engine = indexed
    (a,) = _store(engine, _new("mou", "Cần Thơ và Hậu Giang ký MOU", "Hai tỉnh liên kết vùng."))
    assert _search(engine, "liên kết vùng") == {a}
    if engine.dialect.name == "sqlite":
        assert _watermark(engine) == a
    _fts_consistent(engine)


def test_store_article_one_at_a_time_is_found_at_once(indexed: Engine) -> None:
    engine = indexed
    (waiting,) = _store(engine, _new("cho", "Liên kết vùng", "Bài chờ chỉ mục."))
    title, body = "Liên kết vùng Tây Nam Bộ", "Một bài lưu riêng."
    with Session(engine, expire_on_commit=False) as s:
        art = store_article(
            s,
            SOURCE,
            url="https://cantho.gov.vn/mot-bai",
            title=title,
            body=body,
            content_hash="x",
            now=NOW,
            search_text=search_text(title, body),
        )
    assert _search(engine, "tay nam bo") == {art.id}
    assert _search(engine, "lien ket vung") == {art.id, waiting}, "it indexed the waiting one too"
    _fts_consistent(engine)


@pytest.mark.parametrize("indexed_first", [True, False], ids=["indexed", "not-yet-indexed"])
def test_an_edit_is_found_by_its_new_words_only(indexed: Engine, indexed_first: bool) -> None:
    engine = indexed
    (art,) = _store(engine, _new("ban-dau", "Giá lúa tăng", "Nông dân Đồng Tháp phấn khởi."))
    if indexed_first:
        index_pending_engine(engine)
    title, body = "Giá lúa tăng", "Thương lái ở Hậu Giang thu mua."
    with Session(engine) as s:
        add_revision(
            s,
            art,
            seen_at=NOW + timedelta(hours=1),
            title=title,
            body=body,
            content_hash="v2",
            search_text=search_text(title, body),
        )
    index_pending_engine(engine)
    assert _search(engine, "hậu giang") == {art}
    assert _search(engine, "đồng tháp") == set()
    assert _search(engine, "gia lua") == {art}
    _fts_consistent(engine)


def test_deleting_the_last_article_lets_its_id_come_back_unindexed(indexed: Engine) -> None:
    """SQLite numbers a new row max(id) + 1, so after the newest article is deleted its id is
    handed out again: the watermark moves down with it, and the newcomer is indexed."""
    engine = indexed
    first, last = _store(
        engine,
        _new("mot", "Cầu Mỹ Thuận", "Khánh thành."),
        _new("hai", "Cảng Trần Đề", "Khởi công."),
    )
    index_pending_engine(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM articles WHERE id = :i"), {"i": last})
    assert _search(engine, "tran de") == set()
    (again,) = _store(engine, _new("ba", "Sân bay Cần Thơ", "Mở đường bay mới."))
    if engine.dialect.name == "sqlite":
        assert again == last, "SQLite gave the id out again"
        assert _watermark(engine) == first
    index_pending_engine(engine)
    assert _search(engine, "san bay") == {again}
    assert _search(engine, "my thuan") == {first}
    _fts_consistent(engine)


def test_index_pending_waits_for_a_batch_when_asked(indexed: Engine) -> None:
    engine = indexed
    ids = _store(engine, *(_new(f"b{i}", f"Bản tin số {i}", "Liên kết vùng.") for i in range(3)))
    if engine.dialect.name != "sqlite":
        assert store.index_articles(engine) == 0
        return
    assert store.index_articles(engine, at_least=4) == 0
    assert _watermark(engine) == 0
    assert store.index_articles(engine, at_least=3) == 3
    assert _search(engine, "lien ket vung") == set(ids)


def test_index_pending_on_a_plain_sqlite3_connection(tmp_path: Path) -> None:
    path = tmp_path / "newsmon.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    _source(engine)
    a, b = _store(engine, _new("a", "Liên kết vùng", "Một."), _new("b", "Liên kết vùng", "Hai."))
    engine.dispose()
    conn = sqlite3.connect(path)
    try:
        assert index_pending(conn) == 2
        assert not conn.in_transaction, "its own transaction, committed"
        conn.execute("BEGIN")
        assert index_pending(conn) == 0
        conn.rollback()
        rows = conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH '\"lien ket vung\"'"
        ).fetchall()
        assert sorted(r[0] for r in rows) == [a, b]
    finally:
        conn.close()
    assert index_pending(object()) == 0, "anything but sqlite3 (psycopg): nothing to do"


def _insert_0002(engine: Engine, key: str, title: str, body: str, *, matched: bool = False) -> int:
    """A row as the code of revision 0002 wrote it (today's models have later columns); the
    0002 trigger indexes it."""
    with engine.begin() as conn:
        at = NOW.replace(tzinfo=None) if engine.dialect.name == "sqlite" else NOW
        article_id = int(
            conn.execute(
                text(
                    "INSERT INTO articles (source_id, url, title, first_seen_at, body,"
                    " content_hash, baseline, search_text)"
                    " VALUES (:s, :u, :t, :at, :b, :h, false, :st) RETURNING id"
                ),
                {
                    "s": SOURCE,
                    "u": f"https://cantho.gov.vn/{key}",
                    "t": title,
                    "at": at,
                    "b": body,
                    "h": key,
                    "st": search_text(title, body),
                },
            ).scalar_one()
        )
        if matched:
            conn.execute(
                text(
                    "INSERT INTO topic_matches (article_id, topic_id, score, terms, snippet,"
                    " spans) VALUES (:a, 'regional-cooperation', 5.0, '[]', '', '[]')"
                ),
                {"a": article_id},
            )
    return article_id


def test_a_0002_database_upgrades_with_every_article_found(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0002")
        _source(engine)
        stored = {}
        for key, title in [("a", "Liên kết vùng ĐBSCL"), ("b", "Hợp tác TP.HCM - Cần Thơ")]:
            stored[key] = _insert_0002(engine, key, title, "Nội dung.", matched=True)
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        if engine.dialect.name == "sqlite":
            assert _watermark(engine) == stored["b"], "everything was indexed already"
            assert index_pending_engine(engine) == 0
        assert _search(engine, "lien ket vung") == {stored["a"]}
        assert _search(engine, "can tho") == {stored["b"]}
        (new,) = _store(engine, _new("c", "Liên kết vùng mới", "Sau khi nâng cấp."))
        index_pending_engine(engine)
        assert _search(engine, "lien ket vung") == {stored["a"], new}
        _fts_consistent(engine)
    finally:
        engine.dispose()


def test_downgrade_to_0002_indexes_what_waits(tmp_path: Path) -> None:
    from alembic import command

    from storage.db import _alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'newsmon.db'}")
    try:
        upgrade(engine)
        _source(engine)
        (waiting,) = _store(engine, _new("cho", "Liên kết vùng", "Chưa vào chỉ mục."))
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0002")
        assert current_revision(engine) == "0002"
        later = _insert_0002(engine, "sau", "Liên kết vùng", "Trigger 0002 lập chỉ mục.")
        with engine.connect() as conn:
            hits = conn.exec_driver_sql(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH '\"lien ket vung\"'"
            )
            assert sorted(r[0] for r in hits) == [waiting, later]
        upgrade(engine)
        assert _watermark(engine) == later
        _fts_consistent(engine)
    finally:
        engine.dispose()


def test_the_pipeline_indexes_each_sources_new_articles(engine: Engine, tmp_path: Path) -> None:
    """monitor/pipeline/persist.py: a poll's new articles are searchable once `write_poll` returns."""
    import time

    from monitor.config.models import load_config
    from monitor.fetch.client import FetchResult
    from monitor.items import Article
    from monitor.pipeline.record import PollPass, PollRecord
    from monitor.pipeline.rows import new_articles

    path = tmp_path / "sources.yaml"
    path.write_text(
        f"sources:\n  - id: {SOURCE}\n    name: Cổng TTĐT TP. Cần Thơ\n"
        "    url: https://cantho.gov.vn/\n",
        encoding="utf-8",
    )
    config = load_config(path)
    (source,) = config.sources
    _source(engine)
    read = [
        (Article(f"https://cantho.gov.vn/{i}", f"Liên kết vùng, bài {i}", "Nội dung."), [])
        for i in range(3)
    ]
    listing = FetchResult(source.url, 200, b"", None, None, None, False, 0)
    found = PollPass(listing, new_articles(config, source, read, baseline=False))
    record = PollRecord(id=source.id, status=200, items=3)
    store.write_poll(engine, config, source, record, found, NOW, started=time.monotonic())
    assert record.new == 3
    with engine.connect() as conn:
        ids = set(conn.execute(text("SELECT id FROM articles")).scalars())
    if engine.dialect.name == "sqlite":
        assert _watermark(engine) == max(ids)
    assert _search(engine, "lien ket vung") == ids
    store.PollBatch(engine, [source]).flush()  # the end of a pass: nothing left to index
    _fts_consistent(engine)


def test_a_search_that_cannot_catch_up_still_answers(
    indexed: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A reader that cannot write (a read-only file, say) searches what is indexed, with a
    warning, instead of failing."""
    if indexed.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's index needs no catching up")
    from storage import history

    def refuse(_connection: object) -> int:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    (old,) = _store(indexed, _new("cu", "Liên kết vùng ĐBSCL", "Đã có trong chỉ mục."))
    index_pending_engine(indexed)
    _store(indexed, _new("moi", "Liên kết vùng mới", "Chưa vào chỉ mục."))
    monkeypatch.setattr(history, "index_pending", refuse)
    assert _search(indexed, "liên kết vùng") == {old}
    assert "index not caught up: attempt to write a readonly database" in caplog.text
