"""Find many normalised terms in a text at once, on syllable boundaries.

A ``TermSet`` is compiled once from terms already in match or folded form. Its regex is built
from a trie of the terms' characters, so shared prefixes are walked once and the longest term
wins. Python's regex engine still tries that trie at every position of the text, which is most
of the cost on a long article; for ASCII (folded) text an Aho–Corasick automaton (pyahocorasick)
first finds the few positions where some spelling of a term stands between two separators, and
the regex only confirms those. The result is exactly what the regex alone would find: the
automaton's keys cover every text the regex can match (see ``_spellings``).

Separators inside a term: a space matches any run of spaces or line breaks; punctuation
("TP.HCM", "Bà Rịa–Vũng Tàu") matches any of . - – — / with or without spaces, or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import product

import ahocorasick

__all__ = ["SEP_PUNCT", "SEP_SPACE", "TermSet", "atoms", "key"]

SEP_SPACE = "[ \\n]+"
SEP_PUNCT = "[ \\n]*[-./–—]?[ \\n]*"  # ASCII-folded text has "-" where the display has "–"
_SEPS = (SEP_SPACE, SEP_PUNCT)
_TOKENS = re.compile(r"[^\W_]+|[\W_]+")
_NONWORD = re.compile(r"[\W_]+")
_END = ""  # trie key marking the end of a term (atoms are never empty)

# In clean text a run of spaces and line breaks is " " or "\n\n" (texts where it is longer take
# the regex-only path), so in the scan text below a space separator is one or two blanks and a
# punctuation separator zero to five. A term with more spellings than this is left to the regex.
_SPACE_RUNS = (" ", "  ")
_PUNCT_RUNS = tuple(" " * n for n in range(6))
_MAX_SPELLINGS = 4096
# Scan text: ASCII letters lower-cased, digits kept, every other byte a blank. Same length.
_BLANKS = bytes.maketrans(
    bytes(range(128)),
    bytes(c if chr(c).isalnum() else 32 for c in range(128)).lower(),
)


def atoms(form: str) -> list[str]:
    """A normalised term as regex atoms: escaped characters and separator patterns."""
    out: list[str] = []
    for token in _TOKENS.findall(form):
        if token[0].isalnum():
            out.extend(re.escape(c) for c in token)
        elif out:
            out.append(SEP_SPACE if token.isspace() else SEP_PUNCT)
    while out and out[-1] in _SEPS:
        out.pop()
    return out


def key(text: str) -> str:
    """A term's identity: its normalised letters and digits."""
    return _NONWORD.sub("", text)


def _trie_regex(terms: Iterable[list[str]], ascii_text: bool) -> re.Pattern[str] | None:
    """One pattern for many terms: shared prefixes are matched once, longer terms win."""
    root: dict = {}
    for term in terms:
        if not term:
            continue
        node = root
        for atom in term:
            node = node.setdefault(atom, {})
        node[_END] = {}
    if not root:
        return None

    def emit(node: dict) -> str:
        # Literal characters first, optional separators last, the end of a term after both.
        children = sorted((a for a in node if a != _END), key=lambda a: a in (SEP_PUNCT,))
        alts = [atom + emit(node[atom]) for atom in children]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if _END in node:
            return ("(?:" + body + ")?") if len(alts) == 1 else body + "?"
        return body

    # Folded text is (nearly) ASCII: an ASCII \b lets the engine reject mid-word starts fast;
    # the scan still checks both ends against Unicode letters. Otherwise the start boundary is
    # checked in Python only, as a lookbehind would stop the engine from skipping ahead.
    if ascii_text:
        return re.compile("(?a)\\b(?:" + emit(root) + ")(?![^\\W_])")
    return re.compile("(?:" + emit(root) + ")(?![^\\W_])")


