"""Places as entities: Vietnamese provinces (old and new), regions, foreign partners.

``find_places(text)`` finds every place named in a ``normalize.clean`` display string in one
Aho–Corasick pass (pyahocorasick) over the text itself: the data in ``places.yaml`` is expanded
once into the exact spellings a site may publish (tone placement "Thanh Hoá"/"Thanh Hóa", i/y
"Hoa Kì"/"Hoa Kỳ", ALL CAPS, punctuation variants "TP. HCM"/"TPHCM"/"TP-HCM"), so no folding or
regex runs over the whole text; only the few hits are looked at in Python, with the words right
before and after them:

- names are matched with their case: "Hòa Bình" is the province, "hòa bình" is peace; a name
  glued to a longer word is no hit;
- the longest name wins where names overlap ("Lào Cai" over "Lào", "Thái Bình Dương" over
  "Thái Bình"), and the phrases under ``not_places`` in the data ("Sài Gòn Giải Phóng",
  "Điện Biên Phủ", "tư tưởng Hồ Chí Minh") swallow the names inside them;
- false friends by class: a street, river, bridge or station ("đường Hà Nội", "phố Huế",
  "sông Sài Gòn"), a sub-unit named like a province ("xã Hòa Bình", "phường Sài Gòn"), a
  personal name ("Mỹ Tâm", "Minh Đức", "chị Nga"), a language ("tiếng Anh"), a compass point
  ("gió mùa Đông Bắc", "phía Tây Bắc"), the western part of a province ("miền Tây Nghệ An"),
  a brand ("Sài Gòn Tourist");
- the organisation right before the name ("UBND tỉnh", "Công an TP.HCM", "Trường Đại học Cần
  Thơ", "Becamex Bình Dương", "Hà Nội FC") is reported as ``org``; "(cũ)" as ``old_marker``;
- "tỉnh/thành phố/bang X (Country)" is a foreign place even when X is not in the data
  (``Place.country`` says whose); "X (Province)" with X another province's name is a local
  name inside that province ("Hà Nam (Quảng Ninh)") unless X was merged into it.

Decisions: "Thủ đô" alone is Hà Nội (capitalised, no name after it); "Hồ Chí Minh" alone is
never a place (only with TP/thành phố, or TP.HCM, HCM, HCMC, Sài Gòn); "sông Sài Gòn",
"cầu Sài Gòn", "phường Sài Gòn" are not the city; "miền Trung" is the whole central coast
(region "mien-trung", the planning region "Bắc Trung Bộ và duyên hải miền Trung"); a region's
members are the old units in it plus the new units that kept one of their names.

Speed: the whole pass is one automaton scan plus a few dictionary look-ups per hit. With
ahocorasick_rs installed (its contiguous NFA: a DFA is no faster here and costs 3× the memory, ~350 MB) ``find_places`` runs
at about 4× the speed of ``Matcher.match`` on the same real news, back to back.

Pure: the data file is read once, lazily, and cached (about a second to compile).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

import ahocorasick  # type: ignore[import-not-found, unused-ignore]
import yaml

from monitor.match.normalize import fold, match_form

__all__ = [
    "Place",
    "PlaceMention",
    "all_places",
    "current_unit",
    "distinct_localities",
    "find_places",
    "place",
    "regions_of",
]

DATA_FILE = Path(__file__).with_name("places.yaml")


@dataclass(frozen=True, slots=True)
class Place:
    id: str  # stable ascii slug: "ho-chi-minh", "can-tho", "dbscl", "nhat-ban", "champasak"
    name: str  # display name: "TP.HCM", "Cần Thơ", "ĐBSCL"
    kind: str  # "province" | "region" | "foreign"
    status: str  # provinces: "kept" | "merged" | "enlarged"; "" for others
    merged_into: str | None  # merged province → id of its post-2025 unit
    members: frozenset[str]  # regions: province ids (old and new); enlarged: absorbed ids
    country: str | None = None  # foreign: the country's id (a country: its own id)


@dataclass(frozen=True, slots=True)
class PlaceMention:
    place: Place
    start: int  # offsets into the text passed in
    end: int
    surface: str  # the text as written
    org: str | None  # "gov", "police", "military", "company", "school", "hospital",
    # "media", "sports", "union", "coop", or None
    old_marker: bool  # "(cũ)" after it, or "tỉnh X cũ"


# The frozen dataclass's __init__ sets each field through object.__setattr__; setting the slots
# through their descriptors gives the same object at about two thirds of the cost, and a text
# can name dozens of places.
_NEW_MENTION = object.__new__
_SET_MENTION = tuple(
    getattr(PlaceMention, f).__set__
    for f in ("place", "start", "end", "surface", "org", "old_marker")
)


def _mention(
    place: Place, start: int, end: int, surface: str, org: str | None, old: bool
) -> PlaceMention:
    m: PlaceMention = _NEW_MENTION(PlaceMention)
    s_place, s_start, s_end, s_surface, s_org, s_old = _SET_MENTION
    s_place(m, place)
    s_start(m, start)
    s_end(m, end)
    s_surface(m, surface)
    s_org(m, org)
    s_old(m, old)
    return m


# --- spellings ----------------------------------------------------------------------------

_TOKENS = re.compile(r"[^\W_]+|[\W_]+")
# Punctuation inside an alias: what the text may have there.
_GAPS = {
    ".": ("", " ", ".", ". ", " .", " . ", "-", " - "),  # "TP.HCM", "TP. HCM", "TPHCM", "TP HCM"
    "-": ("", " ", "-", "–"),  # "Cam-pu-chia", "BR-VT", "Gyeonggi-do"
    " - ": ("", " ", "-", " - ", "- ", " -", "–", " – ", "—", " — "),  # "Bà Rịa - Vũng Tàu"
    "/": ("/", " / "),
}
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


# New-style tone placement (hòa) → old style (hoà), for open syllables oa, oe, uy.
_TO_OLD = {
    _nfc(a + t) + b: a + _nfc(b + t)
    for a, b in (("o", "a"), ("o", "e"), ("u", "y"))
    for t in _TONES
}
_I_TO_Y = {_nfc("i" + t): _nfc("y" + t) for t in ("", *_TONES)}


def _recase(variant: str, model: str) -> str:
    return "".join(v.upper() if m.isupper() else v for v, m in zip(variant, model, strict=True))


def _word_variants(word: str) -> set[str]:
    """Spellings of one word that the normaliser treats as the same (tone placement, i/y)."""
    canon = match_form(word)
    if len(canon) != len(word):
        return {word}
    cands = {canon}
    for new, old in _TO_OLD.items():
        if canon.endswith(new):
            cands.add(canon[: -len(new)] + old)
    for c in list(cands):
        if c and c[-1] in _I_TO_Y:
            cands.add(c[:-1] + _I_TO_Y[c[-1]])
    out = {word}
    for c in cands:
        if match_form(c) == canon:
            out.add(_recase(c, word))
    return out


def _case_variants(word: str) -> set[str]:
    if word == "TP":
        return {"TP", "Tp"}
    if word[:1].islower():
        return {word, word[:1].upper() + word[1:]}
    return {word}


def spellings(alias: str) -> set[str]:
    """Every exact spelling of an alias that ``find_places`` accepts (see places.yaml)."""
    parts: list[set[str]] = []
    for token in _TOKENS.findall(alias):
        if token[0].isalnum():
            opts: set[str] = set()
            for cased in _case_variants(token):
                opts |= _word_variants(cased)
            parts.append(opts)
        elif token == " ":
            parts.append({" "})
        else:
            core = token.strip()
            if core in ("-", "–", "—"):
                core = " - " if " " in token else "-"
            parts.append(set(_GAPS.get(core, _GAPS["."])))
    out = {"".join(p) for p in product(*parts)}
    out |= {s.upper() for s in out if len(s.upper()) == len(s)}
    return {s for s in out if s and s[0] != " " and s[-1] != " "}


# --- context words --------------------------------------------------------------------------


def _lower_forms(words: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for w in words:
        for v in _word_variants(w):
            out.add(v.lower())
    return frozenset(out)


def _words(text: str) -> frozenset[str]:
    """Lower-case words, in both tone placements."""
    return _lower_forms(text.split())


# Organisation heads: (words, org, named). A named head may have a name between it and the
# place ("Sở Y tế tỉnh X", "Trường Đại học Y Dược Cần Thơ", "Ban quản lý các khu công
# nghiệp Long An"). Written capitalised: the head counts only capitalised ("Trường", not
# "môi trường"); in lower case: either way. ALL CAPS always.
_ORG_HEADS: list[tuple[str, str, bool]] = [
    ("UBND", "gov", False), ("HĐND", "gov", False), ("ủy ban nhân dân", "gov", False),
    ("hội đồng nhân dân", "gov", False), ("tỉnh ủy", "gov", False), ("thành ủy", "gov", False),
    ("Sở", "gov", True), ("Ban", "gov", True), ("Văn phòng", "gov", True), ("Cục", "gov", True),
    ("Chi cục", "gov", True), ("lãnh đạo", "gov", False), ("chính quyền", "gov", False),
    ("đảng bộ", "gov", False), ("chủ tịch", "gov", False), ("bí thư", "gov", False),
    ("Kho bạc", "gov", True), ("Viện Kiểm sát", "gov", True), ("Tòa án", "gov", True),
    ("Thanh tra", "gov", True), ("đoàn công tác", "gov", False), ("đoàn đại biểu", "gov", True),
    ("Đoàn ĐBQH", "gov", False), ("Bảo hiểm xã hội", "gov", False), ("BHXH", "gov", False),
    ("Trung tâm", "gov", True), ("ban quản lý", "gov", True), ("Ủy ban", "gov", True),
    ("Văn phòng UBND", "gov", False), ("Văn phòng Tỉnh ủy", "gov", False),
    ("công an", "police", True), ("cảnh sát", "police", True), ("CSGT", "police", False),
    ("TAND", "gov", False), ("VKSND", "gov", False), ("Viện KSND", "gov", False),
    ("bộ chỉ huy quân sự", "military", False), ("Bộ CHQS", "military", False),
    ("bộ đội biên phòng", "military", False), ("BĐBP", "military", False),
    ("bộ chỉ huy bộ đội biên phòng", "military", False), ("Quân khu", "military", False),
    ("Bộ Tư lệnh", "military", True), ("Biên phòng", "military", False),
    ("quân đội", "military", False), ("Bình Điền", "sports", False),
    ("công ty", "company", True), ("tập đoàn", "company", True), ("tổng công ty", "company", True),
    ("ngân hàng", "company", True), ("Becamex", "company", False), ("Hãng", "company", True),
    ("Cảng", "company", False), ("Nhà máy", "company", True), ("Khách sạn", "company", True),
    ("Bia", "company", False), ("Xổ số", "company", False), ("doanh nghiệp", "company", False),
    ("Trường", "school", True), ("đại học", "school", True), ("ĐH", "school", True),
    ("Viện", "school", True), ("hội doanh nhân", "company", True),
    ("hiệp hội doanh nghiệp", "company", True), ("hội doanh nghiệp", "company", True),
    ("học viện", "school", True), ("Cao đẳng", "school", True), ("THPT", "school", True),
    ("bệnh viện", "hospital", True), ("BV", "hospital", True),
    ("Báo", "media", True), ("Đài", "media", True), ("Truyền hình", "media", True),
    ("Phát thanh", "media", True), ("Đài PT-TH", "media", True),
    ("CLB", "sports", True), ("câu lạc bộ", "sports", True), ("đội tuyển", "sports", True),
    ("đội bóng", "sports", True), ("đội", "sports", False), ("SHB", "sports", False),
    ("Đông Á", "sports", False), ("Sông Lam", "sports", False), ("Thép Xanh", "sports", False),
    ("Hồng Lĩnh", "sports", False), ("Hoàng Anh", "sports", False), ("Quy Nhơn", "sports", False),
    ("Topenland", "sports", False), ("MerryLand", "sports", False), ("XSKT", "sports", False),
    ("Sanna", "sports", False), ("Phù Đổng", "sports", False), ("LPBank", "sports", False),
    ("U15", "sports", False), ("U17", "sports", False), ("U19", "sports", False),
    ("U21", "sports", False), ("U22", "sports", False), ("U23", "sports", False),
    ("Đoàn", "union", True), ("Thành Đoàn", "union", False), ("Tỉnh Đoàn", "union", False),
    ("thành đoàn", "union", False), ("tỉnh đoàn", "union", False),
    ("Hội", "union", True), ("liên đoàn", "union", True), ("hiệp hội", "union", True),
    ("Mặt trận", "union", True), ("MTTQ", "union", True),
    ("Ủy ban MTTQ", "union", True), ("Ủy ban Mặt trận Tổ quốc", "union", True), ("Liên hiệp", "union", True),
    ("HTX", "coop", True), ("hợp tác xã", "coop", True), ("liên minh hợp tác xã", "coop", False),
    ("Liên minh HTX", "coop", False),
]  # fmt: skip


def _head_spellings(phrase: str) -> set[str]:
    if phrase[:1].isupper() and not phrase.split()[0].isupper():
        first, _, rest = phrase.partition(" ")
        out = {f"{f} {r}" if rest else f for f in _word_variants(first) for r in spellings(rest)}
        if not rest:
            out = _word_variants(first)
        return out | {x.upper() for x in out if len(x.upper()) == len(x)}
    return spellings(phrase)


# --- the index ------------------------------------------------------------------------------

_STRICT, _BRAND, _THU_DO, _MIEN, _NOT_PLACE, _HEAD, _NAMED, _NO_START = 1, 2, 4, 8, 16, 32, 64, 128


@dataclass(frozen=True, slots=True)
class _Alias:
    place: Place | None  # None: a not_places phrase or an organisation head
    text: str
    flags: int
    compounds: frozenset[str]
    org: str | None = None  # organisation heads


class _Scanner:
    """Leftmost-longest matches of many spellings: (pattern, start, end) in char offsets.

    ahocorasick_rs (Rust; a contiguous NFA, ~100 MB for the 76,000 spellings) when it is installed, else pyahocorasick's iter_long: the
    same matches (tests/test_places.py checks), at about half the speed. ``values[pattern]``
    is the value given for the spelling.
    """

    def __init__(self, spelled: dict[str, int], use_rs: bool | None = None) -> None:
        self.keys = list(spelled)
        self.values = [spelled[k] for k in self.keys]
        self._rs: Any = None
        self._py: Any = None
        if use_rs is not False:
            try:
                import ahocorasick_rs  # type: ignore[import-not-found, unused-ignore]
            except ImportError:
                if use_rs:
                    raise
            else:
                self._rs = ahocorasick_rs.AhoCorasick(
                    self.keys,
                    matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                    implementation=ahocorasick_rs.Implementation.ContiguousNFA,
                )
                return
        automaton = ahocorasick.Automaton()
        for pattern, k in enumerate(self.keys):
            automaton.add_word(k, (pattern, len(k)))
        automaton.make_automaton()
        self._py = automaton

    def find(self, text: str) -> list[tuple[int, int, int]]:
        if self._rs is not None:
            found: list[tuple[int, int, int]] = self._rs.find_matches_as_indexes(text)
            return found
        return [(p, last + 1 - n, last + 1) for last, (p, n) in self._py.iter_long(text)]


@dataclass(frozen=True, slots=True)
class _Index:
    places: dict[str, Place]
    aliases: list[_Alias]
    scanner: _Scanner
    by_pattern: list[_Alias]  # scanner's match index → alias


def _entries(items: dict[str, list[str]]) -> Iterable[tuple[str, str, list[str]]]:
    for pid, names in items.items():
        yield pid, names[0].lstrip("~^"), names


@cache
def _index() -> _Index:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    places: dict[str, Place] = {}
    aliases: list[tuple[Place | None, str]] = []
    for p in data["provinces"]:
        places[p["id"]] = Place(
            p["id"], p["name"], "province", p["status"], p.get("merged_into"),
            frozenset(p.get("absorbed", [])),
        )  # fmt: skip
        aliases += [(places[p["id"]], a) for a in p["aliases"]]
    for r in data["regions"]:
        places[r["id"]] = Place(r["id"], r["name"], "region", "", None, frozenset(r["members"]))
        aliases += [(places[r["id"]], a) for a in r["aliases"]]
    for pid, name, names in _entries(data["countries"]):
        places[pid] = Place(pid, name, "foreign", "", None, frozenset(), pid)
        aliases += [(places[pid], a) for a in names]
    for country, units in data["subnational"].items():
        for pid, name, names in _entries(units):
            places[pid] = Place(pid, name, "foreign", "", None, frozenset(), country)
            aliases += [(places[pid], a) for a in names]
    for pid, name, names in _entries(data["agencies"]):
        places[pid] = Place(pid, name, "foreign", "", None, frozenset())
        aliases += [(places[pid], a) for a in names]
    aliases += [(None, a) for a in data["not_places"]]

    compounds = {k: _lower_forms(v or []) for k, v in data["compounds"].items()}
    built: list[_Alias] = []
    spelled: dict[str, int] = {}
    for target, raw in aliases:
        text = raw.lstrip("~^")
        flags = (_STRICT if raw.startswith("~") else 0) | (_BRAND if raw.startswith("^") else 0)
        if target is None:
            flags |= _NOT_PLACE
        elif text == "Thủ đô":
            flags |= _THU_DO
        elif target.kind == "region" and (
            text.lower().startswith("miền ") or text in ("Tây Bắc", "Đông Bắc")
        ):
            flags |= _MIEN  # "miền Tây Nghệ An", "Đông Bắc TP.HCM": part of one province
        if flags & _STRICT and text in data.get("not_sentence_start", []):
            flags |= _NO_START
        built.append(_Alias(target, text, flags, compounds.get(text, frozenset())))
        for spelling in spellings(text):
            prev = spelled.get(spelling)
            if prev is not None and built[prev].place != target:
                raise ValueError(f"places.yaml: {spelling!r} names two places")
            spelled[spelling] = len(built) - 1
    for phrase, org, named in _ORG_HEADS:
        built.append(_Alias(None, phrase, _HEAD | (_NAMED if named else 0), frozenset(), org))
        for spelling in _head_spellings(phrase):
            spelled.setdefault(spelling, len(built) - 1)  # a place spelled the same wins
    scanner = _Scanner(spelled)
    return _Index(places, built, scanner, [built[i] for i in scanner.values])


# --- public API -----------------------------------------------------------------------------


def place(id: str) -> Place:
    """The place with this id; KeyError for an unknown id."""
    return _index().places[id]


def all_places() -> list[Place]:
    return list(_index().places.values())


def current_unit(place_id: str) -> str:
    """Old (merged) province → the post-2025 unit's id; anything else → itself."""
    found = _index().places.get(place_id)
    if found is not None and found.merged_into:
        return found.merged_into
    return place_id


