"""`/metrics`: Prometheus text, every name `newsmon_…`, read from the database on each scrape.

A custom collector over storage.stats (plain aggregates, no state in the process), so several
`serve` processes over one database agree and a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from monitor.web.context import WebContext
from storage.stats import read_stats

__all__ = ["metrics"]


class _Collector(Collector):
    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        s = read_stats(self.ctx.read_db())
        now = self.ctx.now()
        yield GaugeMetricFamily("newsmon_articles_stored", "Articles stored.", value=s.articles)
        matches = GaugeMetricFamily(
            "newsmon_matches", "Articles matched, by topic.", labels=["topic"]
        )
        for topic, n in sorted(s.matches.items()):
            matches.add_metric([topic], n)
        yield matches
        alerts = GaugeMetricFamily(
            "newsmon_alerts", "Alerts in the outbox, by status.", labels=["status"]
        )
        for status in sorted({"pending", "sent", "failed", *s.alerts}):
            alerts.add_metric([status], s.alerts.get(status, 0))
        yield alerts
        yield GaugeMetricFamily(
            "newsmon_sources_failing",
            "Sources whose last poll failed.",
            value=sum(1 for src in s.sources if src.failing),
        )
        age = GaugeMetricFamily(
            "newsmon_source_last_success_age_seconds",
            "Seconds since each source's last successful poll (absent: never).",
            labels=["source"],
        )
        for src in s.sources:
            if src.last_success_at is not None:
                age.add_metric([src.id], max(0.0, (now - src.last_success_at).total_seconds()))
        yield age
        polls = CounterMetricFamily(
            "newsmon_polls", "Polls in the poll log, by outcome.", labels=["outcome"]
        )
        for outcome in ("ok", "failed"):
            polls.add_metric([outcome], s.polls.get(outcome, 0))
        yield polls
        buckets = [(f"{b:g}", float(n)) for b, n in s.latency_buckets]
        buckets.append(("+Inf", float(s.latency_count)))
        yield HistogramMetricFamily(
            "newsmon_fetch_latency_seconds",
            "How long each logged poll took.",
            buckets=buckets,
            sum_value=s.latency_sum,
        )


def registry(ctx: WebContext) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(_Collector(ctx))
    return reg


def metrics(request: Request, ctx: WebContext, reg: CollectorRegistry) -> Response:
    return Response(generate_latest(reg), media_type=CONTENT_TYPE_LATEST)
