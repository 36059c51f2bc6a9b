"""Database fixtures, as a pytest plugin (tests/conftest.py: ``pytest_plugins = ["tests.conftest_db"]``).

`db_url` runs a test on SQLite (a file in tmp_path) and on PostgreSQL at 127.0.0.1:5432 (database
`test`, user `postgres`, trust auth), each run in a schema of its own that the fixture creates and
drops, so runs never see each other's rows. PostgreSQL tests are skipped, with the reason, only
when the server is unreachable; NEWSMON_TEST_PG_REQUIRED=1 turns that skip into a failure.
NEWSMON_TEST_PG_URL points them at another server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from storage.db import make_engine, upgrade

PG_URL = os.environ.get("NEWSMON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_problem: list[str] = []  # memo: None checked yet / "" reachable / the reason it is not


def _admin_engine() -> Engine:
    return create_engine(PG_URL, connect_args={"connect_timeout": 3})


def pg_unreachable() -> str | None:
    """Why PostgreSQL can't be used here (checked once per run), or None when it can."""
    if not _pg_problem:
        engine = _admin_engine()
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            _pg_problem.append("")
        except Exception as err:
            first = (str(getattr(err, "orig", err)).strip().splitlines() or [repr(err)])[0]
            _pg_problem.append(
                f"PostgreSQL at {engine.url.render_as_string()} unreachable: {first}"
            )
        finally:
            engine.dispose()
    return _pg_problem[0] or None


def require_pg() -> None:
    """Skip (or fail, under NEWSMON_TEST_PG_REQUIRED=1) when PostgreSQL is unreachable."""
    reason = pg_unreachable()
    if reason:
        if os.environ.get("NEWSMON_TEST_PG_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections work in a fresh schema `newsmon_test_<hex>`, dropped afterwards.

    Dispose every engine made from the URL before leaving the block (open connections would
    hold locks the DROP waits on).
    """
    require_pg()
    schema = f"newsmon_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in PG_URL else "?"
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL schema of this test's own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'newsmon.db'}"
        return
    with pg_schema_url() as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on `db_url` with every migration applied."""
    eng = make_engine(db_url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()
