"""Pure: where a topic's terms stand in an article's text, for `<mark>` in the article page.

The matcher's own forms keep the length of the clean text (monitor.match.normalize:
`match_form` one tone placement, lower case; `fold` without diacritics), so a hit found in the
form is at the same offsets in the text shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from monitor.match.normalize import clean, fold_clean, match_form, match_form_clean

__all__ = ["Piece", "highlight"]

Piece = tuple[str, bool]  # (text, highlighted)


def _spans(text: str, terms: Iterable[str], folded: bool) -> list[tuple[int, int]]:
    form = match_form_clean(text)
    forms = [match_form(t) for t in terms]
    if folded:
        folded_text = fold_clean(text)
        if len(folded_text) == len(text):
            form, forms = folded_text, [fold_clean(clean(t)) for t in terms]
    spans: list[tuple[int, int]] = []
    for term in sorted({t for t in forms if t.strip()}, key=len, reverse=True):
        pattern = re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)")
        for m in pattern.finditer(form):
            if not any(s < m.end() and m.start() < e for s, e in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)


def highlight(text: str, terms: Iterable[str], folded: bool = False) -> list[Piece]:
    """The text cut into pieces, the terms' occurrences marked (whole words, any case)."""
    spans = _spans(text, list(terms), folded)
    pieces: list[Piece] = []
    at = 0
    for start, end in spans:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces
