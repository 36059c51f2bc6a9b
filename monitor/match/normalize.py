"""The one Vietnamese text normaliser, for article text, titles, topic terms and search queries.

Three forms, each idempotent:

- ``clean``: the display form. Entities decoded, NFC, legacy Ð/ð as Đ/đ, invisible characters
  and stray combining marks gone, every run of space-like characters one space, paragraphs separated by ``"\\n\\n"``.
- ``match_form``: ``clean`` plus one tone-mark placement (hoà→hòa, uỷ→ủy), one i/y spelling
  (kỹ→kĩ, quy→qui) and lower case. Used to match topic terms.
- ``fold``: ``match_form`` without marks and with đ→d, for ``fold_diacritics`` and search.

``match_form`` and ``fold`` keep the length of the cleaned text (one character for one), so an
offset found in either form is the same offset in ``clean(text)``: snippets and highlight spans
come straight from the display text. Everything avoids per-character Python loops on the
common path; a page of news costs microseconds.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["clean", "fold", "fold_clean", "match_form", "match_form_clean"]

_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_HSPACES = (
    "\t\x1c-\x1f\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"  # Python's \s, but " " and line breaks
)
_VSPACES = "\r\x0b\x0c\x85\u2028\u2029"
_CLEAN_PAIRS = (*((c, "") for c in _INVISIBLE), ("\u00d0", "Đ"), ("\u00f0", "đ"))
_NEEDS_TABLE = re.compile(f"[{_INVISIBLE}\u00d0\u00f0]")
_STRAY_MARK = re.compile("[\u0300-\u036f]+")  # left after NFC: nothing to compose with
_ONE_MARK = re.compile("[\u0300-\u036f]")  # a bare class: re skips ahead to it in C
_ODD_SPACE = re.compile(f"[{_HSPACES}{_VSPACES}]")  # one quick scan decides whether to fix
_HSPACE = re.compile(f"[{_HSPACES}]+")
_VSPACE = re.compile("\r\n?|[\x0b\x0c\x85\u2028]")
_MULTISPACE = re.compile(" {2,}")
_SPACED_NL = re.compile(" *\n *")
_MANY_NL = re.compile("\n{3,}")
_LONE_NL = re.compile("\n(?<!\n\n)(?!\n)")  # literal first: the scan skips fast to "\n"
# Any of the three cases below: a space beside a line break, three breaks, a lone break.
_ODD_NL = re.compile("\n(?:(?<= \n)|(?= )|(?=\n\n)|(?<!\n\n)(?!\n))")
# Characters that none of the table, NFC, stray-mark and odd-space passes can change: already
# NFC whatever surrounds them (NFC quick check "yes", combining class 0, never the second half
# of a composition), not invisible, not Ð/ð, not an odd space. One scan for anything else
# decides whether those passes run at all; tests/test_normalize.py checks the ranges.
_PLAIN_RANGES = (
    "\n -~\xa1-\xac\xae-\xcf\xd1-\xef\xf1-\u02ff\u1e00-\u1eff"
    "\u2010-\u2027\u2030-\u205e\u20a0-\u20c0"
)
_NOT_PLAIN = re.compile(f"[^{_PLAIN_RANGES}]")

_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền sắc hỏi ngã nặng
_VOWELS = "aăâeêioôơuưy"


def _compose(base: str, mark: str) -> str:
    return unicodedata.normalize("NFC", base + mark)


_ALL_VOWELS = "".join(_compose(v, t) for v in _VOWELS for t in ("", *_TONES))
# Second vowel carries the tone ("oà", "oẻ", "uỷ"): move it to the first ("òa", "ỏe", "ủy").
_NEW_STYLE = {
    first + _compose(second, tone): _compose(first, tone) + second
    for first, second in (("o", "a"), ("o", "e"), ("u", "y"))
    for tone in _TONES
}
_NEW_STYLE_RE = re.compile("|".join(_NEW_STYLE))
_NOT_BEFORE = frozenset(_ALL_VOWELS + "q")

# i/y spelling after one consonant in an open syllable (kỹ/kĩ, lý/lí, quy/qui): canonical i.
# The y comes first in the pattern so the regex engine can skip ahead to it.
_Y_TO_I = {_compose("y", t): _compose("i", t) for t in ("", *_TONES)}
_IY_RE = re.compile(
    f"[{''.join(_Y_TO_I)}]"
    r"(?:(?<=(?<![^\W_])[bdđhklmnstv].)|(?<=(?<![^\W_])qu.))(?![^\W_])"
)
_IY_ASCII_RE = re.compile(r"y(?:(?<=(?<![^\W_])[bdhklmnstv].)|(?<=(?<![^\W_])qu.))(?![^\W_])")

# Fold: punctuation that NFD cannot reduce to ASCII, mapped one for one so the fast path holds.
_PUNCT_ASCII = {
    "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "‑": "-",
    "…": ".", "«": '"', "»": '"', "·": ".", "•": "*", "°": "o", "×": "x",
}  # fmt: skip


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        decomposed = unicodedata.normalize("NFD", chr(cp))
        if len(decomposed) > 1 and decomposed[0].isascii():
            table[cp] = decomposed[0]
    table |= {ord("đ"): "d", ord("Đ"): "D"} | {ord(k): v for k, v in _PUNCT_ASCII.items()}
    return table


_FOLD_TABLE = _fold_table()
_PUNCT_RE = re.compile(f"[{''.join(_PUNCT_ASCII)}]")


def _punct_ascii(m: re.Match[str]) -> str:
    return _PUNCT_ASCII[m.group()]


def _unescape(text: str) -> str:
    # Some feeds encode entities twice ("&amp;amp;"); decode until nothing changes.
    while "&" in text:
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def _clean_chars(text: str) -> str:
    """Invisible characters, legacy Đ, NFC, stray marks and odd spaces: rare on real pages."""
    if _NEEDS_TABLE.search(text):
        for src, dst in _CLEAN_PAIRS:  # str.translate walks a dict per character: far slower
            if src in text:
                text = text.replace(src, dst)
    text = unicodedata.normalize("NFC", text)  # returns the text itself when it is NFC already
    if _ONE_MARK.search(text):  # a second tone mark, a mark on a digit: noise on real pages
        text = _STRAY_MARK.sub("", text)
    if _ODD_SPACE.search(text):
        text = _VSPACE.sub("\n", text).replace("\u2029", "\n\n")
        text = _HSPACE.sub(" ", text)
    return text


def clean(text: str) -> str:
    """Display form: what every stored title and body looks like."""
    if "&" in text:
        text = _unescape(text)
    if _NOT_PLAIN.search(text):
        text = _clean_chars(text)
    if "  " in text:
        text = _MULTISPACE.sub(" ", text)
    if "\n" in text and _ODD_NL.search(text):
        # One line break is a space; two or more are a paragraph break.
        if " \n" in text or "\n " in text:
            text = _SPACED_NL.sub("\n", text)
        if "\n\n\n" in text:
            text = _MANY_NL.sub("\n\n", text)
        if text.count("\n") != 2 * text.count("\n\n"):  # some line break stands alone
            text = _LONE_NL.sub(" ", text)
    return text.strip(" \n")


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" and friends grow under lower(): keep the base letter
        lowered = "".join(c.lower()[:1] for c in text)  # İ → i (not İ: fold would give I)
    return lowered


def _fix_tone(m: re.Match[str]) -> str:
    start, end, s = m.start(), m.end(), m.string
    if start > 0 and s[start - 1] in _NOT_BEFORE:
        return m.group()  # qu- syllable or triphthong: both styles agree
    if end < len(s) and (s[end].isalnum() or s[end] == "_"):
        return m.group()  # closed syllable (hoàn, tuyển): both styles agree
    return _NEW_STYLE[m.group()]


def _fix_iy(m: re.Match[str]) -> str:
    return _Y_TO_I[m.group()]


def _canonical_iy(text: str) -> str:
    if text.isascii():  # folded text: only a plain "y", and a literal first lets re skip ahead
        return _IY_ASCII_RE.sub("i", text) if "y" in text else text
    return _IY_RE.sub(_fix_iy, text)


def match_form_clean(cleaned: str) -> str:
    """``match_form`` of a text that is already ``clean`` (skips the cleaning pass)."""
    text = _lower(cleaned)
    text = _NEW_STYLE_RE.sub(_fix_tone, text)
    return _canonical_iy(text)


def match_form(text: str) -> str:
    """Matching form: one tone placement, one i/y spelling, lower case; same length as clean."""
    return match_form_clean(clean(text))


def _strip_marks(text: str) -> str:
    text = text.replace("đ", "d")
    if text.isascii():
        return text
    for src, dst in _PUNCT_ASCII.items():
        if src in text:
            text = text.replace(src, dst)
    fast = unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode("ascii")
    if len(fast) == len(text):
        return fast
    return text.translate(_FOLD_TABLE)  # other scripts or stray marks: the slow, exact way


def _fold_fast(cleaned: str) -> str | None:
    """``_strip_marks(_lower(cleaned))`` for the usual text, or None for the rest.

    Marks go first and case last, on ASCII bytes: the same result for every character that
    NFD turns into one ASCII letter (checked for all of Unicode), and NFD never turns one
    character into two ASCII ones, so an unchanged length means nothing else was there.
    """
    if "\u0130" in cleaned:  # "İ": the one letter whose lower case is two characters
        return None
    text = cleaned.replace("đ", "d").replace("Đ", "D")
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text)
    fast = decomposed.encode("ascii", "ignore")
    if len(fast) != len(text) and _PUNCT_RE.search(decomposed):  # punctuation survives NFD
        fast = _PUNCT_RE.sub(_punct_ascii, decomposed).encode("ascii", "ignore")
    if len(fast) != len(text):
        return None  # other scripts, stray marks: the exact way
    return fast.lower().decode("ascii")


def fold_clean(cleaned: str) -> str:
    """``fold`` of a text that is already ``clean``."""
    # Tone placement does not matter once the marks are gone, so skip that pass.
    folded = _fold_fast(cleaned)
    if folded is None:
        folded = _strip_marks(_lower(cleaned))
    return _canonical_iy(folded)


def fold(text: str) -> str:
    """Folded form: match form without marks, đ→d; same length as clean."""
    return fold_clean(clean(text))
