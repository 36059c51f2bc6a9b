"""The phrase matcher: boundaries, excludes, aliases, groups, weights and the snippet."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from monitor.errors import ConfigError
from monitor.match.matcher import compile_topics, snippet_around
from monitor.match.normalize import clean, fold
from monitor.match.termscan import TermSet, atoms

CASES = yaml.safe_load((Path(__file__).parent / "data" / "matcher_cases.yaml").read_text("utf-8"))


@dataclass(frozen=True)
class Topic:
    """The attributes the matcher reads (monitor.config.models.Topic has the same)."""

    id: str
    groups: dict[str, dict[str, float]]
    require: list[str] = field(default_factory=list)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    min_score: float = 1.0
    title_weight: float = 2.0
    fold_diacritics: bool = False
    name: str = ""


BASE = Topic(**CASES["topic"])


@pytest.mark.parametrize("case", CASES["match"], ids=lambda c: c["id"])
def test_match_case(case: dict) -> None:
    topic = dataclasses.replace(BASE, **case.get("topic", {}))
    (m,) = compile_topics([topic]).match(case.get("title", ""), case["text"])
    if "matched" in case:
        assert m.matched is case["matched"]
    if "score" in case:
        assert m.score == case["score"]
    if "terms" in case:
        assert dict(m.terms) == case["terms"]
    if "snippet_has" in case:
        assert case["snippet_has"] in m.snippet
        assert len(m.snippet) <= 240
    # Every span marks a term in the snippet.
    for start, end in m.spans:
        piece = m.snippet[start:end]
        assert piece and piece[0].isalnum() and piece[-1].isalnum()


def test_spans_highlight_the_terms_in_the_clean_text() -> None:
    text = "Ca\u0302\u0300n Tho\u031b và Tp. HCM ký thoả thuận hợp tác"
    (m,) = compile_topics([BASE]).match("", text)
    marked = [m.snippet[s:e] for s, e in m.spans]
    assert marked == ["Cần Thơ", "Tp. HCM", "thoả thuận hợp tác"]
    assert m.snippet == clean(text)


def test_many_topics_share_one_scan_and_keep_their_own_rules() -> None:
    other = Topic(id="coop", groups={"terms": {"hợp tác xã": 2, "HTX": 1}})
    many = [dataclasses.replace(BASE, id=f"t{i}") for i in range(50)]
    matcher = compile_topics([*many, other])
    results = {
        r.topic_id: r for r in matcher.match("", "HTX ở Cần Thơ: hợp tác xã tăng cường hợp tác")
    }
    assert results["coop"].matched and dict(results["coop"].terms) == {"HTX": 1, "hợp tác xã": 1}
    assert dict(results["t7"].terms) == {"Cần Thơ": 1, "hợp tác": 1}
    assert [r.topic_id for r in matcher.match("", "x", ["coop"])] == ["coop"]


def test_unknown_topic_id_is_a_usage_error() -> None:
    with pytest.raises(ConfigError, match="unknown topic"):
        compile_topics([BASE]).match("", "x", ["nope"])


def test_snippet_without_hits_is_the_start_of_the_text() -> None:
    text = "Đoạn một. " * 60
    snippet, spans = snippet_around(clean(text), [])
    assert spans == [] and snippet.startswith("Đoạn một.") and snippet.endswith("…")
    assert len(snippet) <= 225


def test_snippet_offsets_survive_paragraph_breaks() -> None:
    text = "Mở đầu.\n\nCần Thơ\n\nhợp tác"
    snippet, spans = snippet_around(text, [(9, 16), (18, 25)])
    assert snippet == "Mở đầu. Cần Thơ hợp tác"
    assert [snippet[s:e] for s, e in spans] == ["Cần Thơ", "hợp tác"]


_WORDS = [
    "hợp tác", "xã", "HTX", "liên kết", "vùng", "TP.HCM", "TP. HCM", "tphcm", "HCM", "Cần Thơ",
    "An Giang", "an", "giang", "BR-VT", "Bà Rịa–Vũng Tàu", "13-NQ/TW", "ĐBSCL", "tỉnh, thành",
    "thoả thuận", "kỹ", "_", "x", "é", "한", "…", ".", "-", "/", ",", "İ", "\u00a0", "\u200b",
]  # fmt: skip
_SEPS = [" ", "  ", "\n", "\n\n", "\n\n\n", "", ". ", " - ", "-", "\t"]
_texts = st.lists(
    st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SEPS)).map("".join), max_size=30
).map("".join)


@given(_texts)
def test_automaton_prefilter_finds_exactly_what_the_regex_finds(text: str) -> None:
    """Folded text goes through Aho–Corasick first; the hits must be the regex's own."""
    phrases = ["an", "an giang", "giang", "tp.hcm", "br-vt", "13-nq/tw", "hop tac", "hop tac xa"]
    terms = TermSet([atoms(fold(p)) for p in phrases], ascii_text=True)
    folded = fold(text)
    assert terms.scan(folded, clean=True) == terms._search(folded)  # the regex-only path
    assert terms.scan(text) == terms._search(text)  # unclean or non-ASCII: the regex itself
