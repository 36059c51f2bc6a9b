"""`newsmon report`, `show` and `sources` end to end, on SQLite and PostgreSQL, seeded through
the repository layer; every option and format, outputs parsed back."""

from __future__ import annotations

import csv
import difflib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from monitor.cli import main
from monitor.pipeline.rows import search_text
from storage.alerts import NewAlert, due_alerts, mark_sent
from storage.revisions import add_revision
from storage.sources import record_poll, sync_sources
from tests.records import Match, Src, store_article

pytest_plugins = ["tests.conftest_db"]

NOW = datetime.now(UTC).replace(microsecond=0)

CONFIG = """
settings:
  timezone: Asia/Ho_Chi_Minh
topics:
  - id: regional-cooperation
    name: "Hợp tác, liên kết vùng"
    terms: {"liên kết vùng": 3}
  - id: agriculture
    name: "Nông nghiệp"
    terms: {"giá lúa": 3}
sources:
  - id: cantho-portal
    name: "Cổng TTĐT TP. Cần Thơ"
    url: https://cantho.gov.vn/
  - id: baocantho
    name: "Báo Cần Thơ"
    url: https://baocantho.com.vn/
  - id: vinhlong
    name: "Cổng TTĐT tỉnh Vĩnh Long"
    url: https://vinhlong.gov.vn/
"""


COOP = Match("regional-cooperation", 6.0, [("liên kết vùng", 2)], "… ký kết liên kết vùng ĐBSCL …")
RICE = Match("agriculture", 3.0, [("giá lúa", 1)], "Giá lúa tăng nhẹ")
OLD_BODY = (
    "Sáng 29/11, UBND hai thành phố ký kết chương trình liên kết vùng.\n\nHai bên thống nhất."
)
NEW_BODY = (
    "Sáng 29/11, UBND hai thành phố ký kết chương trình liên kết vùng ĐBSCL.\n\nHai bên thống nhất."
)
# (key, source, title, body, age, matches)
SEED = [
    ("coop", "cantho-portal", "Cần Thơ và TP.HCM ký thoả thuận liên kết vùng", OLD_BODY, timedelta(hours=3), [COOP]),
    ("rice", "baocantho", "Giá lúa tăng | nông dân <vui>", "Giá lúa tăng nhẹ ở Cờ Đỏ.", timedelta(days=3), [RICE]),
    ("both", "vinhlong", "Liên kết vùng giúp giá lúa ổn định", "Vĩnh Long liên kết vùng, giá lúa.", timedelta(days=20), [COOP, RICE]),
    ("old", "cantho-portal", "Liên kết vùng: nhìn lại năm 2023", "Tổng kết liên kết vùng.", timedelta(days=400), [COOP]),
    ("plain", "baocantho", "Thời tiết Cần Thơ hôm nay", "Mưa rào, liên kết tạm dừng.", timedelta(days=1), []),
]  # fmt: skip


