"""`newsmon serve`: the app under uvicorn, on 127.0.0.1 unless told otherwise.

The address is printed once the socket listens (`--port 0` shows the port the system chose);
SIGTERM and SIGINT stop it cleanly (uvicorn's own handlers: open requests finish, then the
app's shutdown closes the read connections). Logs go through the root logger, so the secret
filter sees them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import uvicorn

from monitor.web.app import create_app
from monitor.web.context import WebContext

__all__ = ["serve"]


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


async def _run(server: uvicorn.Server, announce: Callable[[str], None], host: str) -> None:
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        port = server.servers[0].sockets[0].getsockname()[1]
        announce(_url(host, port))
    await task


def serve(ctx: WebContext, host: str, port: int, announce: Callable[[str], None]) -> bool:
    """Serve until a signal; False when the server could not start (the port taken, say)."""
    config = uvicorn.Config(
        create_app(ctx),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    try:
        asyncio.run(_run(server, announce, host))
    except SystemExit:  # uvicorn exits when it cannot bind; the caller says why
        return False
    return server.started
