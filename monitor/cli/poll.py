"""`newsmon poll` (one pass now, then deliver) and `newsmon try` (read a source, store nothing)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import click

from monitor.cli.app import App, pass_app
from monitor.config.models import Config, Source
from monitor.errors import ConfigError
from monitor.extract import extract_article
from monitor.fetch.client import Fetcher, TLSOptions
from monitor.match.evaluate import topic_match_json
from monitor.match.matcher import Matcher, compile_topics
from monitor.pipeline.read import (
    fetch_listing,
    follow_feed,
    read_article,
    read_listing,
    wanted_items,
)
from monitor.pipeline.record import PollRecord


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def selected_sources(config: Config, ids: tuple[str, ...]) -> list[Source]:
    if not ids:
        return [s for s in config.sources if s.enabled]
    unknown = [i for i in ids if config.source(i) is None]
    if unknown:
        known = ", ".join(s.id for s in config.sources)
        raise ConfigError(f"unknown source {unknown[0]!r} (known: {known})")
    return [s for i in ids if (s := config.source(i)) is not None]


async def poll_all(app: App, sources: list[Source], *, alerts: bool) -> dict[str, Any]:
    """Poll the sources concurrently (the fetcher keeps limits), then deliver what is due."""
    from monitor.daemon.lock import SourceLeases, poll_leased
    from monitor.daemon.schedule import lease_ttl
    from monitor.pipeline.persist import PollBatch
    from storage.sources import sync_sources

    config, engine = app.config, app.engine(upgrade=True)
    sync_sources(engine, config)
    matcher = compile_topics(config.topics)
    batch = PollBatch(engine, sources)
    # a source a daemon is polling right now waits for it
    leases = SourceLeases(engine, ttl=lease_ttl(config).total_seconds())
    renewer = asyncio.get_running_loop().create_task(leases.keep_renewed())
    try:
        async with Fetcher(config.settings) as fetcher:
            now = app.now()
            records: list[PollRecord] = list(
                await asyncio.gather(
                    *(
                        poll_leased(leases, engine, config, fetcher, matcher, s, now, batch=batch)
                        for s in sources
                    )
                )
            )
    finally:
        renewer.cancel()
        batch.flush()  # the unchanged sources' bookkeeping, kept even if the pass was cut short
        leases.close()
    summary: dict[str, Any] = {
        "sources": [r.as_json() for r in records],
        "new": sum(r.new for r in records),
        "updated": sum(r.updated for r in records),
        "alerts_sent": 0,
        "alerts_failed": 0,
    }
    if alerts:
        from notifiers.dispatch import dispatch_due

        stats = await dispatch_due(engine, config, app.now())
        summary["alerts_sent"], summary["alerts_failed"] = stats.sent, stats.failed
    return summary


@click.command()
@click.argument("source_ids", nargs=-1, metavar="[SOURCE...]")
@click.option("--no-alerts", is_flag=True, help="Store and queue alerts, but deliver nothing now.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_app
def poll(app: App, source_ids: tuple[str, ...], no_alerts: bool, as_json: bool) -> int:
    """One pass over all (or the named) sources now; deliver the alerts that are due."""
    sources = selected_sources(app.config, source_ids)
    summary = asyncio.run(poll_all(app, sources, alerts=not no_alerts))
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_poll(summary)
    failed = any(not s["ok"] for s in summary["sources"]) or summary["alerts_failed"]
    return 1 if failed else 0


def _print_poll(summary: dict[str, Any]) -> None:
    from rich.console import Console  # only for the terminal summary (--json needs none)
    from rich.table import Table

    table = Table("source", "ok", "status", "items", "new", "error", box=None)
    for s in summary["sources"]:
        table.add_row(
            s["id"],
            "[green]ok[/]" if s["ok"] else "[red]failed[/]",
            str(s["status"] or "-"),
            str(s["items"]),
            str(s["new"]),
            s["error"] or "",
        )
    console = Console()
    console.print(table)
    console.print(
        f"{summary['new']} new, {summary['updated']} updated; alerts: "
        f"{summary['alerts_sent']} sent, {summary['alerts_failed']} failed"
    )


async def try_source(
    config: Config, source: Source, matcher: Matcher, article_url: str | None, now: datetime
) -> dict[str, Any]:
    """What `try` shows: the listing's items and the first article, nothing stored."""
    out: dict[str, Any] = {"source": source.id, "items": [], "article": None, "topics": []}
    async with Fetcher(config.settings) as fetcher:
        if article_url:
            result = await fetcher.fetch(
                article_url, headers=source.headers, tls=TLSOptions.for_source(source)
            )
            tz = config.settings.tz
            article = extract_article(
                result.url, result.content, result.content_type, source, tz=tz, now=now
            )
        else:
            result = await fetch_listing(fetcher, source)
            listing = await follow_feed(
                fetcher, config, source, read_listing(config, source, result, now), now
            )
            items = wanted_items(source, listing.items)
            out["items"] = [
                {"url": i.url, "title": i.title, "published_at": _iso(i.published_at)}
                for i in items
            ]
            if listing.feed_url:
                out["feed_url"] = listing.feed_url
            if not items:
                return out
            read = await read_article(fetcher, config, source, items[0], now)
            if read.article is None:
                out["article_error"] = read.error
                return out
            article = read.article
    out["article"] = {
        "url": article.url,
        "title": article.title,
        "published_at": _iso(article.published_at),
        "summary": article.summary,
        "author": article.author,
        "body": article.body,
    }
    if matcher.topics:
        results = matcher.match(article.title, article.body, source.topics)
        out["topics"] = [topic_match_json(m) for m in results]
    return out


