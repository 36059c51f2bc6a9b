"""`newsmon serve`: the app under uvicorn, on 127.0.0.1 unless told otherwise.

The socket is bound here first, so a taken port is one clear line and `--port 0` knows the port
the system chose; the address is printed once uvicorn listens. SIGTERM and SIGINT set uvicorn's
exit flag (open requests finish, the app's shutdown closes the read connections) and the
process exits 0; a second signal stops at once. Logs go through the root logger, so the secret
filter sees them.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable, Iterator
from types import FrameType

import uvicorn

from monitor.errors import NewsmonError
from monitor.web.app import create_app
from monitor.web.context import WebContext

__all__ = ["bind", "serve"]


class _Server(uvicorn.Server):
    """uvicorn's server, without re-raising the stop signal after a clean shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            self.force_exit = True  # the second signal: now
        self.should_exit = True


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a NewsmonError saying why not (in use, no such address)."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = info[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as err:
        raise NewsmonError(f"web: cannot listen on {host}:{port}: {err.strerror or err}") from None
    sock.set_inheritable(True)
    return sock


async def _run(server: _Server, sock: socket.socket, announce: Callable[[str], None]) -> None:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        host, port = sock.getsockname()[:2]
        announce(_url(host, port))
    await task


def serve(ctx: WebContext, host: str, port: int, announce: Callable[[str], None]) -> None:
    """Serve until SIGTERM or SIGINT."""
    sock = bind(host, port)
    config = uvicorn.Config(
        create_app(ctx),
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",
    )
    try:
        asyncio.run(_run(_Server(config), sock, announce))
    finally:
        sock.close()
