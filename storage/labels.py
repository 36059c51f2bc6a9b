"""People's judgments (labels) of articles for a topic: written by ``label`` and the web view,
read by ``show`` and ``learn``. One row per (article, topic); the last judgment stays."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Article, Label

__all__ = ["LabelledText", "labelled_texts", "set_label"]


def set_label(
    session: Session,
    article_id: int,
    topic_id: str,
    verdict: bool,
    now: datetime,
    origin: str = "cli",
) -> Label:
    """Record (or replace) one judgment and commit."""
    stmt = select(Label).where(col(Label.article_id) == article_id, col(Label.topic_id) == topic_id)
    row = session.exec(stmt).first()
    if row is None:
        row = Label(article_id=article_id, topic_id=topic_id, verdict=verdict, labelled_at=now)
    row.verdict = verdict
    row.labelled_at = now
    row.origin = origin
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


@dataclass(frozen=True, slots=True)
class LabelledText:
    article_id: int
    title: str
    body: str
    verdict: bool


def labelled_texts(session: Session, topic_id: str) -> Iterator[LabelledText]:
    """Every labelled article of a topic with its text, oldest judgment first."""
    stmt = (
        select(Label.article_id, Article.title, Article.body, Label.verdict)
        .join(Article, col(Article.id) == col(Label.article_id))
        .where(col(Label.topic_id) == topic_id)
        .order_by(col(Label.labelled_at), col(Label.id))
    )
    for article_id, title, body, verdict in session.exec(stmt):
        yield LabelledText(int(article_id), title or "", body or "", bool(verdict))
