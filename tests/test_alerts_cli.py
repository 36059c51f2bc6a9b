"""`newsmon alerts` and `newsmon notify-test` as a user runs them (a real process, real SMTP and
HTTP receivers on 127.0.0.1): results per channel, exit codes, and no secret in the output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session

from monitor.config.models import Source
from storage.alerts import NewAlert, enqueue_alert, list_alerts, mark_failed, mark_retry, mark_sent
from storage.db import make_engine, upgrade
from storage.sources import sync_sources
from tests.http_receiver import HTTPReceiver
from tests.records import store_article
from tests.smtp_server import SMTPReceiver, free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Zq9-t0k3n-S3cr3t-Vx"
T0 = datetime(2024, 11, 29, 3, 30, tzinfo=UTC)


@pytest.fixture
def hook() -> Iterator[HTTPReceiver]:
    with HTTPReceiver() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SMTPReceiver]:
    with SMTPReceiver() as server:
        yield server


def write_config(tmp_path: Path, channels: list[dict]) -> Path:
    data = {
        "topics": [{"id": "coop", "name": "Liên kết vùng", "terms": ["liên kết vùng"]}],
        "channels": channels,
        "sources": [
            {"id": "cantho", "name": "Cổng TTĐT TP. Cần Thơ", "url": "https://cantho.gov.vn/"}
        ],
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def newsmon(config: Path, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "--db", db, *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_notify_test_reports_each_channel_and_fails_if_one_fails(
    tmp_path: Path, hook: HTTPReceiver, smtp: SMTPReceiver
) -> None:
    config = write_config(
        tmp_path,
        [
            {"id": "chat", "url": hook.url("json", "/hook", userinfo=f"bot:{SECRET}")},
            {"id": "email", "url": smtp.url()},
            {"id": "dead", "url": f"json://bot:{SECRET}@127.0.0.1:{free_port()}/x?cto=1"},
            {"id": "off", "url": hook.url("json", "/off"), "enabled": False},
        ],
    )
    db = f"sqlite:///{tmp_path / 'newsmon.db'}"

    everyone = newsmon(config, db, "notify-test")

    assert everyone.returncode == 1
    lines = {line.split()[0]: line for line in everyone.stdout.splitlines()}
    assert set(lines) == {"chat", "email", "dead"}
    assert lines["chat"].endswith("ok") and lines["email"].endswith("ok")
    assert "failed:" in lines["dead"]
    assert SECRET not in everyone.stdout + everyone.stderr
    assert "127.0.0.1" in lines["chat"]  # the redacted URL still says where it went
    assert [r.path for r in hook.wait_for(1)] == ["/hook"]
    assert hook.requests[0].json()["title"] == "[newsmon] Test message"
    assert len(smtp.wait_for(1)) == 1

    one = newsmon(config, db, "notify-test", "off")  # named: tested even when disabled
    assert one.returncode == 0 and one.stdout.startswith("off ")
    unknown = newsmon(config, db, "notify-test", "nope")
    assert unknown.returncode == 2
    assert "unknown channel 'nope'" in unknown.stderr and "Traceback" not in unknown.stderr


def test_alerts_lists_filters_and_retries_without_secrets(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, [{"id": "chat", "url": f"json://bot:{SECRET}@127.0.0.1:{free_port()}/x"}]
    )
    db = f"sqlite:///{tmp_path / 'newsmon.db'}"
    engine = make_engine(db)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        sync_sources(session, [Source(id="cantho", name="Cần Thơ", url="https://cantho.gov.vn/")])
        article = store_article(
            session,
            "cantho",
            url="https://cantho.gov.vn/tin/lien-ket-vung.html",
            title="TP.HCM và ĐBSCL đẩy mạnh liên kết vùng",
            body="…",
            content_hash="h",
            now=T0,
            alerts=[NewAlert("chat")],
        )
        for kind, key in (("health", "health:cantho:a"), ("recovered", "recovered:cantho:b")):
            enqueue_alert(
                session,
                "chat",
                kind,
                key,
                now=T0,
                source_id="cantho",
                payload={"source_name": "Cổng TTĐT TP. Cần Thơ"},
            )
        ids = {a.kind: a.id for a in list_alerts(session)}
        mark_sent(session, ids["recovered"], T0 + timedelta(minutes=1))
        # a stored error that somehow kept the secret: the command scrubs it anyway
        mark_failed(session, ids["health"], f"HTTP 401 for json://bot:{SECRET}@host")
        mark_retry(session, ids["article"], "connection refused", T0 + timedelta(minutes=5))
    engine.dispose()

    listed = newsmon(config, db, "alerts", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["kind"]: r for r in json.loads(listed.stdout)["alerts"]}
    assert {k: r["status"] for k, r in rows.items()} == {
        "article": "pending",
        "health": "failed",
        "recovered": "sent",
    }
    assert rows["article"]["title"] == "TP.HCM và ĐBSCL đẩy mạnh liên kết vùng"
    assert rows["article"]["url"] == str(article.url)
    assert rows["article"]["next_attempt_at"] == "2024-11-29T10:35:00+07:00"
    assert rows["health"]["title"] == "Cổng TTĐT TP. Cần Thơ"
    assert rows["recovered"]["sent_at"] == "2024-11-29T10:31:00+07:00"

    failed = newsmon(config, db, "alerts", "--status", "failed")
    assert failed.returncode == 0
    assert "health" in failed.stdout and "recovered" not in failed.stdout
    assert "HTTP 401" in failed.stdout
    assert SECRET not in listed.stdout + failed.stdout + listed.stderr + failed.stderr

    retried = newsmon(config, db, "alerts", "--retry", "--json")
    assert retried.returncode == 0 and "2 alert(s) re-queued" in retried.stderr
    after = {r["kind"]: r for r in json.loads(retried.stdout)["alerts"]}
    assert after["health"]["status"] == "pending" and after["health"]["attempts"] == 0
    assert after["recovered"]["status"] == "sent"
    # due now: the next attempt is no later than the command's own clock
    now = datetime.now(UTC)
    for kind in ("health", "article"):
        due = datetime.fromisoformat(after[kind]["next_attempt_at"])
        assert abs(due - now) < timedelta(minutes=5)


def test_poll_delivers_the_alerts_it_caused_and_fails_if_one_cannot_be(
    loopback, tmp_path: Path, hook: HTTPReceiver
) -> None:
    feed = loopback.url("/baophusa/rss/thoi-su.rss")
    data = {
        "settings": {"per_host_delay": "0s", "timeout": "5s", "alert_on_first_poll": True},
        "topics": [{"id": "mien-tay", "name": "Miền Tây", "terms": {"ĐBSCL": 2, "lúa": 2}}],
        "channels": [
            {"id": "chat", "url": hook.url()},
            {"id": "dead", "url": f"json://bot:{SECRET}@127.0.0.1:{free_port()}/x?cto=1"},
        ],
        "sources": [{"id": "baophusa", "name": "Báo Phù Sa", "url": feed, "type": "feed"}],
    }
    config = tmp_path / "sources.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'newsmon.db'}"

    result = newsmon(config, db, "poll", "--json")

    assert result.returncode == 1, "the dead channel could not be reached"
    summary = json.loads(result.stdout)
    assert (summary["new"], summary["alerts_sent"], summary["alerts_failed"]) == (2, 2, 2)
    titles = sorted(r.json()["title"] for r in hook.wait_for(2))
    assert titles == [
        "[Miền Tây] Giá lúa tăng, nông dân miền Tây phấn khởi",
        "[Miền Tây] TP.HCM và ĐBSCL đẩy nhanh kết nối giao thông liên vùng",
    ]
    assert SECRET not in result.stdout + result.stderr
    queued = json.loads(newsmon(config, db, "alerts", "--status", "pending", "--json").stdout)
    assert {(a["channel"], a["attempts"]) for a in queued["alerts"]} == {("dead", 1)}
