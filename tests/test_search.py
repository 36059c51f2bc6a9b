"""Search on SQLite (FTS5) and PostgreSQL (GIN): folding, phrases, ranking, sync, index use."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from monitor.pipeline.rows import search_text
from storage.history import ReportFilter, report_articles, report_counts
from storage.readdb import ReadDB, open_read
from storage.revisions import add_revision
from storage.search import fts5_expression, parse_query, search_snippet
from storage.sources import sync_sources
from tests.records import Src, store_article

pytest_plugins = ["tests.conftest_db"]

NOW = datetime(2024, 11, 29, 3, 30, tzinfo=UTC)


# Original test texts: one phrase hit in the title, one in the body written in NFD with the old
# tone placement, one with the words apart, one upper case, one about something else.
DOCS = {
    "title-phrase": ("Hội nghị liên kết vùng ĐBSCL năm 2024", "UBND TP. Cần Thơ chủ trì."),
    "nfd-body": (
        "Cần Thơ và TP.HCM ký kết",
        unicodedata.normalize("NFD", "Hai bên thoả thuận về liên kết vùng và phát triển."),
    ),
    "apart": ("Giá lúa tăng", "Nông dân liên kết với thương lái ở vùng sâu, Đồng Tháp."),
    "upper": ("LIÊN KẾT VÙNG: ĐỘNG LỰC MỚI", "Bài viết hoà nhập, uỷ ban tỉnh Hậu Giang."),
    "other": ("Thời tiết Thứ Sáu, 29/11/2024", "Mưa rào ở Đà Nẵng; đường ngập."),
}


@pytest.fixture
def ids(engine: Engine) -> Iterator[dict[str, int]]:
    found: dict[str, int] = {}
    with Session(engine) as s:
        sync_sources(s, [Src("cantho-portal", "Cổng TTĐT TP. Cần Thơ", "https://cantho.gov.vn/")])
        for i, (key, (title, body)) in enumerate(DOCS.items()):
            art = store_article(
                s,
                "cantho-portal",
                url=f"https://cantho.gov.vn/{key}",
                title=title,
                body=body,
                content_hash=key,
                now=NOW - timedelta(hours=i),
                search_text=search_text(title, body),
            )
            assert art.id is not None
            found[key] = art.id
    yield found


def _read(engine: Engine) -> ReadDB:
    """The history commands' connection (plain driver, no SQLAlchemy) to the test database."""
    db = open_read(engine.url.render_as_string(hide_password=False))
    assert db is not None, "the test database is not at the newest schema"
    return db


def _search(engine: Engine, query: str) -> list[int]:
    db = _read(engine)
    try:
        rows, total = report_articles(db, ReportFilter(search=parse_query(query), all=True))
    finally:
        db.close()
    assert total == len(rows)
    return [r.id for r in rows]


@pytest.mark.parametrize(
    "query",
    [
        "lien ket vung",
        "liên kết vùng",
        "LIÊN KẾT VÙNG",
        unicodedata.normalize("NFD", "Liên Kết Vùng"),
        "Liên  kết\tvùng",
    ],
)
def test_folding_finds_the_same_articles(engine: Engine, ids: dict[str, int], query: str) -> None:
    found = _search(engine, query)
    assert set(found) == {ids["title-phrase"], ids["nfd-body"], ids["apart"], ids["upper"]}
    # the phrase beats the words scattered apart
    assert found[-1] == ids["apart"]


def test_phrase_query_needs_the_words_together(engine: Engine, ids: dict[str, int]) -> None:
    assert set(_search(engine, '"liên kết vùng"')) == {
        ids["title-phrase"],
        ids["nfd-body"],
        ids["upper"],
    }


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("thỏa thuận", "nfd-body"),  # stored as NFD "thoả": tone placement and form ignored
        ("hòa nhập", "upper"),  # stored "hoà"
        ("ủy ban", "upper"),  # stored "uỷ"
        ("dong thap", "apart"),  # đ folds to d
        ("ĐỒNG THÁP", "apart"),
        ("TP.HCM", "nfd-body"),
        ("29/11/2024", "other"),
    ],
)
def test_words_ignore_marks_case_and_tone_placement(
    engine: Engine, ids: dict[str, int], query: str, key: str
) -> None:
    assert _search(engine, query) == [ids[key]]


def test_excluded_words_and_no_hits(engine: Engine, ids: dict[str, int]) -> None:
    assert set(_search(engine, 'liên kết -ĐBSCL -"vùng sâu"')) == {ids["nfd-body"], ids["upper"]}
    assert _search(engine, "Quảng Ninh") == []


