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
- "tỉnh/thành phố/bang X (Country)" is a foreign place even when X is not in the data.

Pure: the data file is read once, lazily, and cached.
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

from monitor.normalize import fold, match_form

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


_ADMIN = _words("tỉnh tp tp. t.p t.p.")
_SUBUNIT = _words("xã phường huyện quận ấp thôn bản làng khóm")
_SUBUNIT2 = {("thị", "xã"), ("thị", "trấn"), ("đặc", "khu"), ("khu", "phố"), ("dân", "phố")}
_STREET = _words("đường phố ngõ ngách hẻm kiệt cầu sông ga")
_STREET2 = {("đại", "lộ"), ("bến", "xe"), ("nhà", "ga"), ("đường", "phố")}
_HONORIFIC = _words(
    "ông bà anh chị em cô chú bác cháu bé thầy cụ tên nàng chàng mẹ bố cha vợ chồng con "
    "dì dượng cậu mợ thím nhóc"
)
_DIRECTION = _words("phía hướng gió mùa phần cực hạ thượng")
# Before a "~" name followed by a capitalised word: the name is a country ("Tổng thống Mỹ
# Donald Trump"), not the first half of a personal name ("Mỹ Tâm").
_COUNTRY_CONTEXT = _words(
    "thống tướng trưởng sứ phủ hội giao quân tịch phía nước đội tuyển hãng tập lực viện chủ"
)
_STOPWORDS = _words(
    "ở tại với cho đến từ về được bị đã sẽ đang vừa là có những trong khi sau trước "
    "cùng của nhiều một hai ba mọi nhưng như thì mà nên để vì"
)
# The word before "X (Country)" that makes X a foreign unit: tỉnh, thành phố, bang, vùng…
_FOREIGN_PREFIX = _words(
    "tỉnh tp tp. bang vùng quận huyện châu đảo xứ phủ thị xã làng đô phố hạt trị khu vực miền"
)

# Organisation heads: (words, org, named). A named head may have a name between it and the
# place ("Sở Y tế tỉnh X", "Trường Đại học Y Dược Cần Thơ"), starting with a capital letter.
_ORG_HEADS: list[tuple[str, str, bool]] = [
    ("UBND", "gov", False), ("HĐND", "gov", False), ("ủy ban nhân dân", "gov", False),
    ("hội đồng nhân dân", "gov", False), ("tỉnh ủy", "gov", False), ("thành ủy", "gov", False),
    ("sở", "gov", True), ("ban", "gov", True), ("văn phòng", "gov", True), ("cục", "gov", True),
    ("chi cục", "gov", True), ("lãnh đạo", "gov", False), ("chính quyền", "gov", False),
    ("đảng bộ", "gov", False), ("chủ tịch", "gov", False), ("bí thư", "gov", False),
    ("kho bạc", "gov", True), ("viện kiểm sát", "gov", True), ("tòa án", "gov", True),
    ("thanh tra", "gov", True), ("đoàn công tác", "gov", False), ("đoàn đại biểu", "gov", True),
    ("đoàn ĐBQH", "gov", False), ("bảo hiểm xã hội", "gov", False), ("BHXH", "gov", False),
    ("trung tâm", "gov", True), ("ban quản lý", "gov", True), ("ủy ban", "gov", True),
    ("công an", "police", True), ("cảnh sát", "police", True), ("CA", "police", False),
    ("bộ chỉ huy quân sự", "military", False), ("bộ CHQS", "military", False),
    ("bộ đội biên phòng", "military", False), ("BĐBP", "military", False),
    ("bộ chỉ huy bộ đội biên phòng", "military", False), ("quân khu", "military", False),
    ("bộ tư lệnh", "military", True), ("biên phòng", "military", False),
    ("công ty", "company", True), ("tập đoàn", "company", True), ("tổng công ty", "company", True),
    ("ngân hàng", "company", True), ("Becamex", "company", False), ("hãng", "company", True),
    ("cảng", "company", False), ("nhà máy", "company", True), ("khách sạn", "company", True),
    ("bia", "company", False), ("xổ số", "company", False),
    ("trường", "school", True), ("đại học", "school", True), ("ĐH", "school", True),
    ("học viện", "school", True), ("cao đẳng", "school", True), ("THPT", "school", True),
    ("bệnh viện", "hospital", True), ("BV", "hospital", True),
    ("báo", "media", True), ("đài", "media", True), ("truyền hình", "media", True),
    ("phát thanh", "media", True),
    ("CLB", "sports", True), ("câu lạc bộ", "sports", True), ("đội tuyển", "sports", True),
    ("đội bóng", "sports", True), ("đội", "sports", False), ("SHB", "sports", False),
    ("đông á", "sports", False), ("sông lam", "sports", False), ("thép xanh", "sports", False),
    ("hồng lĩnh", "sports", False), ("hoàng anh", "sports", False), ("quy nhơn", "sports", False),
    ("topenland", "sports", False), ("merryland", "sports", False), ("XSKT", "sports", False),
    ("sanna", "sports", False), ("phù đổng", "sports", False), ("LPBank", "sports", False),
    ("U15", "sports", False), ("U17", "sports", False), ("U19", "sports", False),
    ("U21", "sports", False), ("U22", "sports", False), ("U23", "sports", False),
    ("đoàn", "union", True), ("thành đoàn", "union", False), ("tỉnh đoàn", "union", False),
    ("hội", "union", True), ("liên đoàn", "union", True), ("hiệp hội", "union", True),
    ("mặt trận", "union", True), ("MTTQ", "union", False), ("liên hiệp", "union", True),
    ("HTX", "coop", True), ("hợp tác xã", "coop", True), ("liên minh hợp tác xã", "coop", False),
    ("liên minh HTX", "coop", False),
]  # fmt: skip