@pytest.fixture
def setup(
    engine: Engine, db_url: str, tmp_path: Path
) -> Iterator[tuple[list[str], dict[str, int]]]:
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    ids: dict[str, int] = {}
    with Session(engine) as s:
        sync_sources(s, [Src("cantho-portal", "Cổng TTĐT TP. Cần Thơ", "https://cantho.gov.vn/"),
                              Src("baocantho", "Báo Cần Thơ", "https://baocantho.com.vn/"),
                              Src("vinhlong", "Cổng TTĐT tỉnh Vĩnh Long", "https://vinhlong.gov.vn/")])  # fmt: skip
        for key, src, title, body, age, matches in SEED:
            art = store_article(
                s, src, url=f"https://example.vn/{key}", title=title, body=body,
                content_hash=key, now=NOW - age, published_at=NOW - age - timedelta(minutes=5),
                search_text=search_text(title, body), matches=matches,
                alerts=[NewAlert("team-email")] if key == "coop" else (),
            )  # fmt: skip
            assert art.id is not None
            ids[key] = art.id
        diff = "\n".join(difflib.unified_diff(OLD_BODY.splitlines(), NEW_BODY.splitlines(), "trước", "sau", lineterm=""))  # fmt: skip
        add_revision(s, ids["coop"], seen_at=NOW - timedelta(hours=1), title=SEED[0][2],
                          body=NEW_BODY, content_hash="coop-2", diff=diff,
                          search_text=search_text(SEED[0][2], NEW_BODY))  # fmt: skip
        alert = due_alerts(s, NOW)[0]
        mark_sent(s, alert.id, NOW - timedelta(minutes=50))
        record_poll(s, "baocantho", started_at=NOW - timedelta(minutes=10), duration_ms=1500,
                         ok=False, status=503, error="HTTP 503\nService Unavailable")  # fmt: skip
        record_poll(s, "cantho-portal", started_at=NOW - timedelta(minutes=5), duration_ms=800,
                         ok=True, status=200, items=10, new=1)  # fmt: skip
    yield ["--config", str(config), "--db", db_url], ids


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def report_json(capsys: pytest.CaptureFixture[str], base: list[str], *opts: str) -> dict:
    code, out, err = run(capsys, [*base, "report", "--format", "json", *opts])
    assert code == 0, err
    return json.loads(out)


def keys(data: dict, ids: dict[str, int]) -> list[str]:
    names = {v: k for k, v in ids.items()}
    return [names[a["id"]] for a in data["articles"]]


def test_report_filters(capsys: pytest.CaptureFixture[str], setup: tuple) -> None:
    base, ids = setup
    assert keys(report_json(capsys, base), ids) == ["coop", "rice", "both", "old"]  # newest first
    assert keys(report_json(capsys, base, "--all"), ids) == ["coop", "plain", "rice", "both", "old"]
    assert keys(report_json(capsys, base, "--since", "7d"), ids) == ["coop", "rice"]
    assert keys(report_json(capsys, base, "--since", "36h", "--all"), ids) == ["coop", "plain"]
    assert keys(report_json(capsys, base, "--topic", "agriculture"), ids) == ["rice", "both"]
    assert keys(report_json(capsys, base, "--source", "cantho-portal"), ids) == ["coop", "old"]
    old_day = (NOW - timedelta(days=400) + timedelta(hours=7)).date().isoformat()
    until = report_json(capsys, base, "--until", old_day)
    assert keys(until, ids) == ["old"]
    data = report_json(capsys, base, "--limit", "2")
    assert keys(data, ids) == ["coop", "rice"] and data["total"] == 4


def test_report_json_shape(capsys: pytest.CaptureFixture[str], setup: tuple) -> None:
    base, ids = setup
    first = report_json(capsys, base, "--topic", "regional-cooperation", "--limit", "1")[
        "articles"
    ][0]
    assert first["id"] == ids["coop"] and first["source"] == "cantho-portal"
    assert first["topics"] == [
        {"id": "regional-cooperation", "score": 6.0, "terms": ["liên kết vùng"]}
    ]
    assert first["snippet"] == COOP.snippet
    seen = datetime.fromisoformat(first["first_seen_at"])
    assert seen.utcoffset() == timedelta(hours=7) and seen == NOW - timedelta(hours=3)


def test_report_search(capsys: pytest.CaptureFixture[str], setup: tuple) -> None:
    base, ids = setup
    for query in ("lien ket vung", "LIÊN KẾT VÙNG", "liên kết vùng"):
        data = report_json(capsys, base, "--search", query)
        assert set(keys(data, ids)) == {"coop", "both", "old"}
    data = report_json(capsys, base, "--search", "liên kết vùng", "--topic", "agriculture")
    assert keys(data, ids) == ["both"] and data["total"] == 1
    data = report_json(capsys, base, "--search", "liên kết vùng", "--source", "cantho-portal")
    assert set(keys(data, ids)) == {"coop", "old"}
    data = report_json(capsys, base, "--search", "liên kết", "--all")
    assert "plain" in keys(data, ids)
    assert "liên kết" in data["articles"][0]["snippet"].lower()
    code, _, err = run(capsys, [*base, "report", "--search", "  "])
    assert code == 2 and "no word" in err