def test_edits_and_deletes_keep_the_index_in_step(engine: Engine, ids: dict[str, int]) -> None:
    title, body = "Thời tiết", "Nắng ở Sóc Trăng; hợp tác nông nghiệp."
    with Session(engine) as s:
        add_revision(
            s,
            ids["other"],
            seen_at=NOW,
            title=title,
            body=body,
            content_hash="v2",
            search_text=search_text(title, body),
        )
    assert _search(engine, "soc trang") == [ids["other"]]
    assert _search(engine, "Đà Nẵng") == []
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM articles WHERE id = :i"), {"i": ids["apart"]})
    assert ids["apart"] not in _search(engine, "lien ket vung")


def test_search_combines_with_filters_and_counts(engine: Engine, ids: dict[str, int]) -> None:
    query = parse_query("liên kết vùng")
    db = _read(engine)
    try:
        rows, total = report_articles(
            db, ReportFilter(search=query, all=True, since=NOW - timedelta(minutes=90), limit=1)
        )
        assert total == 2 and len(rows) == 1  # title-phrase and nfd-body are in the window
        assert rows[0].title == DOCS["title-phrase"][0]  # the hit is in the title, so the
        assert rows[0].snippet == DOCS["title-phrase"][1]  # snippet is the body's lead
        counts = report_counts(db, ReportFilter(search=query, all=True), "source", UTC)
        assert [(c.key, c.articles) for c in counts] == [("cantho-portal", 4)]
        # without --all only articles that matched a topic: none stored here
        assert report_articles(db, ReportFilter(search=query)) == ([], 0)
    finally:
        db.close()


def test_the_query_uses_the_index(engine: Engine, ids: dict[str, int]) -> None:
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?",
                ('"lien ket vung"',),
            ).all()
            assert any("VIRTUAL TABLE INDEX" in str(row[-1]) for row in plan)
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")  # a 5-row table: force the choice
            from storage.search import PG_VECTOR

            plan = conn.exec_driver_sql(
                f"EXPLAIN SELECT id FROM articles WHERE {PG_VECTOR} @@ "
                "phraseto_tsquery('simple'::regconfig, 'lien ket vung')"
            ).all()
            lines = "\n".join(row[0] for row in plan)
            assert "ix_articles_search" in lines and "Seq Scan" not in lines


def test_the_date_filter_uses_its_index(engine: Engine, ids: dict[str, int]) -> None:
    with engine.connect() as conn:
        sql = "SELECT id FROM articles WHERE coalesce(published_at, first_seen_at) >= '2024-11-01'"
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        assert "ix_articles_when" in plan


def test_query_parsing() -> None:
    q = parse_query('Liên kết "vùng ĐBSCL" -"hợp tác xã" TP.HCM')
    assert q.required == (("lien",), ("ket",), ("vung", "dbscl"), ("tp", "hcm"))
    assert q.excluded == (("hop", "tac", "xa"),)
    assert q.together == ("lien", "ket", "tp", "hcm")
    assert fts5_expression(parse_query("a")) == '"a"'
    assert fts5_expression(parse_query('"x y" -z')) == '("x y") NOT "z"'
    for empty in ("", "   ", "-chỉ", '"" ...'):
        with pytest.raises(ValueError, match="no word"):
            parse_query(empty)


def test_snippet_shows_the_hit_in_display_text() -> None:
    body = "Mở đầu. " * 30 + unicodedata.normalize("NFD", "Hai bên thoả thuận liên kết vùng.")
    snippet = search_snippet("Tiêu đề", body, parse_query("lien ket vung"), width=80)
    assert "liên kết vùng" in snippet and snippet.startswith("…")
    assert unicodedata.is_normalized("NFC", snippet)
    # a hit in the title only: the body's lead, not the title again (the table shows both)
    lead = search_snippet(
        "Liên kết vùng ĐBSCL", "Sáng 29/11, UBND TP. Cần Thơ họp.", parse_query("lien ket vung")
    )
    assert lead == "Sáng 29/11, UBND TP. Cần Thơ họp."


def test_reports_by_topic_read_the_narrow_index(engine: Engine, ids: dict[str, int]) -> None:
    """SQLite: the page of a report by topic reads each article's source and date from
    ix_articles_report (migration 0004), not from the rows holding the bodies."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner hint; PostgreSQL chooses for itself")
    from storage import history

    db = _read(engine)
    try:
        f = ReportFilter(since=NOW - timedelta(days=30), topic="regional-cooperation", limit=50)
        sql, params = history._page(db, f)[:2]
        plan = " ".join(str(r[-1]) for r in db.rows(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "ix_articles_report" in plan
    finally:
        db.close()
