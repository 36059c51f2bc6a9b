"""Plain DB-API access for the history commands, without SQLAlchemy.

`report` is a short process whose run time is mostly start-up, and SQLAlchemy with SQLModel
takes ~0.3 s to import. The read side therefore talks to the driver directly: sqlite3 from the
standard library, psycopg for PostgreSQL. The SQL is written once, with `?` placeholders; values
come back as the writer stored them (storage.models.UTCDateTime: naive UTC text on SQLite,
timestamptz on PostgreSQL) and `when()` makes them aware UTC datetimes.

Only a database whose schema is at the newest migration is opened here (`open_read` returns
None otherwise, and the caller migrates through storage.db first).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from monitor.errors import StorageError

__all__ = ["ReadDB", "head_revision", "open_read"]

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a writer waits for the lock (storage.db too)
_REVISION_LINE = re.compile(
    r'^(revision|down_revision)\s*(?::[^=]*)?=\s*["\']([^"\']+)["\']', re.MULTILINE
)


def head_revision() -> str | None:
    """The newest revision this version of newsmon ships (read from the files, no alembic)."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions[found["revision"]] = found.get("down_revision")
    parents = set(revisions.values())
    heads = [r for r in revisions if r not in parents]
    return heads[0] if len(heads) == 1 else None


class ReadDB:
    """One connection, its dialect ("sqlite" or "postgresql"), and the conversions both need."""

    def __init__(self, connection: Any, dialect: str, label: str) -> None:
        self.connection = connection
        self.dialect = dialect
        self.label = label  # for messages: the path, or the server URL without password

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.dialect == "postgresql":
            sql = sql.replace("%", "%%").replace("?", "%s")
        with self.errors():
            cursor = self.connection.execute(sql, tuple(params))
            return list(cursor.fetchall())

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def bind(self, when: datetime) -> Any:
        """A datetime as the writer stores it (so that comparisons in SQL are exact)."""
        utc = when.astimezone(UTC)
        if self.dialect == "sqlite":
            return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return utc

    @staticmethod
    def when(value: Any) -> datetime | None:
        """A stored datetime, aware UTC (SQLite hands back text, PostgreSQL a timestamptz)."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @staticmethod
    def json(value: Any) -> Any:
        """A JSON column: text on SQLite, already parsed by psycopg."""
        return json.loads(value) if isinstance(value, str | bytes) else value

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Driver errors become one-line StorageErrors, as on the write side."""
        try:
            yield
        except Exception as err:
            if not _is_driver_error(err):
                raise
            reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
            raise StorageError(f"database {self.label}: {reason}") from err

    def close(self) -> None:
        self.connection.close()


def _is_driver_error(err: Exception) -> bool:
    if isinstance(err, sqlite3.Error):
        return True
    return any(c.__module__.startswith("psycopg") for c in type(err).__mro__)


def _sqlite_path(url: str) -> Path | None:
    """`sqlite:///relative` and `sqlite:////absolute` → the file; in-memory and URI forms → None."""
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] != "sqlite" or not rest.startswith("/"):
        return None
    database = rest[1:].split("?", 1)[0]
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(unquote(database))


def _pg_conninfo(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in ("postgresql", "postgres"):
        return None
    return parts._replace(scheme="postgresql").geturl()


def _pg_label(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


def open_read(url: str) -> ReadDB | None:
    """A connection to a database at the newest schema, or None: the file does not exist yet,
    the schema needs a migration, or the URL is of a form only SQLAlchemy reads (the caller then
    goes through storage.db, which creates, migrates and reports errors)."""
    path = _sqlite_path(url)
    if path is not None:
        if not path.is_file():
            return None
        db = ReadDB(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000), "sqlite", str(path))
    else:
        conninfo = _pg_conninfo(url)
        if conninfo is None:
            return None
        import psycopg

        label = _pg_label(url)
        try:
            connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
        except psycopg.Error:
            return None  # storage.db reports it, in its own words
        db = ReadDB(connection, "postgresql", label)
    try:
        at = db.rows("SELECT version_num FROM alembic_version")
    except StorageError:
        at = []  # no schema yet
    if len(at) != 1 or at[0][0] != head_revision():
        db.close()
        return None
    return db
