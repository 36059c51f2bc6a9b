"""The durable outbox with real parts: a real database (SQLite and PostgreSQL), a real SMTP
server (aiosmtpd) and a real HTTP receiver on 127.0.0.1; time is passed in, nothing sleeps.

What a user checks: every alert arrives exactly once (also across an outage), a dead channel
holds up nobody, retries back off and give up after 48 h, digests come once per period (also
one that fell due while newsmon was down), a failing source alerts once and once on recovery,
and no channel secret shows up anywhere.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from sqlmodel import Session, select

from monitor.config.models import Config, parse_config
from monitor.match.matcher import TopicMatch
from notifiers.dispatch import dispatch_due
from notifiers.outbox import (
    LAYOUT_MESSAGE,
    PollOutcome,
    article_alerts,
    enqueue_health,
    health_transition,
    retry_delay,
    route,
    update_alerts,
)
from storage.alerts import requeue, set_last_digest
from storage.db import make_engine, upgrade
from storage.models import Alert, ChannelState
from storage.revisions import add_revision
from storage.sources import record_poll, sync_sources
from tests.http_receiver import HTTPReceiver
from tests.records import store_article
from tests.smtp_server import SMTPReceiver, free_port

T0 = datetime(2024, 11, 29, 3, 30, tzinfo=UTC)  # Thứ Sáu, 29/11/2024 - 10:30 in Vietnam
TOPIC = "regional-cooperation"
SNIPPET = "UBND TP. Cần Thơ và TP.HCM ký thỏa thuận hợp tác, đẩy mạnh liên kết vùng ĐBSCL."
SECRET = "s3cr3t-Pa55w0rd-xyz"


def make_config(tmp_path: Path, channels: list[dict[str, Any]], **settings: Any) -> Config:
    data = {
        "settings": {"failure_alert_after": 3, **settings},
        "topics": [
            {
                "id": TOPIC,
                "name": "Hợp tác, liên kết vùng",
                "terms": {"liên kết vùng": 3, "TP.HCM": 1},
            },
            {"id": "flood", "name": "Lũ lụt ĐBSCL", "terms": {"lũ": 2, "triều cường": 2}},
        ],
        "channels": channels,
        "sources": [
            {"id": "cantho", "name": "Cổng TTĐT TP. Cần Thơ", "url": "https://cantho.gov.vn/"},
            {
                "id": "baocantho",
                "name": "Báo Cần Thơ",
                "url": "https://baocantho.com.vn/",
                "topics": ["flood"],
            },
        ],
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return parse_config(path.read_text(encoding="utf-8"), str(path), base=tmp_path)


def match(topic: str = TOPIC, score: float = 7) -> TopicMatch:
    start = SNIPPET.index("liên kết vùng")
    return TopicMatch(
        topic_id=topic,
        score=score,
        matched=True,
        terms=[("liên kết vùng", 2), ("TP.HCM", 1)],
        snippet=SNIPPET,
        spans=[(start, start + len("liên kết vùng"))],
    )


def store(
    engine: Engine,
    config: Config,
    n: int,
    now: datetime,
    *,
    source_id: str = "cantho",
    matches: list[TopicMatch] | None = None,
    baseline: bool = False,
) -> int:
    """Store article n with its matches and alert rows, as the pipeline does; its id."""
    source = config.source(source_id)
    assert source is not None
    found = matches if matches is not None else [match()]
    sync_sources(engine, config)
    with Session(engine, expire_on_commit=False) as session:
        row = store_article(
            session,
            source_id,
            url=f"https://cantho.gov.vn/tin-tuc/lien-ket-vung-{n}.html",
            title=f"Cần Thơ và TP.HCM đẩy mạnh liên kết vùng, bài {n}",
            body=SNIPPET,
            content_hash=f"hash-{n}",
            now=now,
            published_at=now - timedelta(minutes=5),
            baseline=baseline,
            matches=found,
            alerts=article_alerts(config, source, found, baseline),
        )
    assert row.id is not None
    return row.id


def alerts(engine: Engine) -> list[Alert]:
    with Session(engine) as session:
        return list(session.exec(select(Alert).order_by(Alert.id)))


def dispatch(engine: Engine, config: Config, now: datetime) -> Any:
    return asyncio.run(dispatch_due(engine, config, now))


@pytest.fixture
def smtp() -> Iterator[SMTPReceiver]:
    with SMTPReceiver() as server:
        yield server


@pytest.fixture
def hook() -> Iterator[HTTPReceiver]:
    with HTTPReceiver() as server:
        yield server


def closed_url() -> str:
    return f"json://bot:{SECRET}@127.0.0.1:{free_port()}/hook?cto=1&rto=1"


# ---------------------------------------------------------------- routing (pure)


def test_route_follows_channel_topics_source_topics_and_flags(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        [
            {"id": "all", "url": "json://127.0.0.1:1/a"},
            {"id": "coop", "url": "json://127.0.0.1:1/b", "topics": [TOPIC], "updates": True},
            {"id": "flood", "url": "json://127.0.0.1:1/c", "topics": ["flood"], "health": False},
            {"id": "off", "url": "json://127.0.0.1:1/d", "enabled": False},
        ],
    )
    cantho, baocantho = config.sources
    assert route(config, cantho, [TOPIC]) == ["all", "coop"]
    assert route(config, cantho, ["flood"]) == ["all", "flood"]
    assert route(config, cantho, []) == []
    # baocantho narrows its topics to flood: a regional-cooperation match does not count there
    assert route(config, baocantho, [TOPIC]) == []
    assert route(config, baocantho, [TOPIC, "flood"]) == ["all", "flood"]
    assert route(config, cantho, [TOPIC], kind="update") == ["coop"]
    assert route(config, cantho, [], kind="health") == ["all", "coop"]


def test_article_alerts_name_the_channels_topics_and_skip_baseline(tmp_path: Path) -> None:
    channels = [
        {"id": "all", "url": "json://127.0.0.1:1/a"},
        {"id": "coop", "url": "json://127.0.0.1:1/b", "topics": [TOPIC]},
    ]
    config = make_config(tmp_path, channels)
    cantho = config.sources[0]
    specs = article_alerts(config, cantho, [match(), match("flood")], baseline=False)
    assert [(s.channel_id, s.kind, s.payload["topics"]) for s in specs] == [
        ("all", "article", [TOPIC, "flood"]),
        ("coop", "article", [TOPIC]),
    ]
    assert article_alerts(config, cantho, [match()], baseline=True) == []
    eager = make_config(tmp_path, channels, alert_on_first_poll=True)
    assert len(article_alerts(eager, eager.sources[0], [match()], baseline=True)) == 2
    assert update_alerts(config, cantho, [match()]) == []  # no channel wants updates


def test_retry_delay_doubles_from_one_minute_to_one_hour() -> None:
    minutes = [retry_delay(n) / timedelta(minutes=1) for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


# ---------------------------------------------------------------- delivery


def test_email_arrives_once_and_is_marked_sent(
    tmp_path: Path, engine: Engine, smtp: SMTPReceiver
) -> None:
    config = make_config(tmp_path, [{"id": "team-email", "url": smtp.url()}])
    article_id = store(engine, config, 1, T0)

    stats = dispatch(engine, config, T0)
    again = dispatch(engine, config, T0 + timedelta(minutes=5))

    messages = smtp.wait_for(1)
    assert (stats.sent, stats.failed, again.sent) == (1, 0, 0)
    assert len(messages) == 1
    subject = "[Hợp tác, liên kết vùng] Cần Thơ và TP.HCM đẩy mạnh liên kết vùng, bài 1"
    assert messages[0]["Subject"] == subject
    html = messages[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<b>liên kết vùng</b>" in html
    assert "Cổng TTĐT TP. Cần Thơ" in html and "29/11/2024 10:25 (+07)" in html
    assert 'href="https://cantho.gov.vn/tin-tuc/lien-ket-vung-1.html"' in html
    [row] = alerts(engine)
    assert (row.status, row.kind, row.key, row.attempts) == (
        "sent",
        "article",
        f"article:{article_id}",
        1,
    )
    assert row.sent_at == T0


def test_chat_gets_one_request_per_alert(
    tmp_path: Path, engine: Engine, hook: HTTPReceiver
) -> None:
    config = make_config(tmp_path, [{"id": "chat", "url": hook.url("json", "/alerts")}])
    for n in range(3):
        store(engine, config, n, T0)

    stats = dispatch(engine, config, T0)
    dispatch(engine, config, T0 + timedelta(hours=1))

    requests = hook.wait_for(3)
    assert stats.sent == 3 and len(requests) == 3
    titles = sorted(r.json()["title"] for r in requests)
    assert titles == [
        f"[Hợp tác, liên kết vùng] Cần Thơ và TP.HCM đẩy mạnh liên kết vùng, bài {n}"
        for n in range(3)
    ]
    assert "liên kết vùng" in requests[0].json()["message"]


def test_update_alert_says_what_changed(tmp_path: Path, engine: Engine, hook: HTTPReceiver) -> None:
    config = make_config(
        tmp_path, [{"id": "chat", "url": hook.url(), "updates": True, "format": "text"}]
    )
    article_id = store(engine, config, 1, T0)
    dispatch(engine, config, T0)
    with Session(engine, expire_on_commit=False) as session:
        revision = add_revision(
            session,
            article_id,
            seen_at=T0 + timedelta(hours=2),
            title="Cần Thơ và TP.HCM ký kết liên kết vùng",
            body=SNIPPET + " Bổ sung: ký ngày 29/11.",
            content_hash="hash-2",
            diff="+ Bổ sung: ký ngày 29/11.",
            alerts=update_alerts(config, config.sources[0], [match()]),
        )

    stats = dispatch(engine, config, T0 + timedelta(hours=2))

    requests = hook.wait_for(2)
    assert stats.sent == 1 and len(requests) == 2
    body = requests[1].json()
    assert (
        body["title"] == "[Hợp tác, liên kết vùng] Updated: Cần Thơ và TP.HCM ký kết liên kết vùng"
    )
    assert "+ Bổ sung: ký ngày 29/11." in body["message"]
    assert alerts(engine)[-1].key == f"update:{revision.id}"


def test_smtp_outage_then_recovery_delivers_each_alert_exactly_once(
    tmp_path: Path, engine: Engine, smtp: SMTPReceiver
) -> None:
    config = make_config(tmp_path, [{"id": "team-email", "url": smtp.url()}])
    smtp.stop()
    store(engine, config, 1, T0)
    store(engine, config, 2, T0)

    down = dispatch(engine, config, T0)
    assert (down.sent, down.failed, down.retried) == (0, 2, 2)
    assert {a.status for a in alerts(engine)} == {"pending"}
    assert {a.next_attempt_at for a in alerts(engine)} == {T0 + timedelta(minutes=1)}

    smtp.start()
    early = dispatch(engine, config, T0 + timedelta(seconds=30))  # still backing off
    assert early.sent == 0 and smtp.messages == []
    store(engine, config, 3, T0 + timedelta(seconds=50))
    up = dispatch(engine, config, T0 + timedelta(minutes=1))
    after = dispatch(engine, config, T0 + timedelta(minutes=30))

    messages = smtp.wait_for(3)
    assert (up.sent, after.sent) == (3, 0)
    subjects = sorted(str(m["Subject"]) for m in messages)
    assert len(subjects) == 3 and len(set(subjects)) == 3
    assert [a.status for a in alerts(engine)] == ["sent"] * 3


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """For tests about timing, where the database behind makes no difference."""
    eng = make_engine(f"sqlite:///{tmp_path / 'newsmon.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


def test_failing_or_slow_channel_does_not_hold_up_the_others(
    tmp_path: Path, sqlite_engine: Engine, hook: HTTPReceiver
) -> None:
    engine = sqlite_engine
    hanging = socket.socket()  # accepts connections, never answers: a service that hangs
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(8)
    slow_url = f"json://127.0.0.1:{hanging.getsockname()[1]}/hook?cto=1&rto=2"
    config = make_config(
        tmp_path,
        [
            {"id": "dead", "url": closed_url()},
            {"id": "slow", "url": slow_url, "topics": ["flood"]},
            {"id": "chat", "url": hook.url()},
        ],
    )
    store(engine, config, 1, T0)
    store(engine, config, 2, T0, matches=[match("flood")])
    store(engine, config, 3, T0)

    async def scenario() -> tuple[int, bool]:
        task = asyncio.create_task(dispatch_due(engine, config, T0))
        got = await asyncio.to_thread(hook.wait_for, 3, 1.5)
        running = not task.done()
        await task
        return len(got), running

    try:
        delivered, slow_still_running = asyncio.run(scenario())
    finally:
        hanging.close()
    assert delivered == 3 and slow_still_running
    status = {(a.channel_id, a.status) for a in alerts(engine)}
    assert status == {("chat", "sent"), ("dead", "pending"), ("slow", "pending")}


def test_backoff_schedule_then_failed_after_48_hours_then_retry(
    tmp_path: Path, engine: Engine
) -> None:
    config = make_config(tmp_path, [{"id": "dead", "url": closed_url()}])
    store(engine, config, 1, T0)

    now, waits = T0, []
    for _ in range(8):
        stats = dispatch(engine, config, now)
        assert stats.failed == 1 and stats.retried == 1
        [row] = alerts(engine)
        waits.append((row.next_attempt_at - now) / timedelta(minutes=1))
        now = row.next_attempt_at
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    assert dispatch(engine, config, now - timedelta(seconds=1)).failed == 0  # not yet due

    final = dispatch(engine, config, T0 + timedelta(hours=48))
    [row] = alerts(engine)
    assert (final.failed, final.gave_up, row.status) == (1, 1, "failed")
    assert row.last_error and SECRET not in row.last_error
    assert dispatch(engine, config, T0 + timedelta(hours=49)).failed == 0  # left alone

    with Session(engine) as session:
        assert requeue(session, ("failed", "pending"), now=T0 + timedelta(hours=50)) == 1
    [row] = alerts(engine)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "pending",
        0,
        T0 + timedelta(hours=50),
    )


def test_two_dispatchers_at_once_send_each_alert_once(
    tmp_path: Path, engine: Engine, hook: HTTPReceiver
) -> None:
    config = make_config(tmp_path, [{"id": "chat", "url": hook.url()}])
    for n in range(4):
        store(engine, config, n, T0)

    async def both() -> list[Any]:
        return list(
            await asyncio.gather(dispatch_due(engine, config, T0), dispatch_due(engine, config, T0))
        )

    first, second = asyncio.run(both())
    assert first.sent + second.sent == 4
    assert len(hook.wait_for(4)) == 4
    assert len({r.json()["title"] for r in hook.requests}) == 4


def test_alerts_of_a_removed_channel_stay_pending_and_are_reported(
    tmp_path: Path, engine: Engine, hook: HTTPReceiver
) -> None:
    config = make_config(tmp_path, [{"id": "old", "url": hook.url()}])
    store(engine, config, 1, T0)
    later = make_config(tmp_path, [{"id": "new", "url": hook.url()}])

    stats = dispatch(engine, later, T0)

    assert stats.stranded == {"old": 1} and stats.sent == 0
    assert [a.status for a in alerts(engine)] == ["pending"]
    assert dispatch(engine, config, T0).sent == 1  # back in the config: delivered


# ---------------------------------------------------------------- digests


def digest_config(tmp_path: Path, hook: HTTPReceiver) -> Config:
    channel = {
        "id": "daily",
        "url": hook.url(),
        "mode": "digest",
        "digest_every": "1h",
        "format": "text",
    }
    return make_config(tmp_path, [channel])


def test_digest_once_per_period_grouped_by_topic(
    tmp_path: Path, engine: Engine, hook: HTTPReceiver
) -> None:
    config = digest_config(tmp_path, hook)
    store(engine, config, 1, T0)
    store(engine, config, 2, T0 + timedelta(minutes=10), matches=[match("flood", 9)])
    store(engine, config, 3, T0 + timedelta(minutes=20))

    assert dispatch(engine, config, T0 + timedelta(minutes=59)).sent == 0
    due = dispatch(engine, config, T0 + timedelta(hours=1))
    again = dispatch(engine, config, T0 + timedelta(hours=1, minutes=1))

    assert (due.sent, due.messages, again.sent) == (3, 1, 0)
    [request] = hook.wait_for(1)
    body = request.json()
    assert body["title"] == "[newsmon] Digest: 3 new article(s)"
    text = body["message"]
    coop, flood = text.index("Hợp tác, liên kết vùng:"), text.index("Lũ lụt ĐBSCL:")
    assert coop < text.index("bài 1") < text.index("bài 3") < flood < text.index("bài 2")
    assert {a.status for a in alerts(engine)} == {"sent"}
    with Session(engine) as session:
        state = session.get(ChannelState, "daily")
        assert state is not None and state.last_digest_at == T0 + timedelta(hours=1)

    # the next article waits for the next slot, one period after the last digest
    store(engine, config, 4, T0 + timedelta(hours=1, minutes=30))
    assert dispatch(engine, config, T0 + timedelta(hours=1, minutes=59)).sent == 0
    assert dispatch(engine, config, T0 + timedelta(hours=2)).sent == 1
    assert len(hook.wait_for(2)) == 2


def test_digest_due_while_down_is_sent_at_next_dispatch_once(
    tmp_path: Path, engine: Engine, hook: HTTPReceiver
) -> None:
    config = digest_config(tmp_path, hook)
    with Session(engine) as session:
        set_last_digest(session, "daily", T0)
    store(engine, config, 1, T0 + timedelta(minutes=10))
    store(engine, config, 2, T0 + timedelta(minutes=50))
    # newsmon was down from T0+15m to T0+5h: the slot at T0+1h passed unseen
    back = T0 + timedelta(hours=5)

    stats = dispatch(engine, config, back)
    dispatch(engine, config, back + timedelta(minutes=1))

    assert (stats.sent, stats.messages) == (2, 1)
    [request] = hook.wait_for(1)
    assert "bài 1" in request.json()["message"] and "bài 2" in request.json()["message"]
    with Session(engine) as session:
        state = session.get(ChannelState, "daily")
        assert state is not None and state.last_digest_at == back


def test_failed_digest_is_retried_whole_and_nothing_is_lost(
    tmp_path: Path, engine: Engine, hook: HTTPReceiver
) -> None:
    config = digest_config(tmp_path, hook)
    store(engine, config, 1, T0)
    store(engine, config, 2, T0 + timedelta(minutes=5))
    hook.fail_with = 500

    failed = dispatch(engine, config, T0 + timedelta(hours=1))
    assert (failed.failed, failed.retried) == (2, 2)
    hook.fail_with = None
    store(engine, config, 3, T0 + timedelta(hours=1))  # joins the retried digest
    assert dispatch(engine, config, T0 + timedelta(hours=1, seconds=30)).sent == 0
    ok = dispatch(engine, config, T0 + timedelta(hours=1, minutes=1))

    assert (ok.sent, ok.messages) == (3, 1)
    assert len(hook.requests) == 2  # the failed try and the one that worked
    last = hook.requests[-1].json()["message"]
    assert all(f"bài {n}" in last for n in (1, 2, 3))


def test_digest_email_arrives_once_with_hostile_titles_escaped(
    tmp_path: Path, engine: Engine, smtp: SMTPReceiver
) -> None:
    channel = {"id": "mail", "url": smtp.url(), "mode": "digest", "digest_every": "1d"}
    config = make_config(tmp_path, [channel])
    store(engine, config, 1, T0)
    source = config.sources[0]
    sync_sources(engine, config)
    with Session(engine) as session:  # a page whose title tries to inject markup and a link
        store_article(
            session,
            "cantho",
            url="javascript:alert(1)",
            title='<script>alert("x")</script> [bấm](javascript:alert(2)) liên kết vùng',
            body=SNIPPET,
            content_hash="hostile",
            now=T0,
            matches=[match()],
            alerts=article_alerts(config, source, [match()], False),
        )

    stats = dispatch(engine, config, T0 + timedelta(days=1))
    dispatch(engine, config, T0 + timedelta(days=1, hours=1))

    assert (stats.sent, stats.messages) == (2, 1)
    [message] = smtp.wait_for(1)
    assert message["Subject"] == "[Hợp tác, liên kết vùng] Digest: 2 new article(s)"
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;" in html
    assert 'href="https://cantho.gov.vn/tin-tuc/lien-ket-vung-1.html"' in html


def test_long_digest_is_split_so_every_article_is_shown(
    tmp_path: Path, engine: Engine, hook: HTTPReceiver
) -> None:
    # ntfy bodies are limited (a few KB): 60 articles need several messages, none cut short
    config = make_config(
        tmp_path,
        [{"id": "daily", "url": hook.url("ntfy", "/newsmon"), "mode": "digest"}],
    )
    for n in range(60):
        store(engine, config, n, T0)

    stats = dispatch(engine, config, T0 + timedelta(hours=1))

    assert stats.sent == 60 and stats.messages > 1
    requests = hook.wait_for(stats.messages)
    shown = "\n".join(ntfy_text(r.body) for r in requests)
    assert "not shown" not in shown
    assert all(shown.count(f"bài {n}:") == 1 for n in range(60))


def ntfy_text(body: bytes) -> str:
    """ntfy posts the message raw, or as JSON when it carries more than the text."""
    text = body.decode("utf-8")
    try:
        return str(json.loads(text)["message"])
    except (ValueError, KeyError, TypeError):
        return text


# ---------------------------------------------------------------- source health


def poll(engine: Engine, config: Config, now: datetime, *, ok: bool, items: int = 5) -> list[Any]:
    """One poll's bookkeeping as monitor/pipeline/persist.py does it: record, then health, one commit."""
    source = config.sources[0]
    sync_sources(engine, config)
    with Session(engine, expire_on_commit=False) as session:
        row = record_poll(
            session,
            source.id,
            started_at=now,
            duration_ms=10,
            ok=ok,
            status=200 if ok or items == 0 else None,
            items=items if ok or items == 0 else 0,
            error=None if ok else ("no article links found" if items == 0 else "HTTP 503"),
            commit=False,
        )
        specs = enqueue_health(session, config, source, row, now)
        session.commit()
    return specs