def regions_of(place_id: str) -> list[str]:
    """Ids of the Vietnamese regions that hold this province (old or new id)."""
    return [p.id for p in _index().places.values() if p.kind == "region" and place_id in p.members]


def distinct_localities(mentions: Iterable[PlaceMention]) -> set[str]:
    """Ids of the Vietnamese provinces named, old and new ids each counted as itself."""
    return {m.place.id for m in mentions if m.place.kind == "province"}


# --- context words --------------------------------------------------------------------------

# What the word right before a name says (bits).
_C_ADMIN, _C_SUB, _C_STREET, _C_HONOR, _C_DIR, _C_LANG, _C_CCTX, _C_PHO, _C_NAME = (
    1, 2, 4, 8, 16, 32, 64, 128, 256,
)  # fmt: skip


_NAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn Trương "
    "Trịnh Lưu Tạ Tô Châu Quách Thái Vương Kiều Lại Văn Thị Hữu Đình"
)


def _context_words() -> dict[str, int]:
    groups = [
        (_C_ADMIN, "tỉnh tp t.p"),
        # sub-units named like a province: "xã Hòa Bình", "phường Sài Gòn", "thị trấn", "đặc khu"
        (_C_SUB, "xã phường huyện quận ấp thôn bản làng khóm trấn"),
        # streets, rivers, bridges, stations: "đường Hà Nội", "phố Huế", "sông Sài Gòn"
        (_C_STREET, "đường phố ngõ ngách hẻm kiệt cầu sông ga lộ"),
        # before a "~" name: part of a personal name ("chị Nga", "anh Đức")
        (_C_HONOR, "ông bà anh chị em cô chú bác cháu bé thầy cụ tên nàng chàng mẹ bố cha vợ "
                   "chồng con dì dượng cậu mợ thím nhóc"),
        # compass points before a region: "gió mùa Đông Bắc", "phía Tây Bắc"
        (_C_DIR, "phía hướng gió mùa phần cực hạ thượng"),
        (_C_LANG, "tiếng"),
        # before a "~" name followed by a capitalised word: a country ("Tổng thống Mỹ Donald
        # Trump"), not the first half of a personal name ("Mỹ Tâm")
        (_C_CCTX, "thống tướng trưởng sứ phủ hội giao quân tịch phía nước đội tuyển hãng tập "
                  "lực viện chủ"),
    ]  # fmt: skip
    out: dict[str, int] = {}
    for bit, words in groups:
        for w in _words(words):
            for cased in {w, w[:1].upper() + w[1:], w.upper()}:
                out[cased] = out.get(cased, 0) | bit
    # a surname or middle name right before: a personal name ("Nguyễn Hòa Bình", "Văn Thái
    # Bình"); matched as written (capitalised), so "lê" or "văn" in lower case do not count
    for w in _NAMES.split():
        for v in _word_variants(w):
            out[v] = out.get(v, 0) | _C_NAME
    for dotted in ("TP.", "Tp.", "tp.", "T.P", "T.P."):
        out[dotted] = _C_ADMIN
    for abbr in ("P.", "Q.", "H.", "X.", "TX.", "TT."):  # "P.Phú Thọ" (phường), "H.Tu Mơ Rông"
        out[abbr] = _C_SUB
    out["phố"] |= _C_PHO
    return out


