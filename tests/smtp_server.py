"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives.

Ephemeral port, kept across `stop()`/`start()` so a test can simulate an outage and the
channel URL stays the same. Messages are parsed with the stdlib `email` package.
"""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Collector:
    def __init__(self, server: SMTPReceiver) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.server._received(envelope)
        return "250 OK"


class SMTPReceiver:
    """`with SMTPReceiver() as smtp:` → `smtp.url(to=...)`, `smtp.messages`, `smtp.wait_for(n)`."""

    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # (mail from, rcpt tos)
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    def url(self, *, sender: str = "newsmon@example.org", to: str = "team@example.org") -> str:
        """An apprise URL for plain SMTP to this server (no TLS, no login)."""
        return f"mailto://{self.host}:{self.port}?from={sender}&to={to}&mode=insecure"

    def start(self) -> SMTPReceiver:
        if self._controller is None:
            self._controller = Controller(_Collector(self), hostname=self.host, port=self.port)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def _received(self, envelope: Any) -> None:
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self._cond:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(message)  # type: ignore[arg-type]
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Block until at least `count` messages arrived (or the timeout); return them all."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def __enter__(self) -> SMTPReceiver:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