def test_one_health_alert_after_n_failures_and_one_recovery(
    tmp_path: Path, engine: Engine, hook: HTTPReceiver
) -> None:
    config = make_config(
        tmp_path,
        [
            {"id": "ops", "url": hook.url(), "format": "text"},
            {"id": "quiet", "url": hook.url("json", "/quiet"), "health": False},
        ],
    )
    poll(engine, config, T0, ok=True)
    for n in range(1, 7):
        poll(engine, config, T0 + timedelta(minutes=15 * n), ok=False)
        if n == 2:
            assert alerts(engine) == []
    poll(engine, config, T0 + timedelta(hours=2), ok=True)
    poll(engine, config, T0 + timedelta(hours=2, minutes=15), ok=True)

    rows = alerts(engine)
    assert [(a.channel_id, a.kind) for a in rows] == [("ops", "health"), ("ops", "recovered")]
    assert rows[0].created_at == T0 + timedelta(minutes=45)  # the third failure
    stats = dispatch(engine, config, T0 + timedelta(hours=2, minutes=15))
    assert stats.sent == 2
    failing, recovered = (r.json() for r in hook.wait_for(2))
    assert failing["title"] == "[newsmon] Source failing: Cổng TTĐT TP. Cần Thơ"
    assert "HTTP 503" in failing["message"]
    assert "29/11/2024 10:45 (+07)" in failing["message"]  # failing since the first failure
    assert recovered["title"] == "[newsmon] Source recovered: Cổng TTĐT TP. Cần Thơ"

    # a second outage is a new event: one more alert
    for n in range(1, 4):
        poll(engine, config, T0 + timedelta(hours=3, minutes=15 * n), ok=False)
    assert [a.kind for a in alerts(engine)] == ["health", "recovered", "health"]