_CONTEXT = _context_words()
_STOPWORDS = _words(
    "ở tại với cho đến từ về được bị đã sẽ đang vừa là có những trong khi sau trước "
    "cùng của nhiều một hai ba mọi nhưng như thì mà nên để vì"
)
# The word before "X (Country)" that makes X a foreign unit: tỉnh, thành phố, bang, vùng…
_FOREIGN_PREFIX = _words(
    "tỉnh tp tp. bang vùng quận huyện châu đảo xứ phủ thị xã làng đô phố hạt trị khu vực miền"
)
_BREAK = re.compile(r"[,;:!?()\[\]\"“”'‘’…\n]|\.(?<!TP\.)(?<!Tp\.)")  # a clause ends


def _org_between(text: str, head: _Alias, head_end: int, start: int) -> str | None:
    """The head's organisation if only its name (and "tỉnh", "TP") lies before the place."""
    between = text[head_end:start]
    if len(between) > 90 or _BREAK.search(between):
        return None
    words = between.split()
    if words and words[-1].lower() in _CONTEXT and _CONTEXT[words[-1].lower()] & _C_ADMIN:
        words.pop()
    elif len(words) >= 2 and words[-1].lower() == "phố" and words[-2].lower() == "thành":
        del words[-2:]
    if not words:
        return head.org
    if not head.flags & _NAMED or len(words) > 8:
        return None
    for w in words:
        if w.lower() in _STOPWORDS:
            return None
    if " " in head.text or head.org == "sports" or words[0][:1].isupper():
        return head.org
    return None


