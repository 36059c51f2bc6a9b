"""`label`, `learn` and `rematch` as a new user meets them: label five alerts wrong, learn,
rematch, and see the report change; their errors are one line each. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from monitor.cli import main
from storage.models import TopicMatch
from storage.sources import sync_sources
from tests.records import Src, store_article

pytest_plugins = ["tests.conftest_db"]

NOW = datetime.now(UTC).replace(microsecond=0)
PAIRS = [("Cần Thơ", "Hậu Giang"), ("Hà Nội", "Hưng Yên"), ("Đà Nẵng", "Quảng Nam"),
         ("Lâm Đồng", "Đắk Lắk"), ("Tây Ninh", "Long An"), ("Nghệ An", "Hà Tĩnh"),
         ("Khánh Hòa", "Gia Lai"), ("Bắc Ninh", "Bắc Giang")]  # fmt: skip
FIELDS = ["du lịch", "thương mại", "nông nghiệp", "y tế", "giáo dục", "chuyển đổi số"]
CRIMES = ["ma túy", "buôn lậu", "lừa đảo qua mạng", "đánh bạc"]


def _training(n: int = 24) -> list[dict]:
    """Labelled lines the test writes itself: localities working together, and the traps."""
    rows: list[dict] = []
    pairs, fields, crimes = cycle(PAIRS), cycle(FIELDS), cycle(CRIMES)
    for i in range(n):
        a, b = next(pairs)
        f = next(fields)
        rows.append({"id": f"p{i}", "label": True,
                     "title": f"{a} và {b} ký kết chương trình hợp tác {f}",
                     "text": f"Hai địa phương thống nhất phối hợp phát triển {f} giai đoạn 2026-2030."})  # fmt: skip
        a, b = next(pairs)
        if i % 2:
            title = f"Công an {a} phối hợp Công an {b} triệt phá đường dây {next(crimes)} liên tỉnh"
            text = "Các đối tượng bị bắt giữ, thu giữ nhiều tang vật."
        else:
            title = f"{a} hỗ trợ {b} {i + 2} tỉ đồng khắc phục hậu quả lũ lụt"
            text = "Số tiền được trao tận tay bà con vùng lũ."
        rows.append({"id": f"n{i}", "label": False, "title": title, "text": text})
    return rows


CONFIG = """\
topics:
  - id: regional-cooperation
    name: "Hợp tác, liên kết vùng"
    actors: {together: 2}
    model: models/rc.json
sources:
  - id: portal
    name: "Cổng TTĐT"
    url: https://portal.example.vn/
