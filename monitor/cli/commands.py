"""The list of command families added to `newsmon` (each module owns its commands)."""

from __future__ import annotations

import click

ALL: list[click.Command] = []
