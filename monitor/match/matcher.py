"""Topic matching: (title, body) → per-topic score, the terms that hit, a snippet with spans.

Pure and compiled once. All terms of all topics that share a fold mode become one regex built
from a trie of their characters, so a hundred topics cost about what one costs: the regex
engine walks shared prefixes once instead of trying every term at every position.

Rules (docs: SPEC "topics"):
- texts and terms go through the same normaliser (``match_form`` or, with ``fold_diacritics``,
  ``fold``), which keeps offsets, so hits map straight back to the clean display text;
- a term matches whole syllables only, across any run of spaces or line breaks; where a term
  has punctuation ("TP.HCM", "Bà Rịa–Vũng Tàu") the text may have any of . - – — / with or
  without spaces, or nothing ("TP. HCM", "TP HCM", "TPHCM");
- ``exclude`` phrases are masked out first, so terms inside them never count;
- aliases count under their key; a title hit counts ``title_weight`` times;
- a topic matches when its score reaches ``min_score`` and every ``require``d group has a hit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from monitor.errors import ConfigError
from monitor.match.actors import Evidence, evidence
from monitor.match.decide import ActorsLike, Decision, decide
from monitor.match.normalize import clean, fold_clean, match_form_clean
from monitor.match.termscan import SEP_PUNCT, SEP_SPACE, TermSet, atoms
from monitor.match.termscan import key as _key

__all__ = ["Matcher", "TopicLike", "TopicMatch", "compile_topics"]

SNIPPET_CHARS = 200
_MASK = "\x00"  # neither a word character nor a separator: nothing matches across it


class TopicLike(Protocol):
    """What the matcher reads from a topic (monitor.config.Topic, or a test's dataclass)."""

    id: str
    groups: dict[str, dict[str, float]]
    require: list[str]
    aliases: dict[str, list[str]]
    exclude: list[str]
    min_score: float
    title_weight: float
    fold_diacritics: bool


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """Why an article did (or did not) match one topic."""

    topic_id: str
    score: float
    matched: bool
    terms: list[tuple[str, int]]  # (term as written in the topic, hits in title and body)
    snippet: str  # ~200 characters of the clean text around the densest cluster of hits
    spans: list[tuple[int, int]] = field(default_factory=list)  # hits inside ``snippet``
    why: Decision | None = None  # the actors and the model's verdict, for topics with actors


@dataclass(slots=True)
class _Entry:
    """What one matched key means for one topic."""

    topic: int
    term: str  # display form: the key as the topic writes it
    weights: list[tuple[str, float]]  # (group, weight)


@dataclass(slots=True)
class _Mode:
    """Everything compiled for one fold mode (diacritics kept, or folded)."""

    form: Callable[[str], str]
    topics: set[int] = field(default_factory=set)  # indices of the topics in this mode
    terms: TermSet | None = None
    excludes: TermSet | None = None
    combined: TermSet | None = None  # terms and excludes: one scan when nothing is hit
    risky: set[str] = field(default_factory=set)  # terms that can swallow an exclude's start
    exclude_reach: int = 0  # generous length of the longest exclude in the text
    index: dict[str, list[_Entry]] = field(default_factory=dict)
    by_topic: dict[int, dict[str, _Entry]] = field(default_factory=dict)  # the index per topic
    exclude_owners: dict[str, set[int]] = field(default_factory=dict)
    own_terms: dict[int, TermSet | None] = field(default_factory=dict)


@dataclass(slots=True)
class _Tally:
    score: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    body_spans: list[tuple[int, int]] = field(default_factory=list)
    title_spans: list[tuple[int, int]] = field(default_factory=list)


class Matcher:
    """Compiled topics. Build once per configuration with ``compile_topics``; thread-safe."""

    def __init__(self, topics: Sequence[TopicLike]) -> None:
        self.topics = list(topics)
        self._ids = {t.id: i for i, t in enumerate(self.topics)}
        self._modes: dict[bool, _Mode] = {}
        # Topics with actors whose phrases only explain (no minimum score, nothing required).
        self._explain_only = {
            i
            for i, t in enumerate(self.topics)
            if getattr(t, "actors", None) is not None and t.min_score <= 0 and not t.require
        }
        own: dict[bool, dict[int, list[list[str]]]] = {}
        for i, topic in enumerate(self.topics):
            folded = bool(topic.fold_diacritics)
            mode = self._modes.setdefault(
                folded, _Mode(form=fold_clean if folded else match_form_clean)
            )
            mode.topics.add(i)
            terms = own.setdefault(folded, {}).setdefault(i, [])
            for phrase, (display, weights) in _topic_terms(topic).items():
                form = mode.form(clean(phrase))
                term_key = _key(form)
                if not term_key:
                    continue
                terms.append(atoms(form))
                entries = mode.index.setdefault(term_key, [])
                same = next((e for e in entries if e.topic == i), None)
                if same is None:
                    entries.append(_Entry(i, display, list(weights)))
                else:
                    same.weights.extend(w for w in weights if w not in same.weights)
            for phrase in topic.exclude:
                exclude_key = _key(mode.form(clean(phrase)))
                if exclude_key:
                    mode.exclude_owners.setdefault(exclude_key, set()).add(i)
        for folded, mode in self._modes.items():
            for term_key, entries in mode.index.items():
                for entry in entries:  # one entry per topic and key
                    mode.by_topic.setdefault(entry.topic, {})[term_key] = entry
            topic_terms = own.get(folded, {})
            all_terms = [a for terms in topic_terms.values() for a in terms]
            excl = [atoms(mode.form(clean(p))) for i in topic_terms for p in self.topics[i].exclude]
            mode.terms = TermSet.build(all_terms, folded)
            mode.excludes = TermSet.build(excl, folded)
            if mode.excludes is None:
                continue
            mode.combined = TermSet.build([*all_terms, *excl], folded)
            mode.risky = _hiding_terms(all_terms, excl)
            mode.exclude_reach = 4 * max(len(e) for e in excl) + 8
            for i, terms in topic_terms.items():
                if self.topics[i].exclude:
                    mode.own_terms[i] = TermSet.build(terms, folded)

    def match(
        self, title: str | None, body: str | None, topic_ids: Iterable[str] | None = None
    ) -> list[TopicMatch]:
        """Score the article against the topics (all, or the given ids), in topic order."""
        if topic_ids is None:
            wanted = list(range(len(self.topics)))
        else:
            wanted = []
            for tid in topic_ids:
                if tid not in self._ids:
                    raise ConfigError(f"unknown topic {tid!r}")
                wanted.append(self._ids[tid])
        title_c, body_c = clean(title or ""), clean(body or "")
        tallies = {i: _Tally() for i in wanted}
        ev: Evidence | None = None
        decided: dict[int, Decision] = {}
        for i in wanted:
            if i in self._explain_only:
                # Its phrases only explain: who acts decides first, and a text no two
                # localities act in together skips the phrase scan (most texts).
                if ev is None:
                    ev = evidence(title_c, body_c)
                decided[i] = self._decide(i, ev)
        skip = {i for i, why in decided.items() if not why.together}
        for mode in self._modes.values():
            mine = mode.topics if topic_ids is None else mode.topics.intersection(wanted)
            mine = mine - skip
            if not mine:
                continue
            for text, in_title in ((title_c, True), (body_c, False)):
                if text:
                    self._tally(mode, mode.form(text), in_title, mine, tallies)
        results = []
        for i in wanted:
            topic = self.topics[i]
            if i in skip:
                why = decided[i]
                results.append(
                    TopicMatch(topic.id, 0.0, False, [], why.sentence[:SNIPPET_CHARS], [], why)
                )
                continue
            result = self._result(i, tallies[i], title_c, body_c)
            actors = getattr(topic, "actors", None)
            if actors is not None and (result.matched or not topic.groups):
                # The phrase rules passed (or the topic has none): who acts decides.
                if i not in decided:
                    if ev is None:
                        ev = evidence(title_c, body_c)
                    decided[i] = self._decide(i, ev)
                why = decided[i]
                score = why.probability if why.probability is not None else result.score
                result = replace(result, matched=why.matched, score=round(score, 4), why=why)
            elif actors is not None:
                result = replace(result, matched=False)
            results.append(result)
        return results

    def _decide(self, i: int, ev: Evidence) -> Decision:
        topic = self.topics[i]
        actors: ActorsLike = getattr(topic, "actors")  # noqa: B009 (not part of TopicLike)
        return decide(
            ev, actors, getattr(topic, "relevance", None), getattr(topic, "threshold", None)
        )

    def _tally(
        self, mode: _Mode, text: str, in_title: bool, mine: set[int], tallies: dict[int, _Tally]
    ) -> None:
        for i, hits in self._hits(mode, text, mine).items():
            if not hits:
                continue
            topic = self.topics[i]
            tally = tallies[i]
            factor = topic.title_weight if in_title else 1.0
            spans = tally.title_spans if in_title else tally.body_spans
            entries = mode.by_topic.get(i, {})
            counts, groups, score = tally.counts, tally.groups, tally.score
            for start, end, key in hits:
                entry = entries.get(key)
                if entry is None:
                    continue  # an exclude, or another topic's term
                counts[entry.term] = counts.get(entry.term, 0) + 1
                for group, weight in entry.weights:
                    score += weight * factor  # in hit order, as before: the same float sum
                    groups.add(group)
                spans.append((start, end))
            tally.score = score

    def _hits(
        self, mode: _Mode, text: str, mine: set[int]
    ) -> dict[int, list[tuple[int, int, str]]]:
        """Each topic's term hits, its own excludes masked out first."""
        if mode.combined is None:
            hits = _scan(mode.terms, text)
            return dict.fromkeys(mine, hits)
        # One scan for terms and excludes together. The leftmost-longest scan consumes an
        # exclude just as masking would, so its term hits are exact for every topic that owns
        # all the excludes found, unless a term that can swallow an exclude's start was hit.
        shared = _scan(mode.combined, text)
        found: set[str] = set()
        swallowed = False
        owners, risky = mode.exclude_owners, mode.risky
        for start, end, key in shared:
            if key in owners:
                found.add(key)
            if not swallowed and key in risky:
                swallowed = _swallows(mode, text, start, end)
        out: dict[int, list[tuple[int, int, str]]] = {}
        exact: dict[str, list[tuple[int, int, str]]] = {}  # scans shared by the exact path
        for i in mine:
            if not swallowed and all(i in mode.exclude_owners[k] for k in found):
                out[i] = shared
                continue
            if "excludes" not in exact:
                exact["excludes"] = _scan(mode.excludes, text)
            spans = [(s, e) for s, e, k in exact["excludes"] if i in mode.exclude_owners[k]]
            if spans:
                out[i] = _scan(mode.own_terms.get(i), _mask(text, spans))
            else:
                if "terms" not in exact:
                    exact["terms"] = _scan(mode.terms, text)
                out[i] = exact["terms"]
        return out

    def _result(self, i: int, tally: _Tally, title: str, body: str) -> TopicMatch:
        topic = self.topics[i]
        matched = tally.score >= topic.min_score and all(g in tally.groups for g in topic.require)
        order = sorted(tally.counts.items(), key=lambda kv: -kv[1])  # stable: first hit first
        if tally.body_spans:
            snippet, spans = snippet_around(body, tally.body_spans)
        elif tally.title_spans:
            snippet, spans = snippet_around(title, tally.title_spans)
        else:
            snippet, spans = snippet_around(body or title, [])
        return TopicMatch(topic.id, round(tally.score, 6), matched, order, snippet, spans)


def _topic_terms(topic: TopicLike) -> dict[str, tuple[str, list[tuple[str, float]]]]:
    """phrase → (display key, [(group, weight)]) for terms and their aliases."""
    out: dict[str, tuple[str, list[tuple[str, float]]]] = {}
    for group, terms in topic.groups.items():
        for term, weight in terms.items():
            out.setdefault(term, (term, []))[1].append((group, float(weight)))
    for key, aliases in (topic.aliases or {}).items():
        if key not in out:
            continue  # an alias of a term no group lists cannot score
        for alias in aliases:
            out.setdefault(alias, (key, []))[1].extend(out[key][1])
    return out


def _scan(terms: TermSet | None, text: str) -> list[tuple[int, int, str]]:
    # Every text here is a form of clean() output, masked or not: one space between words.
    return terms.scan(text, clean=True) if terms is not None else []


def _swallows(mode: _Mode, text: str, start: int, end: int) -> bool:
    """Does an exclude start inside this term hit (so the shared scan missed it)?"""
    assert mode.excludes is not None
    m = mode.excludes.pattern.search(text, start + 1, end + mode.exclude_reach)
    return m is not None and m.start() < end


def _tokens(atoms: list[str]) -> list[str]:
    words, word = [], ""
    for atom in atoms:
        if atom in (SEP_SPACE, SEP_PUNCT):
            words.append(word)
            word = ""
        else:
            word += atom
    return [*words, word]


def _hiding_terms(terms: list[list[str]], excludes: list[list[str]]) -> set[str]:
    """Keys of terms that can swallow the start of an exclude in a shared scan.

    A term hides an exclude when the exclude begins inside it on a syllable boundary
    ("thỏa thuận hợp tác" + "hợp tác xã") or lies within it; such texts take the exact path.
    """
    risky = set()
    for term in terms:
        t = _tokens(term)
        for exclude in excludes:
            e = _tokens(exclude)
            # Starting at the term's start, the longer of the two wins the shared scan anyway.
            overlaps = any(t[-k:] == e[:k] for k in range(1, min(len(t) - 1, len(e)) + 1))
            inside = any(t[i : i + len(e)] == e for i in range(len(t) - len(e) + 1))
            if overlaps or inside:
                risky.add("".join(t))
    return risky


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    parts: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            start = pos
        parts.append(text[pos:start])
        parts.append(_MASK * (end - start))
        pos = max(pos, end)
    parts.append(text[pos:])
    return "".join(parts)


def snippet_around(
    text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS
) -> tuple[str, list[tuple[int, int]]]:
    """About ``width`` characters of ``text`` around the densest cluster of spans.

    Returns the snippet (paragraph breaks as spaces, "…" where text was cut) and the spans
    that fall inside it, as offsets into the snippet.
    """
    spans = sorted(set(spans))
    if spans:
        best, best_n, j = 0, 0, 0
        for i, (start, _) in enumerate(spans):
            if j < i:
                j = i
            while j + 1 < len(spans) and spans[j + 1][1] - start <= width:
                j += 1
            if j - i + 1 > best_n:
                best, best_n = i, j - i + 1
        first, last = spans[best][0], spans[best + best_n - 1][1]
        lo = max(0, first - max(0, width - (last - first)) // 2)
    else:
        first = last = lo = 0
    hi = min(len(text), max(lo + width, last))
    lo = max(0, min(lo, hi - width))
    # Do not cut words: widen to the nearest space, within reason.
    if lo > 0:
        cut = text.rfind(" ", max(0, lo - 20), lo)
        lo = cut + 1 if cut >= 0 else lo
    if hi < len(text):
        cut = text.find(" ", hi, hi + 20)
        hi = cut if cut >= 0 else hi
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    segment = text[lo:hi]
    shift = len(prefix) - lo
    if "\n\n" not in segment:
        return prefix + segment + suffix, [
            (s + shift, e + shift) for s, e in spans if s >= lo and e <= hi
        ]
    snippet = prefix + segment.replace("\n\n", " ") + suffix

    def at(pos: int) -> int:
        return pos + shift - segment[: pos - lo].count("\n\n")

    inside = [(at(s), at(e)) for s, e in spans if s >= lo and e <= hi]
    return snippet, inside


def compile_topics(topics: Iterable[TopicLike]) -> Matcher:
    """Compile topics once; call ``.match(title, body)`` per article."""
    return Matcher(list(topics))
