"""One unit of work over a Session, and IN (…) lists in chunks: the helpers every storage
module writes with. Each write commits (or, on any error, rolls back and re-raises); with
``commit=False`` it joins the caller's transaction and the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session

CHUNK = 500  # bound parameters per IN (…): far below SQLite's limit


@contextmanager
def unit(session: Session, commit: bool) -> Iterator[None]:
    """One unit of work: commit at the end, or roll everything back on an error."""
    try:
        yield
        if commit:
            session.commit()
        else:
            session.flush()
    except BaseException:
        if commit:
            session.rollback()
        raise


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]