"""


@pytest.fixture
def user(engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    train = tmp_path / "train.jsonl"
    train.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _training()), "utf-8"
    )
    with Session(engine) as s:
        sync_sources(s, [Src("portal", "Cổng TTĐT", "https://portal.example.vn/")])
    base = ["--config", str(config), "--db", db_url]

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*base, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run, train, tmp_path


def _store(engine: Engine, key: str, title: str, body: str) -> int:
    with Session(engine) as s:
        art = store_article(s, "portal", url=f"https://portal.example.vn/{key}", title=title,
                            body=body, content_hash=key, now=NOW - timedelta(hours=1))  # fmt: skip
        assert art.id is not None
        return art.id


def _matched(engine: Engine) -> set[int]:
    with Session(engine) as s:
        return set(s.exec(select(TopicMatch.article_id)).all())


def test_label_learn_rematch_changes_the_report(user, engine: Engine) -> None:
    run, train, _tmp_path = user
    code, out, err = run("learn", "--topic", "regional-cooperation", "--from", str(train), "--json")
    assert code == 0, err
    learned = json.loads(out)
    assert learned["topic"] == "regional-cooperation" and learned["examples"] == 48
    assert learned["f1"] > 0.8 and Path(learned["model"]).is_file()
    good = [_store(engine, f"g{i}", f"{a} và {b} ký kết hợp tác {f}", "Hai tỉnh thống nhất phối hợp.")
            for i, ((a, b), f) in enumerate(zip(PAIRS[:3], FIELDS, strict=False))]  # fmt: skip
    sport = [_store(engine, f"s{i}", f"{a} và {b} phối hợp tổ chức giải bóng đá giao hữu",
                    "Hai địa phương cùng tổ chức giải đấu cho thiếu niên.")
             for i, (a, b) in enumerate(PAIRS[3:8])]  # fmt: skip
    code, out, err = run("rematch", "--json")
    assert code == 0, err
    assert _matched(engine) == set(good) | set(sport), (
        "the model calls the sports pieces cooperation"
    )

    for article_id in sport:
        code, out, err = run("label", str(article_id), "--topic", "regional-cooperation", "no")
        assert code == 0 and f"article {article_id} labelled 'no'" in out
    code, out, err = run("show", str(sport[0]), "--json")
    assert json.loads(out)["labels"] == [
        {"topic": "regional-cooperation", "verdict": "no", "at": json.loads(out)["labels"][0]["at"]}
    ]
    code, out, err = run("learn", "--topic", "regional-cooperation", "--from", str(train), "--json")
    assert code == 0 and json.loads(out)["examples"] == 53
    code, out, err = run("rematch", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["removed"] == 5 and summary["added"] == 0 and summary["articles"] == 8
    assert _matched(engine) == set(good)
    code, out, err = run("report", "--format", "json")
    assert {a["id"] for a in json.loads(out)["articles"]} == set(good)

    # Idempotent: a second rematch changes nothing and leaves the same rows.
    with Session(engine) as s:
        rows = sorted((m.article_id, m.topic_id, m.score) for m in s.exec(select(TopicMatch)))
    code, out, err = run("rematch", "--json")
    assert json.loads(out) == {**summary, "removed": 0}
    with Session(engine) as s:
        again = sorted((m.article_id, m.topic_id, m.score) for m in s.exec(select(TopicMatch)))
    assert again == rows


def test_rematch_alerts_only_when_asked(user, engine: Engine, tmp_path: Path) -> None:
    run, train, _ = user
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG + 'channels:\n  - id: hook\n    url: "json://127.0.0.1:9/"\n', "utf-8")
    assert run("learn", "--topic", "regional-cooperation", "--from", str(train))[0] == 0
    first = _store(
        engine, "g1", "Cần Thơ và Hậu Giang ký kết hợp tác du lịch", "Hai tỉnh thống nhất."
    )
    _, out, _ = run("rematch", "--json")
    assert json.loads(out)["added"] == 1 and json.loads(out)["alerts"] == 0
    assert json.loads(run("alerts", "--json")[1])["total"] == 0
    second = _store(
        engine, "g2", "Hà Nội và Hưng Yên ký kết hợp tác y tế", "Hai địa phương thống nhất."
    )
    _, out, _ = run("rematch", "--since", "7d", "--alert", "--json")
    assert json.loads(out)["added"] == 1 and json.loads(out)["alerts"] == 1
    alerts = json.loads(run("alerts", "--json")[1])["alerts"]
    assert [(a["article_id"], a["channel"]) for a in alerts] == [(second, "hook")]
    _code, out, _ = run("rematch", "--alert", "--json")
    assert json.loads(out)["alerts"] == 0 and first != second


def test_errors_are_one_line(user, engine: Engine, tmp_path: Path) -> None:
    run, train, _ = user
    code, _, err = run("label", "999999", "--topic", "regional-cooperation", "yes")
    assert code == 1 and err.strip() == "error: no stored article with id or URL '999999'"
    art = _store(engine, "x", "Cần Thơ và Hậu Giang ký kết hợp tác", "")
    code, _, err = run("label", str(art), "--topic", "sport", "yes")
    assert code == 2 and "unknown topic 'sport'" in err and err.count("\n") == 1
    code, _, err = run("learn", "--topic", "regional-cooperation")
    assert code == 1 and "too few labels to learn from: 0 yes and 0 no" in err
    (tmp_path / "models").write_text("a file where the folder should be", encoding="utf-8")
    code, _out, err = run("learn", "--topic", "regional-cooperation", "--from", str(train))
    assert code == 1 and "cannot write the model file" in err and err.count("\n") == 1
    assert "Traceback" not in err
