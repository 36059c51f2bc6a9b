"""The normaliser: one form for every spelling of the same Vietnamese words."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from monitor.match.normalize import (
    _NOT_PLAIN,
    _canonical_iy,
    _lower,
    _strip_marks,
    clean,
    fold,
    fold_clean,
    match_form,
)

CASES = yaml.safe_load((Path(__file__).parent / "data" / "matcher_cases.yaml").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES["normalize"], ids=lambda c: c["id"])
def test_normalize_case(case: dict) -> None:
    for key, fn in (("clean", clean), ("match", match_form), ("fold", fold)):
        if key in case:
            assert fn(case["input"]) == case[key]


@pytest.mark.parametrize(
    "old,new",
    [("hoà", "hòa"), ("thoả", "thỏa"), ("uỷ", "ủy"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"),
     ("Hoà Bình", "Hòa Bình"), ("luỹ", "lũy"), ("nguỵ", "ngụy")],
)  # fmt: skip
def test_both_tone_placements_give_one_form(old: str, new: str) -> None:
    assert match_form(old) == match_form(new)
    assert match_form(unicodedata.normalize("NFD", old)) == match_form(new)
    assert fold(old) == fold(new)


SAMPLE = (
    "Sáng 29/11, UBND TP. Cần Thơ và 13 tỉnh, thành ĐBSCL ký thoả thuận hợp tác;\n\n"
    "ông Nguyễn Văn Quý, Phó Chủ tịch Uỷ ban, nói về quy hoạch và kỹ thuật."
)

_PIECES = [
    *"aàáảãạăằâấeèéêềiìíỉoòóỏõọôồơớuùúủũụưứyỳýỷỹỵđĐqgkhnt ÐðQUYOA.–&;",
    "\u0301", "\u0300", "\u0309", "\u200b", "\u00a0", "\n", "&amp;", "\u00ad", "\r\n", "\u2029",
]  # fmt: skip
vietnamese = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@given(vietnamese)
def test_idempotent_and_length_preserving(text: str) -> None:
    c = clean(text)
    assert clean(c) == c
    assert match_form(match_form(text)) == match_form(text)
    assert fold(fold(text)) == fold(text)
    # Offsets in the match and folded forms are offsets in the clean text.
    assert len(match_form(text)) == len(c) == len(fold(text))


def test_nfc_and_nfd_give_one_form() -> None:
    nfd = unicodedata.normalize("NFD", SAMPLE)
    assert nfd != SAMPLE
    assert clean(nfd) == clean(SAMPLE)
    assert match_form(nfd) == match_form(SAMPLE)
    assert fold(nfd) == fold(SAMPLE)


def test_fold_is_ascii_for_vietnamese() -> None:
    assert fold(SAMPLE).isascii()
    assert "dbscl" in fold(SAMPLE)


def test_other_scripts_keep_their_length() -> None:
    text = "Hợp tác với Hàn Quốc (한국) và Đức – Straße"
    assert len(fold(text)) == len(clean(text)) == len(match_form(text))


def test_plain_characters_need_no_cleaning_pass() -> None:
    """The fast path skips NFC and the table for these: each must be stable in any context."""
    seconds = set()
    for cp in range(0x110000):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<") and len(decomposition.split()) == 2:
            seconds.add(chr(int(decomposition.split()[1], 16)))
    plain = [chr(cp) for cp in range(0x3000) if not _NOT_PLAIN.match(chr(cp))]
    assert "ế" in plain and "Đ" in plain and "\u00a0" not in plain and "\u0301" not in plain
    for c in plain:
        assert unicodedata.normalize("NFC", c) == c and not unicodedata.combining(c), hex(ord(c))
        assert c not in seconds, hex(ord(c))
        if c != "\n":  # line breaks are the spacing pass's business, which always runs
            assert clean("a" + c + "a") == "a" + c + "a", hex(ord(c))


_MIXED = [*_PIECES, *"İΣσ한국ßẞKÅ“”…·×°_-/,ĐđÐ", "\u1dc0", "\u20d0", "\u1161", "\u0345", "가"]


@given(st.lists(st.sampled_from(_MIXED), max_size=60).map("".join))
def test_fold_fast_path_agrees_with_the_exact_way(text: str) -> None:
    c = clean(text)
    assert fold_clean(c) == _canonical_iy(_strip_marks(_lower(c)))
