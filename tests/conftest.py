"""Shared pytest fixtures: loopback HTTP(S) servers (see tests/loopback.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

try:  # the repository root on sys.path (python -m pytest), else tests/ itself
    from tests.loopback import LoopbackServer, make_self_signed_cert
except ImportError:  # pragma: no cover
    from loopback import LoopbackServer, make_self_signed_cert  # type: ignore[no-redef]

pytest_plugins = ["tests.conftest_db"]

SITES = Path(__file__).parent / "fixtures" / "sites"


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """An HTTP server on 127.0.0.1 serving tests/fixtures/sites plus the built-in routes."""
    with LoopbackServer(root=SITES if SITES.is_dir() else None) as srv:
        yield srv


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate (cert.pem, key.pem) for localhost and 127.0.0.1."""
    return make_self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_loopback(tls_cert: tuple[Path, Path]) -> Iterator[LoopbackServer]:
    """The same server behind TLS with the self-signed `tls_cert`."""
    with LoopbackServer(root=SITES if SITES.is_dir() else None, tls=tls_cert) as srv:
        yield srv