def _foreign_place(idx: _Index, name: str, country: str) -> Place:
    """A foreign unit named by the class rule; its id gets the country's when it is taken."""
    pid = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "unknown"
    known = idx.places.get(pid)
    if known is not None and known.kind == "foreign":
        return known
    if known is not None:
        pid = f"{pid}-{country}"
    return Place(pid, name, "foreign", "", None, frozenset(), country)


def _foreign_class(idx: _Index, text: str, m: PlaceMention, out: list[PlaceMention]) -> bool:
    """The class rule "tỉnh X (Country)": X is foreign, known or not; so is a province there."""
    s = m.start
    if s < 3 or text[s - 1] != "(" or text[m.end : m.end + 1] != ")" or text[s - 2] != " ":
        return False
    country = m.place.country or m.place.id
    if out and out[-1].end == s - 2:
        prev = out[-1]
        if prev.place.kind == "province":
            fp = _foreign_place(idx, prev.surface, country)
            out[-1] = PlaceMention(fp, prev.start, prev.end, prev.surface, prev.org, False)
        return False
    window = text[max(0, s - 80) : s - 2]
    toks = window.split(" ")
    name_toks: list[str] = []
    while len(toks) > 1 and toks[-1][:1].isupper() and toks[-1][-1:].isalnum():
        name_toks.insert(0, toks.pop())
        if len(name_toks) == 4:
            break
    if not name_toks or toks[-1].lower() not in _FOREIGN_PREFIX:
        return False
    name = " ".join(name_toks)
    start = s - 2 - len(name)
    fp = _foreign_place(idx, name, country)
    out.append(PlaceMention(fp, start, s - 2, name, None, False))
    return bool(len(out) > 1 and out[-2].start > start)