def _spellings(term: list[str]) -> list[str] | None:
    """Every scan-text spelling of a term, between two blanks; None when there are too many.

    A superset of what the term's regex matches in clean text: each literal as is (lower
    case), each separator as a run of blanks of any length it can take.
    """
    parts: list[tuple[str, ...]] = []
    count = 1
    for atom in term:
        if atom == SEP_SPACE:
            parts.append(_SPACE_RUNS)
        elif atom == SEP_PUNCT:
            parts.append(_PUNCT_RUNS)
        else:
            char = atom[-1] if len(atom) == 2 and atom[0] == "\\" else atom
            if len(char) != 1 or not char.isascii() or not char.isalnum():
                return None
            parts.append((char.lower(),))
        count *= len(parts[-1])
        if count > _MAX_SPELLINGS:
            return None
    return [" " + "".join(p) + " " for p in product(*parts)]


def _automaton(terms: list[list[str]]) -> ahocorasick.Automaton | None:
    automaton = ahocorasick.Automaton()
    for term in terms:
        if not term:
            continue
        spellings = _spellings(term)
        if spellings is None:
            return None
        for spelling in spellings:
            automaton.add_word(spelling, len(spelling) - 1)
    if len(automaton) == 0:
        return None
    automaton.make_automaton()
    return automaton


def _plain_runs(text: str) -> bool:
    """Are all runs of spaces and line breaks at most two long (as ``clean`` leaves them)?"""
    if "  " in text:
        return False
    return "\n" not in text or not (" \n" in text or "\n " in text or "\n\n\n" in text)


class TermSet:
    """Compiled terms: ``scan(text)`` lists (start, end, key) of every hit; thread-safe."""

    __slots__ = ("_automaton", "_keys", "pattern")

    def __init__(self, terms: list[list[str]], ascii_text: bool = False) -> None:
        pattern = _trie_regex(terms, ascii_text)
        if pattern is None:
            raise ValueError("no terms")
        self.pattern = pattern
        self._automaton = _automaton(terms) if ascii_text else None
        self._keys: dict[str, str] = {}  # matched text → key; a few hundred spellings at most

    @classmethod
    def build(cls, terms: list[list[str]], ascii_text: bool = False) -> TermSet | None:
        """A TermSet, or None when there is no term."""
        return cls(terms, ascii_text) if any(terms) else None

    def _key(self, matched: str) -> str:
        found = self._keys.get(matched)
        if found is None:
            found = key(matched)
            if len(self._keys) < 10_000:
                self._keys[matched] = found
        return found

    def scan(self, text: str, clean: bool = False) -> list[tuple[int, int, str]]:
        """(start, end, key) of every hit that starts and ends on a syllable boundary.

        Leftmost first, then longest; a hit resumes the scan at its end. ``clean`` says the
        text is a form of ``normalize.clean`` output (single spaces, "\\n\\n" paragraphs),
        which spares a check.
        """
        if self._automaton is not None and text.isascii() and (clean or _plain_runs(text)):
            return self._confirm(text)
        return self._search(text)

    def _search(self, text: str) -> list[tuple[int, int, str]]:
        hits: list[tuple[int, int, str]] = []
        search = self.pattern.search
        m = search(text)
        while m is not None:
            start = m.start()
            end = m.end()
            if (start and (text[start - 1].isalnum() or text[start - 1] == "_")) or (
                end < len(text) and text[end].isalnum()
            ):
                m = search(text, start + 1)  # inside a longer word: try again one character on
                continue
            hits.append((start, end, self._key(m.group())))
            m = search(text, end)
        return hits

    def _confirm(self, text: str) -> list[tuple[int, int, str]]:
        """The regex tried only where the automaton saw a term: the same hits as ``_search``."""
        assert self._automaton is not None
        scan_text = (" " + text + " ").encode("ascii").translate(_BLANKS).decode("ascii")
        # A spelling of n + 1 characters that ends at scan index e began at scan index e - n,
        # a blank that stands for text index e - n - 1; the term starts one further, at e - n.
        starts = sorted({e - n for e, n in self._automaton.iter(scan_text)})
        hits: list[tuple[int, int, str]] = []
        match = self.pattern.match
        resume = 0
        for start in starts:
            if start < resume:
                continue
            m = match(text, start)
            # In ASCII text the pattern's own lookahead settles the end, and the blank before
            # the start leaves only "_" (a word character, not a letter) to check.
            if m is None or (start and text[start - 1] == "_"):
                continue
            end = m.end()
            hits.append((start, end, self._key(m.group())))
            resume = end
        return hits
