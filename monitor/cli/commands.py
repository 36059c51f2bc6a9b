"""The commands of `newsmon`, each family in its own module, imported only when used.

Lazy loading keeps `newsmon poll` from importing apprise or rich tables it doesn't need;
start-up is part of every cron-driven poll.
"""

from __future__ import annotations

import importlib

import click

# name → "module:attribute"
COMMANDS: dict[str, str] = {
    "poll": "monitor.cli.poll:poll",
    "try": "monitor.cli.poll:try_",
    "match": "monitor.cli.match:match",
    "run": "monitor.cli.run:run",
    "report": "monitor.cli.report:report",
    "show": "monitor.cli.history:show",
    "sources": "monitor.cli.history:sources",
    "alerts": "monitor.cli.alerts:alerts",
    "notify-test": "monitor.cli.alerts:notify_test",
}


def load(name: str) -> click.Command | None:
    target = COMMANDS.get(name)
    if target is None:
        return None
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


class LazyGroup(click.Group):
    """A click group that imports a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or load(cmd_name)
