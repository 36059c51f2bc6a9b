"""The list of command families added to `newsmon` (each module owns its commands)."""

from __future__ import annotations

import click

from monitor.cli.alerts import alerts, notify_test
from monitor.cli.history import report, show, sources
from monitor.cli.match import match
from monitor.cli.poll import poll, try_
from monitor.cli.run import run

ALL: list[click.Command] = [poll, try_, match, run, report, show, sources, alerts, notify_test]