def test_report_counts(capsys: pytest.CaptureFixture[str], setup: tuple) -> None:
    base, _ = setup
    by_source = report_json(capsys, base, "--by", "source")["counts"]
    assert by_source == [
        {"key": "cantho-portal", "articles": 2},
        {"key": "baocantho", "articles": 1},
        {"key": "vinhlong", "articles": 1},
    ]
    by_topic = report_json(capsys, base, "--by", "topic", "--all")["counts"]
    assert by_topic == [
        {"key": "regional-cooperation", "articles": 3},
        {"key": "agriculture", "articles": 2},
        {"key": None, "articles": 1},
    ]
    by_day = report_json(capsys, base, "--by", "day", "--since", "30d")["counts"]
    assert sum(c["articles"] for c in by_day) == 3
    assert [c["key"] for c in by_day] == sorted(c["key"] for c in by_day)
    code, out, _ = run(capsys, [*base, "report", "--by", "source", "--format", "csv"])
    assert code == 0 and list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))[1] == [
        "cantho-portal",
        "2",
    ]


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "html", "json"])
def test_report_formats_to_a_file(
    capsys: pytest.CaptureFixture[str], setup: tuple, tmp_path: Path, fmt: str
) -> None:
    base, _ = setup
    target = tmp_path / f"report.{fmt}"
    code, out, err = run(capsys, [*base, "report", "--format", fmt, "--output", str(target)])
    assert code == 0 and out == "" and "wrote 4 of 4 articles" in err
    raw = target.read_bytes()
    text = raw.decode("utf-8")
    assert "Cần Thơ và TP.HCM ký thoả thuận liên kết vùng" in text
    if fmt == "csv":
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert len(rows) == 4 and rows[1]["title"] == "Giá lúa tăng | nông dân <vui>"
    elif fmt == "html":
        assert "&lt;vui&gt;" in text and "<vui>" not in text
        assert '<a href="https://example.vn/coop">' in text and "matched a topic" in text
    elif fmt == "markdown":
        assert "Giá lúa tăng \\| nông dân \\<vui\\>" in text
    elif fmt == "json":
        assert json.loads(text)["total"] == 4
    else:
        assert "4 of 4 articles" in text and "\x1b[" not in text


