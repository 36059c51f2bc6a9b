"""The commands of `newsmon`, each family in its own module, imported only when used.

Lazy loading keeps `newsmon poll` from importing apprise or rich tables it doesn't need, and
`newsmon --help` from importing everything: the command list is printed from the summaries
below (tests/test_cli_help.py checks that they are each command's own first docstring line).
"""

from __future__ import annotations

import importlib

import click

# name → ("module:attribute", the first line of the command's docstring)
COMMANDS: dict[str, tuple[str, str]] = {
    "poll": (
        "monitor.cli.poll:poll",
        "One pass over all (or the named) sources now; deliver the alerts that are due.",
    ),
    "try": (
        "monitor.cli.poll:try_",
        "Fetch and extract without storing: items, the first article, its topic matches.",
    ),
    "match": (
        "monitor.cli.match:match",
        "Score a text (FILE, - for stdin, or only --title) against the topics and show why.",
    ),
    "run": (
        "monitor.cli.run:run",
        "The daemon: poll every enabled source on its schedule, deliver alerts, re-check articles.",
    ),
    "report": (
        "monitor.cli.report:report",
        "History of stored articles (matched ones only unless --all); --by prints counts.",
    ),
    "show": (
        "monitor.cli.history:show",
        "One article: fields, topic matches, revisions with a diff, alerts sent.",
    ),
    "sources": ("monitor.cli.history:sources", "Health of each source, problems first."),
    "label": (
        "monitor.cli.teach:label",
        "Record a judgment: is this article about the topic? (yes or no)",
    ),
    "learn": (
        "monitor.cli.teach:learn",
        "Fit the topic's relevance model on the stored labels (and a file); write its model file.",
    ),
    "rematch": (
        "monitor.cli.teach:rematch",
        "Score stored articles again after a topic or its model changed; matches updated in place.",
    ),
    "alerts": (
        "monitor.cli.alerts:alerts",
        "The outbox: alerts waiting, sent and failed (newest first).",
    ),
    "serve": (
        "monitor.cli.web:serve",
        "The web view: matched articles, why they matched, labels, feeds, metrics.",
    ),
    "notify-test": (
        "monitor.cli.alerts:notify_test",
        "Send a test message to one or all enabled channels and report each result.",
    ),
}


def load(name: str) -> click.Command | None:
    entry = COMMANDS.get(name)
    if entry is None:
        return None
    module, attr = entry[0].split(":")
    return getattr(importlib.import_module(module), attr)


class LazyGroup(click.Group):
    """A click group that imports a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or load(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, without importing the lazy commands."""
        rows = []
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        for name in self.list_commands(ctx):
            if name in COMMANDS:
                summary = click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit)
            else:
                command = super().get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                summary = command.get_short_help_str(limit)
            rows.append((name, summary))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
