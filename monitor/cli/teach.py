"""`newsmon label`, `learn` and `rematch`: people's judgments teach a topic's model, and
stored articles are scored again after a topic or its model changed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.app import App, pass_app
from monitor.errors import ConfigError, NewsmonError

if TYPE_CHECKING:
    from monitor.config.models import Config, Topic


def _topic(config: Config, topic_id: str) -> Topic:
    topic = config.topic(topic_id)
    if topic is None:
        known = ", ".join(t.id for t in config.topics) or "none defined"
        raise ConfigError(f"unknown topic {topic_id!r} (known: {known})")
    return topic


def _before_the_model(app: App) -> Config:
    """The configuration, a topic's model file missing or stale allowed: labels come before a
    model, and learning is how the file gets (re)written."""
    from monitor.config.models import load_config

    return load_config(app.config_file, on_model_error=lambda error: None)


@click.command()
@click.argument("ref", metavar="ARTICLE_ID_OR_URL")
@click.argument("verdict", type=click.Choice(["yes", "no"]), metavar="yes|no")
@click.option("--topic", "topic_id", required=True, metavar="ID", help="The topic judged.")
@pass_app
def label(app: App, ref: str, verdict: str, topic_id: str) -> None:
    """Record a judgment: is this article about the topic? (yes or no)"""
    from sqlmodel import Session

    from storage.labels import set_label
    from storage.queries import find_article

    _topic(_before_the_model(app), topic_id)
    with Session(app.engine(upgrade=True)) as session:
        article = find_article(session, ref)
        if article is None or article.id is None:
            raise NewsmonError(f"no stored article with id or URL {ref!r}")
        set_label(session, article.id, topic_id, verdict == "yes", app.now())
        click.echo(f"article {article.id} labelled {verdict!r} for {topic_id}")


def _examples(app: App, topic_id: str, file: str | None) -> list[dict[str, Any]]:
    """The stored labels, then the file's labelled lines."""
    from sqlmodel import Session

    from monitor.match.evaluate import read_jsonl
    from storage.labels import labelled_texts

    records: list[dict[str, Any]] = []
    with Session(app.engine(upgrade=True)) as session:
        for t in labelled_texts(session, topic_id):
            records.append(
                {
                    "id": f"article-{t.article_id}",
                    "title": t.title,
                    "text": t.body,
                    "label": t.verdict,
                }
            )
    if file:
        for n, r in enumerate(read_jsonl(file), 1):
            if not isinstance(r.get("label"), bool):
                raise ConfigError('each line needs "label": true or false', file=file, line=n)
            records.append(r)
    return records


@click.command()
@click.option("--topic", "topic_id", required=True, metavar="ID", help="The topic to teach.")
@click.option(
    "--from", "file", metavar="FILE.jsonl", help='Labelled lines {"id","title","text","label"}.'
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def learn(app: App, topic_id: str, file: str | None, as_json: bool) -> None:
    """Fit the topic's relevance model on the stored labels (and a file); write its model file."""
    from monitor.match.teach import train

    topic = _topic(_before_the_model(app), topic_id)
    if topic.actors is None or topic.model is None:
        raise ConfigError(
            f"topic {topic_id!r} has no model file to write: give it actors and model: PATH"
        )
    records = _examples(app, topic_id, file)
    result = train(topic, records)
    try:
        from monitor.match.model import save_model

        save_model(result.model, Path(topic.model))
    except OSError as exc:
        raise NewsmonError(f"cannot write the model file {topic.model}: {exc.strerror}") from None
    cv = result.report
    payload = {
        "topic": topic_id,
        "examples": len(records),
        "candidates": cv.examples,
        "positives": cv.positives,
        "precision": cv.precision,
        "recall": cv.recall,
        "f1": cv.f1,
        "threshold": cv.threshold,
        "left_to_rules": result.left_out,
        "model": str(topic.model),
    }
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    click.echo(
        f"{topic_id}: {len(records)} labelled texts, {cv.examples} candidates the rules let "
        f"through ({cv.positives} yes); cross-validated precision {cv.precision:.3f}, recall "
        f"{cv.recall:.3f}, F1 {cv.f1:.3f} at threshold {cv.threshold:g}"
    )
    if result.left_out:
        click.echo(f"{result.left_out} texts labelled yes are refused by the rules themselves")
    click.echo(f"model written to {topic.model} (reload the daemon or run newsmon rematch)")


@click.command()
@click.option("--topic", "topic_id", metavar="ID", help="Only this topic (default: all).")
@click.option("--since", metavar="D", help="Only articles since (ISO date, or 7d, 36h …).")
@click.option("--alert", is_flag=True, help="Queue alerts for articles that match now.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def rematch(app: App, topic_id: str | None, since: str | None, alert: bool, as_json: bool) -> None:
    """Score stored articles again after a topic or its model changed; matches updated in place."""
    from monitor.pipeline.rematch import rematch_all
    from monitor.report.spans import parse_when

    topics = [_topic(app.config, topic_id).id] if topic_id else [t.id for t in app.config.topics]
    when = parse_when(since, now=app.now(), tz=app.config.settings.tz) if since else None
    progress = None
    if sys.stderr.isatty() and not as_json:
        from rich.progress import Progress

        progress = Progress(transient=True)
    summary = rematch_all(
        app.config,
        app.engine(upgrade=True),
        topics,
        when,
        now=app.now,
        alert=alert,
        progress=progress,
    )
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    click.echo(
        f"rematched {summary['articles']} articles for {', '.join(topics)}: "
        f"{summary['matched']} match ({summary['added']} new, {summary['removed']} no longer)"
        + (f", {summary['alerts']} alerts queued" if alert else "")
    )