def test_report_table_on_stdout(
    capsys: pytest.CaptureFixture[str], setup: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = setup
    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, _ = run(capsys, [*base, "report", "--search", "liên kết vùng"])
    assert code == 0
    assert "3 of 3 articles" in out and "search: liên kết vùng" in out and "Thời tiết" not in out
    # piped, not a terminal: the file width, like --output (rich alone would use 80)
    assert 80 < max(len(line) for line in out.splitlines()) <= 120


def test_report_usage_errors(capsys: pytest.CaptureFixture[str], setup: tuple) -> None:
    base, _ = setup
    for opts, message in (
        (["--topic", "nope"], "unknown topic 'nope'"),
        (["--source", "nope"], "unknown source 'nope'"),
        (["--since", "7 ngày"], "not a date"),
        (["--by", "week"], "Invalid value"),
    ):
        code, _, err = run(capsys, [*base, "report", *opts])
        assert code == 2 and message in err and "Traceback" not in err


def test_show(capsys: pytest.CaptureFixture[str], setup: tuple) -> None:
    base, ids = setup
    code, out, err = run(capsys, [*base, "show", str(ids["coop"]), "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["title"] == SEED[0][2] and data["body"] == NEW_BODY
    assert data["topics"][0]["terms"] == ["liên kết vùng"]
    assert data["topics"][0]["snippet"] == COOP.snippet
    assert len(data["revisions"]) == 1 and "+Sáng 29/11" in data["revisions"][0]["diff"]
    assert datetime.fromisoformat(data["revisions"][0]["seen_at"]) == NOW - timedelta(hours=1)
    assert data["alerts"] == [
        {
            "channel": "team-email",
            "kind": "article",
            "status": "sent",
            "sent_at": (NOW - timedelta(minutes=50)).astimezone(datetime.fromisoformat(data["first_seen_at"]).tzinfo).isoformat(),
            "attempts": 1,
            "last_error": None,
        }
    ]  # fmt: skip
    code, out, _ = run(capsys, [*base, "show", "https://example.vn/coop/"])
    assert code == 0
    for text in ("Cổng TTĐT TP. Cần Thơ", "regional-cooperation", "Revisions (1)", "+Sáng 29/11", "team-email", "sent"):  # fmt: skip
        assert text in out
    code, _, err = run(capsys, [*base, "show", "999999"])
    assert code == 1 and "no stored article" in err


def test_sources(
    capsys: pytest.CaptureFixture[str], setup: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = setup
    monkeypatch.setenv("COLUMNS", "160")
    code, out, err = run(capsys, [*base, "sources", "--json"])
    assert code == 0, err
    rows = json.loads(out)["sources"]
    assert [r["id"] for r in rows] == ["baocantho", "vinhlong", "cantho-portal"]  # problems first
    bad = rows[0]
    assert bad["ok"] is False and bad["consecutive_failures"] == 1
    assert bad["last_error"] == "HTTP 503 Service Unavailable"  # one line
    assert bad["articles"] == 2 and bad["avg_poll_ms"] == 1500
    good = rows[2]
    assert good["ok"] is True and good["articles"] == 2
    assert datetime.fromisoformat(good["last_success_at"]) == NOW - timedelta(minutes=5)
    assert datetime.fromisoformat(good["last_new_at"]) == NOW - timedelta(minutes=5)
    code, out, _ = run(capsys, [*base, "sources"])
    assert code == 0 and out.index("baocant") < out.index("vinhlo")
    assert "FAIL ×1" in out and "HTTP 503" in out


def test_report_reads_only_the_keys_it_needs(
    capsys: pytest.CaptureFixture[str], setup: tuple, tmp_path: Path
) -> None:
    """A mistake in a part `report` does not read (a poll interval) does not stop the history;
    one in a part it reads (the time zone) is the usual located error."""
    base, ids = setup
    config = Path(base[1])
    broken = CONFIG.replace(
        "url: https://vinhlong.gov.vn/", "url: https://vinhlong.gov.vn/\n    interval: 10 minutes"
    )
    config.write_text(broken, encoding="utf-8")
    assert keys(report_json(capsys, base, "--source", "cantho-portal"), ids) == ["coop", "old"]
    code, _, err = run(capsys, [*base, "check"])
    assert code == 2 and "sources[2].interval" in err
    config.write_text(CONFIG.replace("Asia/Ho_Chi_Minh", "Asia/Can_Tho"), encoding="utf-8")
    code, _, err = run(capsys, [*base, "report"])
    assert code == 2 and f"{config}:3:" in err and "unknown time zone 'Asia/Can_Tho'" in err


def test_report_starts_without_sqlalchemy_or_pydantic(setup: tuple) -> None:
    """`report` is mostly start-up: it reads through the driver, and the configuration without
    the full models (~0.3 s of imports on this kind of machine)."""
    base, _ = setup
    probe = (
        "import sys\nfrom monitor.cli import main\n"
        f"code = main({[*base, 'report', '--format', 'json', '--search', 'liên kết vùng']!r})\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic', 'httpx') if m in sys.modules)\n"
        "print('RESULT', code, heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "RESULT 0 []" in done.stderr, done.stderr
    assert json.loads(done.stdout)["total"] == 3