def _next_word(text: str, end: int) -> str:
    if text[end : end + 1] != " ":
        return ""
    stop = text.find(" ", end + 1, end + 24)
    return text[end + 1 : stop if stop > 0 else end + 24].rstrip(",.;:!?)”\"'")


def find_places(text: str) -> list[PlaceMention]:
    """Every place named in a clean display text, in order, overlaps resolved to the longest."""
    idx = _index()
    hits = idx.scanner.find(text)
    if not hits:
        return []
    by_pattern = idx.by_pattern
    context = _CONTEXT
    out: list[PlaceMention] = []
    n = len(text)
    head: _Alias | None = None
    head_end = -1000
    unsorted = False
    for pi, start, end in hits:
        if (start and text[start - 1].isalnum()) or (end < n and text[end].isalnum()):
            continue
        alias = by_pattern[pi]
        target = alias.place
        flags = alias.flags
        if target is None:
            if flags & _HEAD:
                head, head_end = alias, end
            continue
        # the word right before the name
        ctx = 0
        prev = ""
        if start and text[start - 1] == " ":
            j = text.rfind(" ", 0, start - 1)
            prev = text[j + 1 : start - 1]
            if "\n" in prev:
                prev = ""
            ctx = context.get(prev, 0)  # keys in lower, Title and UPPER case
            if ctx & _C_PHO and text[max(0, j - 5) : j].lower() == "thành":
                ctx = _C_ADMIN  # "thành phố X"
        elif start >= 2 and text[start - 1] == ".":
            k = text.rfind(" ", 0, start - 1)
            ctx = context.get(text[k + 1 : start], 0)  # "TP.Cần Thơ", "P.Phú Thọ"
        org = None
        if head is not None and head_end >= start - 90:
            org = _org_between(text, head, head_end, start)
        if ctx & _C_NAME and not (org and head_end == start - 1):  # not "Thành Đoàn X"
            continue  # a personal name: "Nguyễn Hòa Bình", "Trường THPT Nguyễn Thái Bình"
        if ctx and org is None:
            kind = target.kind
            if ctx & (_C_SUB | _C_STREET):
                continue  # "xã Hòa Bình", "đường Hà Nội", "sông Hàn"
            if ctx & _C_LANG and kind == "foreign":
                continue  # "tiếng Anh"
            if ctx & _C_DIR and kind == "region":
                continue  # "gió mùa Đông Bắc"
        if flags:
            if flags & _STRICT:
                if ctx & _C_HONOR:
                    continue
                if prev[:1].isupper() and prev[-1:].isalnum() and not ctx & _C_ADMIN:
                    continue  # inside a personal name: "Minh Đức", "Tuấn Anh"
                follow = _next_word(text, end)
                if follow[:1].isupper() and not ctx & _C_CCTX:
                    continue  # a personal name starts: "Mỹ Tâm", "Đức Phúc"
                if follow and follow.lower() in alias.compounds:
                    continue  # "Pháp luật", "Ý kiến"
                if (
                    flags & _NO_START
                    and follow[:1].islower()
                    and (not prev or prev[-1] in '.!?:…"”')
                    and (start < 1 or text[start - 1] in " \n\"“'‘")
                ):
                    continue  # sentence start: "Anh cho biết", "Áo len"
            if flags & (_BRAND | _THU_DO):
                if text[end : end + 1] == " " and text[end + 1 : end + 2].isupper():
                    continue  # "Sài Gòn Tourist", "Thủ đô Viêng Chăn"
                if flags & _BRAND and (
                    org in ("company", "media")
                    or (prev[:1].isupper() and prev[-1:].isalnum() and not ctx & _C_ADMIN)
                ):
                    continue  # "Sheraton Saigon", "Công ty … Sài Gòn"
            if flags & _MIEN:
                follow = _next_word(text, end)
                if follow in ("tỉnh", "xứ", "của", "nước", "huyện") or (
                    follow[:1].isupper() and follow != "Việt"
                ):
                    continue  # "miền Tây Nghệ An", "miền Tây xứ Thanh"
        old = False
        if end < n:
            c = text[end]
            if c == " " and end + 1 < n:
                c = text[end + 1]
                if c == "F":
                    if text.startswith(("FC", "F.C"), end + 1):
                        org = "sports"  # "Hà Nội FC"
                elif c == "(":
                    old = text.startswith("(cũ)", end + 1)
                elif c == "c":
                    old = text.startswith("cũ", end + 1) and not text[end + 3 : end + 4].isalnum()
            elif c == "(":
                old = text.startswith("(cũ)", end)
        m = _mention(target, start, end, text[start:end], org, old)
        head = None  # a head names one place: "Trường X Đồng Nai hòa Bắc Ninh"
        if start and text[start - 1] == "(":
            if target.country == target.id:
                unsorted |= _foreign_class(idx, text, m, out)
            elif out and target.kind == "province" and text[end : end + 1] == ")":
                before = out[-1]
                if (
                    before.end == start - 2
                    and before.place.kind == "province"
                    and before.place.id != target.id
                    and before.place.merged_into != target.id
                ):
                    out.pop()  # "Hà Nam (Quảng Ninh)": a local name inside the province
        out.append(m)
    if unsorted:
        out.sort(key=lambda m: m.start)
    return out