def _source_for(config: Config, target: str) -> Source:
    source = config.source(target)
    if source is not None:
        return source
    if "://" not in target:
        known = ", ".join(s.id for s in config.sources)
        raise ConfigError(f"{target!r} is neither a source id nor a URL (known: {known})")
    try:
        return Source(id="try", url=target)
    except ValueError as exc:
        raise ConfigError(f"{target!r}: {exc}") from None


@click.command("try")
@click.argument("target", metavar="SOURCE_ID_OR_URL")
@click.option("--article", "article_url", metavar="URL", help="Read only this page as an article.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def try_(app: App, target: str, article_url: str | None, as_json: bool) -> None:
    """Fetch and extract without storing: items, the first article, its topic matches."""
    config = app.config
    source = _source_for(config, target)
    matcher = compile_topics(config.topics)
    out = asyncio.run(try_source(config, source, matcher, article_url, app.now()))
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    _print_try(out)


def _print_try(out: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if out.get("feed_url"):
        console.print(f"feed advertised: {out['feed_url']}")
    if out["items"]:
        table = Table("#", "published", "title", "url", title=f"{len(out['items'])} items")
        for n, item in enumerate(out["items"], 1):
            table.add_row(str(n), item["published_at"] or "", item["title"] or "", item["url"])
        console.print(table)
    article = out.get("article")
    if article is None:
        console.print(out.get("article_error") or "no article to read")
        return
    console.rule("article")
    console.print(Text(article["title"] or "", style="bold"))
    console.print(f"url: {article['url']}\npublished: {article['published_at']}", highlight=False)
    body = article["body"] or ""
    console.print(body[:1500] + ("…" if len(body) > 1500 else ""), markup=False, highlight=False)
    if out["topics"]:
        console.rule("topics")
        for topic in out["topics"]:
            terms = ", ".join(f"{t['term']}×{t['count']}" for t in topic["terms"])
            verdict = "MATCH" if topic["matched"] else "no match"
            console.print(
                f"{topic['id']}: {verdict} (score {topic['score']:g}) {terms}", markup=False
            )
