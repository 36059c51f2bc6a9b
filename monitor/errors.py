"""The small exception tree. ``str(err)`` is the one line the user sees.

ConfigError → exit 2 (nothing was done); every other NewsmonError → exit 1.
"""

from __future__ import annotations


class NewsmonError(Exception):
    """Base of every error newsmon reports to the user."""


class ConfigError(NewsmonError):
    """The configuration or the command line is wrong; nothing was done.

    Carries the location so the message reads ``sources.yaml:41:15: sources[2].interval: ...``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class FetchError(NewsmonError):
    """A page could not be fetched; the message is the reason in one line ("HTTP 403")."""


class ExtractError(NewsmonError):
    """A fetched page could not be read as a listing, feed or article."""


class DeliveryError(NewsmonError):
    """An alert could not be delivered to a channel."""


class StorageError(NewsmonError):
    """The database is unusable (locked by another daemon, read-only, full disk)."""