# One-word heads that are also common words: they count capitalised only.
_CAPITAL_HEADS = _words("sở ban cục trường báo đài hội đoàn hãng cảng bia ca")


def _heads() -> dict[str, list[tuple[tuple[str, ...], str, bool]]]:
    """Last word (lower case) → heads ending with it, longest first."""
    out: dict[str, list[tuple[tuple[str, ...], str, bool]]] = {}
    for phrase, org, named in _ORG_HEADS:
        words = phrase.split()
        for combo in product(*(sorted(_lower_forms([w])) for w in words)):
            out.setdefault(combo[-1], []).append((combo, org, named))
    for heads in out.values():
        heads.sort(key=lambda h: -len(h[0]))
    return out


# --- the index ------------------------------------------------------------------------------

_STRICT, _BRAND, _THU_DO, _MIEN, _NOT_PLACE = 1, 2, 4, 8, 16


@dataclass(frozen=True, slots=True)
class _Alias:
    place: Place | None  # None: a not_places phrase
    text: str
    flags: int
    compounds: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Index:
    places: dict[str, Place]
    aliases: list[_Alias]
    automaton: Any
    heads: dict[str, list[tuple[tuple[str, ...], str, bool]]]
    countries: dict[str, Place]


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
    countries: dict[str, Place] = {}
    for pid, name, names in _entries(data["countries"]):
        countries[pid] = places[pid] = Place(pid, name, "foreign", "", None, frozenset(), pid)
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
    automaton = ahocorasick.Automaton()
    owner: dict[str, int] = {}
    for target, raw in aliases:
        text = raw.lstrip("~^")
        flags = (_STRICT if raw.startswith("~") else 0) | (_BRAND if raw.startswith("^") else 0)
        if target is None:
            flags |= _NOT_PLACE
        elif text == "Thủ đô":
            flags |= _THU_DO
        elif target.kind == "region" and text.lower().startswith("miền "):
            flags |= _MIEN
        built.append(_Alias(target, text, flags, compounds.get(text, frozenset())))
        for spelling in spellings(text):
            prev = owner.get(spelling)
            if prev is not None and built[prev].place != target:
                raise ValueError(f"places.yaml: {spelling!r} names two places")
            owner[spelling] = len(built) - 1
            automaton.add_word(spelling, (len(built) - 1, len(spelling)))
    automaton.make_automaton()
    return _Index(places, built, automaton, _heads(), countries)


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


def _foreign_place(idx: _Index, name: str, country: str) -> Place:
    """A foreign unit named by the class rule; its id gets the country's when it is taken."""
    pid = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "unknown"
    if pid in idx.places:
        pid = f"{pid}-{country}"
    return Place(pid, name, "foreign", "", None, frozenset(), country)


_DOTTED_ADMIN = frozenset(["TP.", "Tp.", "T.P.", "tp."])
_CLAUSE_END = frozenset(",;:.!?()[]\"“”'‘’…")


def _prev_tokens(text: str, start: int) -> list[str]:
    """Up to ~12 words before ``start`` in its clause, nearest last (as written)."""
    if start == 0 or text[start - 1] != " ":
        return []
    window = text[max(0, start - 110) : start - 1]
    toks = window.split(" ")
    if start > 110:
        toks = toks[1:]  # cut mid-word
    out: list[str] = []
    for tok in reversed(toks):
        if tok in _DOTTED_ADMIN:
            out.append(tok)
            continue
        if not tok or tok[-1] in _CLAUSE_END or tok[0] in _CLAUSE_END or tok.endswith("\n"):
            break
        if "\n" in tok:
            out.append(tok.rsplit("\n", 1)[1])
            break
        out.append(tok)
    out.reverse()
    return out


def _org(idx: _Index, low: list[str], orig: list[str]) -> str | None:
    """The organisation whose name ends right before the place, if any."""
    n = len(low)
    for i in range(n - 1, max(-1, n - 10), -1):
        heads = idx.heads.get(low[i])
        if heads:
            for words, org, named in heads:
                k = len(words)
                if i - k + 1 >= 0 and tuple(low[i - k + 1 : i + 1]) == words:
                    if k == 1 and words[0] in _CAPITAL_HEADS and not orig[i][:1].isupper():
                        continue  # "Môi trường", "ban ngày": not "Trường", "Ban"
                    between = i + 1 < n
                    if not between:
                        return org
                    if named and (k > 1 or org == "sports" or orig[i + 1][:1].isupper()):
                        return org  # "Sở Y tế", "Ban quản lý các khu công nghiệp"
                    return None
        if low[i] in _STOPWORDS:
            return None
    return None


