"""A small invented history for the web view's tests and screenshots: Vietnamese articles of
three sources, matches, a revision with a diff, an alert, a poll log, a hostile title."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.pipeline.rows import search_text
from storage.alerts import NewAlert, due_alerts, mark_sent
from storage.revisions import add_revision
from storage.sources import record_poll, sync_sources
from tests.records import Match, Src, store_article

TOKEN = "s3cret-web-token-0123456789"

CONFIG = f"""
settings:
  timezone: Asia/Ho_Chi_Minh
  web_token: "{TOKEN}"
topics:
  - id: regional-cooperation
    name: "Hợp tác, liên kết vùng"
    terms: {{"liên kết vùng": 3, "hợp tác": 1}}
  - id: agriculture
    name: "Nông nghiệp"
    terms: {{"giá lúa": 3}}
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
    "Sáng 29/11, UBND TP. Cần Thơ và UBND tỉnh Vĩnh Long ký kết chương trình liên kết vùng."
    "\n\nHai bên thống nhất hợp tác về giao thông, nông nghiệp và du lịch."
)
NEW_BODY = OLD_BODY.replace("liên kết vùng.", "liên kết vùng ĐBSCL giai đoạn 2025-2030.")
HOSTILE = '<script>alert("x")</script> Liên kết vùng <img src=x onerror=alert(1)>'
# (key, source, url, title, body, age, matches)
SEED = [
    ("coop", "cantho-portal", "https://cantho.gov.vn/tin/coop", "Cần Thơ và Vĩnh Long ký thoả thuận liên kết vùng", OLD_BODY, timedelta(hours=3), [COOP]),
    ("rice", "baocantho", "https://baocantho.com.vn/gia-lua", "Giá lúa tăng, nông dân Cờ Đỏ phấn khởi", "Giá lúa tăng nhẹ ở Cờ Đỏ, nông dân có lãi.", timedelta(days=3), [RICE]),
    ("both", "vinhlong", "https://vinhlong.gov.vn/lien-ket", "Liên kết vùng giúp giá lúa ổn định", "Vĩnh Long liên kết vùng, giá lúa ổn định.", timedelta(days=20), [COOP, RICE]),
    ("hostile", "baocantho", "javascript:alert(1)", HOSTILE, "Nội dung <b>đậm</b> & liên kết vùng.", timedelta(days=40), [COOP]),
    ("plain", "baocantho", "https://baocantho.com.vn/thoi-tiet", "Thời tiết Cần Thơ hôm nay", "Mưa rào.", timedelta(days=1), []),
]  # fmt: skip


def seed(
    engine: Engine, tmp_path: Path, now: datetime | None = None, extra: int = 0
) -> tuple[Path, dict[str, int]]:
    """The config file and the stored ids by key; `extra` more matched articles for paging."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    ids: dict[str, int] = {}
    with Session(engine) as s:
        sync_sources(s, [Src("cantho-portal", "Cổng TTĐT TP. Cần Thơ", "https://cantho.gov.vn/"),
                         Src("baocantho", "Báo Cần Thơ", "https://baocantho.com.vn/"),
                         Src("vinhlong", "Cổng TTĐT tỉnh Vĩnh Long", "https://vinhlong.gov.vn/")])  # fmt: skip
        rows = list(SEED) + [
            (f"x{i}", "vinhlong", f"https://vinhlong.gov.vn/x{i}", f"Hội nghị liên kết vùng số {i}",
             "Liên kết vùng.", timedelta(days=60 + i), [COOP])
            for i in range(extra)
        ]  # fmt: skip
        for key, src, url, title, body, age, matches in rows:
            art = store_article(
                s, src, url=url, title=title, body=body, content_hash=key, now=now - age,
                published_at=now - age - timedelta(minutes=5),
                search_text=search_text(title, body), matches=matches,
                alerts=[NewAlert("team-email")] if key == "coop" else (),
            )  # fmt: skip
            assert art.id is not None
            ids[key] = art.id
        diff = "\n".join(difflib.unified_diff(OLD_BODY.splitlines(), NEW_BODY.splitlines(), "trước", "sau", lineterm=""))  # fmt: skip
        add_revision(s, ids["coop"], seen_at=now - timedelta(hours=1), title=SEED[0][3],
                     body=NEW_BODY, content_hash="coop-2", diff=diff,
                     search_text=search_text(SEED[0][3], NEW_BODY))  # fmt: skip
        alert = due_alerts(s, now)[0]
        mark_sent(s, alert.id, now - timedelta(minutes=50))
        record_poll(s, "baocantho", started_at=now - timedelta(minutes=10), duration_ms=1500,
                    ok=False, status=503, error="HTTP 503 Service Unavailable")  # fmt: skip
        record_poll(s, "cantho-portal", started_at=now - timedelta(minutes=5), duration_ms=800,
                    ok=True, status=200, items=10, new=1)  # fmt: skip
    return config, ids
