"""`newsmon --help` lists every command from monitor/cli/commands.py's summaries, without
importing the commands; the summaries must stay each command's own first docstring line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from monitor.cli.commands import COMMANDS, load


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_summary_is_the_commands_own_first_line(name: str) -> None:
    command = load(name)
    assert command is not None and command.help is not None
    assert command.help.strip().splitlines()[0] == COMMANDS[name][1]


def test_help_lists_every_command_without_importing_them() -> None:
    probe = (
        "import sys\nfrom monitor.cli import main\n"
        "code = main(['--help'])\n"
        "loaded = sorted(m for m in ('sqlalchemy', 'pydantic', 'httpx', 'apprise', 'rich') "
        "if m in sys.modules)\n"
        "print('RESULT', code, loaded, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "RESULT 0 []" in done.stderr, done.stderr
    for name in [*COMMANDS, "check", "db"]:
        assert f"\n  {name} " in done.stdout
    assert "One pass over all (or the named) sources now" in done.stdout
