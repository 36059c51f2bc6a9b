"""The context every command receives: config, database, clock — built lazily, passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.config.paths import config_path, database_url
from monitor.config.quick import QuickConfig, load_quick
from monitor.logsetup import register_secrets

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from monitor.config.models import Config
    from storage.readdb import ReadDB


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    """Global options plus the objects built from them, created on first use."""

    config_file: Path
    db_option: str | None = None
    verbose: int = 0
    quiet: int = 0
    _config: Config | None = field(default=None, repr=False)
    _quick: QuickConfig | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)
    _read: ReadDB | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        """The whole configuration, validated (pydantic models)."""
        if self._config is None:
            from monitor.config.models import load_config

            self._config = load_config(self.config_file)
            register_secrets(
                (c.url for c in self._config.channels), [self._config.settings.web_token]
            )
        return self._config

    @property
    def quick_config(self) -> QuickConfig | Config:
        """What the history commands read (database, time zone, ids and names), without the
        full validation's imports; the whole configuration when it is loaded already."""
        if self._config is not None:
            return self._config
        if self._quick is None:
            found = load_quick(self.config_file)
            if found is None:  # not as expected: the full load says what is wrong
                return self.config
            self._quick = found
            register_secrets(found.channel_urls)
        return self._quick

    @property
    def db_url(self) -> str:
        return database_url(self.db_option, self.quick_config)

    def engine(self, *, upgrade: bool = False, application_name: str | None = None) -> Engine:
        """The database engine; ``upgrade`` applies migrations first (run, poll);
        ``application_name`` names its PostgreSQL sessions (`pg_stat_activity`)."""
        if self._engine is None:
            from storage.db import make_engine

            self._engine = make_engine(self.db_url, application_name=application_name)
        if upgrade:
            from storage.db import upgrade as do_upgrade

            do_upgrade(self._engine)
        return self._engine

    def read_db(self) -> ReadDB:
        """A plain driver connection for the history commands: no SQLAlchemy to import when
        the schema is current; otherwise the engine creates or migrates the database first."""
        if self._read is None:
            from storage.readdb import open_read

            db = open_read(self.db_url)
            if db is None:
                self.engine(upgrade=True)  # creates, migrates, or says why it cannot
                db = open_read(self.db_url)
            if db is None:
                from monitor.errors import StorageError

                raise StorageError("database: this URL form cannot be read by report")
            self._read = db
        return self._read

    def now(self) -> datetime:
        return utcnow()

    def close(self) -> None:
        if self._read is not None:
            self._read.close()
            self._read = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def make_app(config: str | None, db: str | None, verbose: int, quiet: int) -> App:
    return App(config_file=config_path(config), db_option=db, verbose=verbose, quiet=quiet)


pass_app = click.make_pass_decorator(App)
