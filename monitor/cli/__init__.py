"""`newsmon`: thin click commands. Each parses, calls one function, renders.

One error exit: ConfigError and usage errors → 2, other NewsmonErrors → 1, one line on stderr;
tracebacks only with -v.
"""

from __future__ import annotations

import logging
import sys

import click

from monitor.cli.app import App, make_app, pass_app
from monitor.cli.commands import LazyGroup
from monitor.errors import ConfigError, NewsmonError
from monitor.logsetup import secret_filter, setup_logging

log = logging.getLogger("newsmon")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    metavar="PATH",
    help="Configuration file (else $NEWSMON_CONFIG, else ./sources.yaml).",
)
@click.option(
    "--db",
    metavar="URL",
    help="Database URL (else $NEWSMON_DB, else settings.database, else sqlite:///data/newsmon.db).",
)
@click.option("-v", "--verbose", count=True, help="More output (-vv for debug, tracebacks).")
@click.option("-q", "--quiet", count=True, help="Less output.")
@click.version_option(package_name="newsmon")
@click.pass_context
def cli(ctx: click.Context, config: str | None, db: str | None, verbose: int, quiet: int) -> None:
    """newsmon: watch news sites and government portals, alert on topics."""
    setup_logging(verbose, quiet)
    app = make_app(config, db, verbose, quiet)
    ctx.obj = app
    ctx.call_on_close(app.close)


@cli.command()
@pass_app
def check(app: App) -> None:
    """Validate the configuration and print a one-line summary."""
    click.echo(app.config.summary())


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Apply schema migrations."""
    from storage.db import current_revision, redact_db_url

    app.engine(upgrade=True)
    click.echo(f"{redact_db_url(app.db_url)}: schema at {current_revision(app.engine())}")


def _print_error(err: BaseException) -> None:
    lines = [str(e) for e in getattr(err, "all", [err])]
    for line in lines:
        click.echo(f"error: {secret_filter.scrub(line)}", err=True)


def _is_sqlalchemy_error(exc: BaseException) -> bool:
    """Without importing SQLAlchemy (~0.2 s) in commands that never loaded it."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map every failure to one line and an exit code."""
    verbose = any(a in ("-v", "-vv", "--verbose") for a in (argv or sys.argv[1:]))
    try:
        result = cli.main(args=argv, prog_name="newsmon", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except ConfigError as exc:
        if verbose:
            log.exception("configuration error")
        _print_error(exc)
        return 2
    except NewsmonError as exc:
        if verbose:
            log.exception("error")
        _print_error(exc)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not _is_sqlalchemy_error(exc):
            if verbose:
                log.exception("unexpected error")
            click.echo(f"error: {secret_filter.scrub(f'{type(exc).__name__}: {exc}')}", err=True)
            return 1
        if verbose:
            log.exception("database error")
        orig = getattr(exc, "orig", None) or exc
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        click.echo(f"error: database: {secret_filter.scrub(reason)}", err=True)
        return 1
    return result if isinstance(result, int) else 0
