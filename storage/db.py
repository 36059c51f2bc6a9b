"""Engines, migrations and sessions: the only place that knows which database is behind the URL.

SQLite gets WAL (readers never block the daemon), 16 KB pages (new files), a 30 s busy timeout,
foreign keys and synchronous=NORMAL on every connection; PostgreSQL goes through psycopg 3.
Migrations run from the package's own folder, so no alembic.ini is needed at run time.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, func, inspect, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from monitor.errors import StorageError
from storage.readdb import BUSY_TIMEOUT_MS, MIGRATIONS, head_revision

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MIGRATIONS",
    "current_revision",
    "head_revision",
    "include_object",
    "make_engine",
    "redact_db_url",
    "session",
    "storage_errors",
    "upgrade",
]

PAGE_SIZE = 16_384
_PG_MIGRATION_LOCK = 0x6E6577736D6F6E  # "newsmon": one upgrade at a time per database


def _is_file_sqlite(url: URL) -> bool:
    db = url.database or ""
    return db not in ("", ":memory:") and not db.startswith("file:")


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # A new file only (an existing one keeps its size): articles are ~4 KB rows (body and
        # folded text), one per 4 KB page; 16 KB pages store them ~1.6x faster, smaller.
        cur.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
    finally:
        cur.close()


def make_engine(url: str, *, echo: bool = False, application_name: str | None = None) -> Engine:
    """An engine for a `sqlite:///path` or `postgresql://…` URL, set up for a long-running daemon.

    The folder of a SQLite file is created; failing that is a StorageError. Nothing connects yet:
    an unreachable server shows at the first `upgrade` or `session`, also as a StorageError.
    """
    try:
        parsed = make_url(url)
    except exc.ArgumentError as err:
        raise StorageError(f"database URL is not valid: {err}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        kwargs: dict[str, Any] = {}
        if _is_file_sqlite(parsed):
            path = Path(parsed.database or "")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StorageError(
                    f"database {path}: cannot create folder {path.parent}: {err.strerror or err}"
                ) from None
        else:  # in memory: every connection must be the same one
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        engine = create_engine(parsed, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend in ("postgresql", "postgres"):
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        connect: dict[str, Any] = {"connect_timeout": 10}
        if application_name:  # how pg_stat_activity names the sessions (`newsmon run host:pid`)
            connect["application_name"] = application_name
        return create_engine(parsed, echo=echo, pool_pre_ping=True, connect_args=connect)
    raise StorageError(
        f"database {redact_db_url(parsed)}: only sqlite:/// and postgresql:// URLs are supported"
    )


def redact_db_url(url: str | URL) -> str:
    """The URL fit for logs and messages: a SQLite path as is, a server URL without password."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        return "<invalid database URL>"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def _describe(engine: Engine) -> str:
    return redact_db_url(engine.url)


@contextmanager
def storage_errors(engine: Engine) -> Iterator[None]:
    """Turn "cannot connect / locked / read-only / disk full" into one-line StorageErrors."""
    try:
        yield
    except (exc.OperationalError, exc.TimeoutError) as err:
        orig = getattr(err, "orig", None) or err
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        raise StorageError(f"database {_describe(engine)}: {reason}") from err


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """A session that commits on a clean exit and rolls back on an error.

    Objects stay readable after commit (expire_on_commit=False): the repository commits its own
    units of work and hands the rows back.
    """
    with storage_errors(engine), Session(engine, expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


def _alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config  # alembic loads in ~0.3 s: only when migrating

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`, atomically; two processes upgrading at once take turns.

    A database already at the head costs one small query (every command calls this).
    """
    if revision == "head" and current_revision(engine) == head_revision():
        return
    from alembic import command  # ~0.3 s to import: only when there is work

    with storage_errors(engine), engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # write lock now: DDL and version together
        elif conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_PG_MIGRATION_LOCK)))
        command.upgrade(_alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: empty database)."""
    with storage_errors(engine), engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        return rows[0] if len(rows) == 1 else None


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter for schema comparison: objects that migrations make outside the models
    (full-text tables and expression indexes) are left out, as storage.search decides."""
    if importlib.util.find_spec("storage.search") is None:
        return True
    from storage import search

    hook = getattr(search, "include_object", None)
    return hook is None or bool(hook(obj, name, type_, reflected, compare_to))
