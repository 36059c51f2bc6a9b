"""The one place newsmon touches httpx's (and httpcore's) private names.

tests/test_fetch.py::test_httpx_private_names_still_exist fails loudly when an httpx release
changes any of them; everything else in monitor/fetch/ uses httpx's public API.

- `httpx._main`: httpx's __init__ imports its command line (click, rich, pygments: ~40 ms)
  only to expose `httpx.main`; a fetcher never calls it, so a stand-in loads the real one on
  demand. Installed when this module is imported, before httpx (monitor/fetch/__init__.py
  imports it first).
- `sniffio`: httpcore imports it each time it sets up a lock or a network backend (several
  times per request) and falls back to asyncio when it is missing; a missing module is looked
  for again on every sys.path entry at each import. Recorded as absent once, each attempt
  fails at once.
- `httpx._utils.get_environment_proxies`: HTTP(S)_PROXY / ALL_PROXY / NO_PROXY, which httpx
  reads only when it builds its own transport (ours is the per-host one).
- `AsyncHTTPTransport._pool.connections`: whether a pool is idle, so it may be closed.
- `AsyncClient._cookies`: the jar set as is (the `cookies` setter copies it into a plain one).
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def _httpx_cli() -> None:
    """httpx's own command line (`httpx.main`), loaded only if someone calls it."""
    sys.modules.pop("httpx._main", None)
    from httpx._main import main

    main()


if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
    _stub = ModuleType("httpx._main")
    _stub.main = _httpx_cli  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = _stub

# httpcore imports sniffio each time it sets up a lock or a network backend (several times per
# request) and falls back to asyncio when it is missing; a missing module is looked for again
# on every sys.path entry at each import. Recorded as absent once, each attempt fails at once.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

import httpx  # noqa: E402  (after the stand-in above)


def environment_proxies() -> dict[str, str | None]:
    """{mount pattern: proxy URL, or None for NO_PROXY hosts}, as httpx reads the environment."""
    from httpx._utils import get_environment_proxies

    return dict(get_environment_proxies())


def pool_is_idle(transport: httpx.AsyncHTTPTransport) -> bool:
    """No request in flight on any of the transport's connections."""
    return all(c.is_idle() for c in transport._pool.connections)


def set_cookie_jar(client: httpx.AsyncClient, jar: httpx.Cookies) -> None:
    """Give the client this jar itself (the public setter would copy it into a plain one)."""
    client._cookies = jar
