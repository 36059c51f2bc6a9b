"""`newsmon run`: the daemon in the foreground (systemd runs it as a service, see deploy/)."""

from __future__ import annotations

import asyncio
import logging

import click

from monitor.cli.app import App, pass_app
from monitor.logsetup import setup_logging
from storage.db import redact_db_url

log = logging.getLogger("newsmon.run")


@click.command()
@pass_app
def run(app: App) -> int:
    """The daemon: poll every enabled source on its schedule, deliver alerts, re-check articles.

    SIGTERM/SIGINT stop it cleanly (polls in flight get 10 s), SIGHUP reloads the configuration.
    Logs go to stderr at INFO (-q: warnings only, -v: debug).
    """
    from monitor.daemon.daemon import Daemon, Options
    from monitor.daemon.lock import DaemonLock, LockHeld, daemon_name

    name = daemon_name()
    setup_logging(app.verbose + 1, app.quiet, name=name)  # one line per poll by default
    config, options = app.config, Options.from_env()
    engine = app.engine(application_name=f"newsmon run {name}")
    try:
        lock = DaemonLock(engine).acquire()
    except LockHeld as exc:
        click.echo(f"error: {exc}", err=True)
        raise click.exceptions.Exit(2) from None
    try:
        app.engine(upgrade=True)
        log.info("database %s", redact_db_url(app.db_url))
        daemon = Daemon(app.config_file, config, engine, clock=app.now, options=options)
        return asyncio.run(daemon.run())
    finally:
        lock.release()
