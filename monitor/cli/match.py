"""`newsmon match`: score a text against the topics and show why — the topic-tuning tool."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.text import Text

from monitor.cli.app import App, pass_app
from monitor.errors import ConfigError
from monitor.match.evaluate import evaluate, match_jsonl, read_jsonl, topic_match_json
from monitor.match.matcher import compile_topics


def _read_text(file: str | None) -> str:
    if file in (None, "-"):
        if file is None and sys.stdin.isatty():
            raise click.UsageError("give a FILE, '-' for standard input, or --title TEXT")
        return sys.stdin.read()
    try:
        with open(file, encoding="utf-8-sig") as handle:
            return handle.read()
    except OSError as exc:
        raise ConfigError(f"{file}: {exc.strerror}") from None


@click.command()
@click.argument("file", required=False, metavar="[FILE or -]")
@click.option("--topic", "topic_id", metavar="ID", help="Only this topic.")
@click.option("--title", default="", metavar="TEXT", help="The article's title.")
@click.option("--jsonl", "jsonl", metavar="FILE", help='Batch: lines of {"id","title","text"}.')
@click.option("--eval", "eval_file", metavar="FILE", help="Labelled lines: precision, recall, F1.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def match(
    app: App,
    file: str | None,
    topic_id: str | None,
    title: str,
    jsonl: str | None,
    eval_file: str | None,
    as_json: bool,
) -> None:
    """Score a text (FILE, - for stdin, or only --title) against the topics and show why."""
    config = app.config
    if topic_id and config.topic(topic_id) is None:
        known = ", ".join(t.id for t in config.topics) or "none defined"
        raise ConfigError(f"unknown topic {topic_id!r} (known: {known})")
    matcher = compile_topics(config.topics)
    topics = [topic_id] if topic_id else None
    if eval_file:
        if not topic_id:
            raise click.UsageError("--eval needs --topic ID")
        result = evaluate(matcher, read_jsonl(eval_file), topic_id)
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo(
                f"{topic_id}: precision {result['precision']:.3f}  recall {result['recall']:.3f}"
                f"  F1 {result['f1']:.3f}  (tp {result['tp']}, fp {result['fp']},"
                f" fn {result['fn']}, tn {result['tn']})"
            )
            if result["wrong"]:
                click.echo("wrong: " + " ".join(str(w) for w in result["wrong"]))
        return
    if jsonl:
        for line in match_jsonl(matcher, read_jsonl(jsonl), topics):
            click.echo(json.dumps(line, ensure_ascii=False))
        return
    body = _read_text(file) if (file is not None or not title) else ""
    results = matcher.match(title, body, topics)
    if as_json:
        payload = {"topics": [topic_match_json(m) for m in results]}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    for m in results:
        verdict = "[green]MATCH[/]" if m.matched else "[dim]no match[/]"
        console.print(f"[bold]{m.topic_id}[/]: {verdict}  score {m.score:g}")
        if m.terms:
            console.print("  terms: " + ", ".join(f"{t} ×{c}" for t, c in m.terms), markup=False)
        if m.why is not None:
            w = m.why
            places = ", ".join([*w.places, *w.regions]) or "none"
            console.print(
                f"  places: {places}" + (f"; foreign: {', '.join(w.foreign)}" if w.foreign else ""),
                markup=False,
            )
            if w.sentence:
                console.print(f"  deciding sentence ({w.part}): {w.sentence}", markup=False)
                console.print("  predicates: " + (", ".join(w.predicates) or "none"), markup=False)
            verdict_line = (
                "localities act together" if w.together else "no two localities act together"
            )
            if w.foreign_only:
                verdict_line += "; a foreign partner only"
            if w.probability is not None:
                verdict_line += (
                    f"; model probability {w.probability:.3f} (threshold {w.threshold:g})"
                )
            console.print("  rules: " + verdict_line, markup=False)
        if m.snippet:
            snippet = Text("  " + m.snippet)
            for start, end in m.spans:
                snippet.stylize("bold yellow", start + 2, end + 2)
            console.print(snippet)