def _resolve(idx: _Index, text: str, start: int, end: int, alias: _Alias) -> PlaceMention | None:
    target = alias.place
    assert target is not None
    flags = alias.flags
    orig = _prev_tokens(text, start)
    if (
        not orig
        and start >= 3
        and text[start - 1] == "."
        and text[start - 3 : start - 1] in ("TP", "Tp")
    ):
        orig = _prev_tokens(text, start - 3)
    low = [t.lower() for t in orig]
    # an administrative prefix ("tỉnh", "thành phố", "TP") right before the name
    admin = False
    if low and low[-1] in _ADMIN:
        admin = True
        low, orig = low[:-1], orig[:-1]
    elif len(low) >= 2 and low[-1] == "phố" and low[-2] == "thành":
        admin = True
        low, orig = low[:-2], orig[:-2]
    last = low[-1] if low else ""
    last2 = (low[-2], last) if len(low) >= 2 else ("", last)
    org = _org(idx, low, orig) if low else None
    nxt = text[end : end + 24]
    kind = target.kind
    if not admin and org is None:
        if last in _SUBUNIT or last2 in _SUBUNIT2:
            return None
        if (last in _STREET or last2 in _STREET2) and kind != "foreign":
            return None
    if org is None and last2 in _SUBUNIT2:
        return None
    if kind == "foreign" and last == "tiếng":
        return None
    if kind == "region" and last in _DIRECTION:
        return None
    if flags & _STRICT:
        if last in _HONORIFIC:
            return None
        if orig and orig[-1][:1].isupper() and not admin:
            return None  # inside a personal name: "Minh Đức", "Tuấn Anh"
        if nxt[:1] == " ":
            follow = nxt[1:].split(" ", 1)[0]
            if follow[:1].isupper() and last not in _COUNTRY_CONTEXT:
                return None  # a personal name starts: "Mỹ Tâm", "Đức Phúc"
            if follow.lower().rstrip(",.;:!?") in alias.compounds:
                return None  # "Pháp luật", "Ý kiến"
    if flags & (_BRAND | _THU_DO):
        if nxt[:1] == " " and nxt[1:2].isupper():
            return None  # "Sài Gòn Tourist", "Thủ đô Viêng Chăn"
        if flags & _BRAND and org in ("company", "media"):
            return None
    if flags & _MIEN and nxt[:1] == " ":
        follow = nxt[1:].split(" ", 1)[0]
        if follow in ("tỉnh", "xứ", "của", "nước", "huyện") or (
            follow[:1].isupper() and follow != "Việt"
        ):
            return None  # "miền Tây Nghệ An", "miền Tây xứ Thanh"
    if nxt.startswith((" FC", " F.C")):
        org = "sports"
    old = nxt.startswith((" (cũ)", "(cũ)")) or (nxt.startswith(" cũ") and not nxt[3:4].isalnum())
    return PlaceMention(target, start, end, text[start:end], org, old)


def _foreign_class(idx: _Index, text: str, m: PlaceMention, out: list[PlaceMention]) -> None:
    """The class rule "tỉnh X (Country)": X is foreign, known or not; a province before it becomes foreign."""
    s = m.start
    if s < 3 or text[s - 1] != "(" or text[m.end : m.end + 1] != ")" or text[s - 2] != " ":
        return
    country = m.place.country or m.place.id
    if out and out[-1].end == s - 2:
        prev = out[-1]
        if prev.place.kind == "province":
            fp = _foreign_place(idx, prev.surface, country)
            out[-1] = PlaceMention(fp, prev.start, prev.end, prev.surface, prev.org, False)
        return
    toks = _prev_tokens(text, s - 1)
    name_toks: list[str] = []
    while toks and toks[-1][:1].isupper() and len(name_toks) < 4:
        name_toks.insert(0, toks.pop())
    if not name_toks or not toks or toks[-1].lower() not in _FOREIGN_PREFIX:
        return
    name = " ".join(name_toks)
    start = s - 2 - len(name)
    fp = _foreign_place(idx, name, country)
    out.append(PlaceMention(fp, start, s - 2, name, None, False))


def find_places(text: str) -> list[PlaceMention]:
    """Every place named in a clean display text, in order, overlaps resolved to the longest."""
    idx = _index()
    aliases = idx.aliases
    out: list[PlaceMention] = []
    n = len(text)
    for last, (ai, length) in idx.automaton.iter_long(text):
        end = last + 1
        start = end - length
        if (start and text[start - 1].isalnum()) or (end < n and text[end].isalnum()):
            continue
        alias = aliases[ai]
        if alias.place is None:
            continue
        m = _resolve(idx, text, start, end, alias)
        if m is None:
            continue
        if m.place.kind == "foreign" and m.place.country and m.place.id == m.place.country:
            _foreign_class(idx, text, m, out)
        out.append(m)
    if len(out) > 1:
        out.sort(key=lambda m: m.start)
    return out