def test_empty_listing_where_items_used_to_be_is_one_layout_alert(
    tmp_path: Path, engine: Engine
) -> None:
    config = make_config(tmp_path, [{"id": "ops", "url": "json://127.0.0.1:1/x"}])
    poll(engine, config, T0, ok=True)
    for n in range(1, 6):  # the listing reads fine, but its selectors find nothing
        poll(engine, config, T0 + timedelta(minutes=15 * n), ok=False, items=0)

    rows = alerts(engine)
    assert [a.kind for a in rows] == ["layout"]
    assert rows[0].created_at == T0 + timedelta(minutes=30)
    assert rows[0].payload["error"].startswith(LAYOUT_MESSAGE)


def test_health_transition_rules() -> None:
    config = parse_config(
        "channels: [{id: ops, url: 'json://127.0.0.1:1/x'}]\n"
        "sources: [{id: s, name: Sở, url: 'https://example.org/'}]\n",
        "inline.yaml",
    )
    source = config.sources[0]
    now = T0

    def step(health: str, **outcome: Any) -> tuple[str, list[str]]:
        change = health_transition(config, source, health, PollOutcome(**outcome), now)
        return change.health, [a.kind for a in change.alerts]

    assert step("ok", ok=False, failures=2) == ("ok", [])
    assert step("ok", ok=False, failures=3, streak="x") == ("failing", ["health"])
    assert step("failing", ok=False, failures=9) == ("failing", [])
    assert step("failing", ok=True, listing_items=4) == ("ok", ["recovered"])
    # empty bodies: two or more, at least half of the new articles
    assert step("ok", ok=True, listing_items=4, articles_read=4, empty_bodies=1) == ("ok", [])
    assert step("ok", ok=True, listing_items=4, articles_read=3, empty_bodies=2) == (
        "layout",
        ["layout"],
    )
    # layout recovers once new articles have bodies again, not on a quiet poll
    assert step("layout", ok=True, listing_items=4) == ("layout", [])
    assert step("layout", ok=True, listing_items=4, articles_read=2) == ("ok", ["recovered"])
    # a failing source whose listing now reads but is empty (used to yield): layout, no recovery
    empty = {"listing_items": 0, "yielded_before": True}
    assert step("failing", ok=False, failures=5, empty_listings=1, **empty) == ("failing", [])
    assert step("failing", ok=False, failures=6, empty_listings=2, **empty) == (
        "layout",
        ["layout"],
    )


# ---------------------------------------------------------------- secrets


def test_no_secret_in_errors_or_logs(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path, [{"id": "dead", "url": closed_url()}])
    store(engine, config, 1, T0)
    caplog.set_level(logging.DEBUG)

    stats = dispatch(engine, config, T0)

    assert stats.failed == 1
    [row] = alerts(engine)
    assert row.last_error and SECRET not in row.last_error
    assert caplog.records and SECRET not in caplog.text
    assert SECRET not in json.dumps(row.payload, ensure_ascii=False)
