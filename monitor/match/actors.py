"""Who acts together, and where: the evidence behind a topic's ``actors`` condition.

A text (title + body) is split into parts (title, lead, body) and sentences. In each sentence
we find the Vietnamese localities named (``places.find_places``), regions, collective actors
("hai tỉnh", "các tỉnh, thành", "5 địa phương"), foreign partners, and cooperation
predicates (hợp tác, phối hợp, ký kết, đề nghị …). A sentence where two or more distinct
actors stand with a predicate is evidence that localities act together; the strongest such
sentence is the one that decides and the one ``match`` shows.

Everything here is pure and works on ``normalize.clean`` output; offsets are into it. The
predicates and collectives are matched on the match form (one tone placement, lower case),
which keeps offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from monitor.match.normalize import match_form_clean
from monitor.match.places import PlaceMention, find_places

__all__ = [
    "PREDICATES",
    "ActorSentence",
    "Evidence",
    "evidence",
    "rank",
    "split_sentences",
]

# Cooperation predicates by class; the model weighs them, the gate needs any one of them.
PREDICATES: dict[str, tuple[str, ...]] = {
    "cooperate": (
        "hợp tác",
        "phối hợp",
        "liên kết",
        "liên kết vùng",
        "kết nối",
        "kết hợp",
        "hợp lực",
        "chung tay",
        "bắt tay",
        "đồng hành",
        "chung sức",
        "cùng nhau",
        "liên thông",
    ),
    "agree": (
        "ký kết",
        "ký",
        "thỏa thuận",
        "ghi nhớ",
        "biên bản ghi nhớ",
        "mou",
        "cam kết",
        "thống nhất",
        "quy chế phối hợp",
        "chương trình hợp tác",
        "kế hoạch hợp tác",
        "đồng thuận",
        "nhất trí",
    ),
    "meet": (
        "họp",
        "họp bàn",
        "bàn",
        "bàn bạc",
        "làm việc với",
        "làm việc cùng",
        "hội nghị",
        "hội thảo",
        "diễn đàn",
        "tọa đàm",
        "trao đổi",
        "gặp gỡ",
        "sơ kết",
        "tổng kết",
        "hội đồng điều phối",
        "điều phối",
        "khảo sát",
    ),
    "ask": (
        "đề nghị",
        "kiến nghị",
        "đề xuất",
        "nhờ",
        "cầu cứu",
        "mời",
        "kêu gọi",
        "yêu cầu",
    ),
    "help": ("hỗ trợ", "giúp", "chia sẻ", "cung cấp", "cung ứng", "tiếp nhận"),
    "joint": ("cùng", "chung", "liên tỉnh", "liên vùng", "liên địa phương", "giữa"),
}

# Collective actors: a number or plural before a locality noun, or "địa phương bạn".
_NUMBERS = r"hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|mười một|mười hai|mười ba|\d{1,2}"
_COLLECTIVE = re.compile(
    rf"(?<!\w)(?:(?P<n>{_NUMBERS}|các|nhiều|những|cả) )"
    r"(?:tỉnh(?:, thành(?: phố)?| thành(?: phố)?)?|thành phố|địa phương|tỉnh bạn)(?!\w)"
    r"|(?<!\w)(?:địa phương bạn|tỉnh bạn|thành phố bạn|liên tỉnh|liên vùng|toàn vùng|cả vùng)(?!\w)"
)

# Two actors joined in one phrase: "X và Y", "X với Y", "X, Y", "X cùng Y", "giữa X và Y".
_COLLECTIVE_ANYCASE = re.compile(_COLLECTIVE.pattern, re.IGNORECASE)
_COLLECTIVE_WORDS = ("tỉnh", "thành", "phương", "vùng")  # one of them is in every collective
_JOIN = re.compile(r"^(?:[\s,]*(?:và|với|cùng|cùng với|,|&)[\s,]*)(?:(?:tỉnh|thành phố|tp\.?) )?$")
# A dash between two names usually names a route or a twinning, not two actors.
_ROUTE_BEFORE = re.compile(
    r"(?:cao tốc|tuyến|đường sắt|quốc lộ|đường|tỉnh lộ|cầu|tàu|chuyến bay|đường bay|"
    r"hành lang|trục)\s*$"
)

# A sentence ends at . ! ? … before a capital or a digit, or at a paragraph break; not after
# an abbreviation such as "TP." ("TP. HCM"), "Q." or "TS.".
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’']?\s+(?=[\"“‘'(]?[A-ZĐÀ-Ỹ0-9])|\n\n")
_ABBREVIATIONS = frozenset(
    {"TP", "Tp", "TX", "TT", "TS", "GS", "BS", "ThS", "PGS", "KTS", "ông", "bà"}
)
_ACTING_ORGS = {None, "gov", "union", "police", "military"}  # orgs that act for a locality
# A place after "tại", "ở", "đến" … is where something happens, not who acts.
_VENUE_BEFORE = re.compile(
    r"(?<!\w)(?:tại|ở|đến|tới|từ|qua|vào|khắp|thuộc|trên địa bàn|về với)\s+"
    r"(?:(?:tỉnh|thành phố|tp\.?|tp|địa bàn|các tỉnh|huyện|xã|phường)\s+)?$"
)


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence: offsets into the text of its part."""

    part: str  # "title", "lead" or "body"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ActorSentence:
    """One sentence with the actors and predicates found in it."""

    part: str
    text: str
    localities: tuple[str, ...]  # distinct Vietnamese province ids acting (in order)
    others: tuple[str, ...]  # province ids named as companies, clubs, schools, routes …
    venues: tuple[str, ...]  # province ids named as where things happen ("tại Cần Thơ")
    regions: tuple[str, ...]
    collectives: tuple[str, ...]  # "hai tỉnh", "các địa phương" as written (match form)
    foreign: tuple[str, ...]
    predicates: tuple[tuple[str, str], ...]  # (class, phrase)
    orgs: tuple[str, ...]  # organisation types in front of the localities
    joined: bool  # two localities joined by và / với / cùng / a comma
    route: bool  # two localities joined by a dash after "cao tốc", "tuyến" …
    masked: str  # the match form with places as ‹loc›, ‹reg›, ‹for› (for the model)
    links: tuple[
        str, ...
    ] = ()  # how predicates sit around the actors: "between:ask", "after:agree"

    @property
    def strength(self) -> int:
        """Distinct actors: localities, plus two for a region or a plural collective."""
        n = len(self.localities)
        if self.regions or self.collectives:
            n += 2
        return min(n, 3)

    @property
    def together(self) -> bool:
        return self.strength >= 2 and bool(self.predicates)


@dataclass(slots=True)
class Evidence:
    """What a text says about localities acting together."""

    sentences: list[ActorSentence] = field(default_factory=list)  # those with an actor
    localities: set[str] = field(default_factory=set)  # all Vietnamese localities acting
    regions: set[str] = field(default_factory=set)
    foreign: set[str] = field(default_factory=set)
    best: ActorSentence | None = None
    masked: dict[str, str] = field(default_factory=dict)  # title and lead, places masked
    names: dict[str, str] = field(default_factory=dict)  # place id → display name

    @property
    def together(self) -> bool:
        """Two or more localities (or a region's) act together in one sentence."""
        return self.best is not None and self.best.together

    @property
    def foreign_only(self) -> bool:
        """A foreign partner, and no two Vietnamese localities acting together."""
        if not self.foreign:
            return False
        return not any(len(s.localities) >= 2 and s.predicates for s in self.sentences)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a clean text; "TP. HCM" and "Q. 1" do not end one."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        if m.group() == "\n\n":
            end = m.start()
        else:
            word_start = m.start()
            while word_start > 0 and text[word_start - 1].isalnum():
                word_start -= 1
            word = text[word_start : m.start()]
            if m.group()[0] == "." and (
                word in _ABBREVIATIONS or (len(word) == 1 and word.isupper())
            ):
                continue
            end = m.start() + len(m.group().rstrip())
        if end > pos:
            out.append((pos, end))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


def _parts(title: str, body: str) -> list[tuple[str, str, str, int]]:
    """(part, source, text, offset): the title, the lead (first paragraph, at most two
    sentences) and the rest of the body, each with where it starts in its source."""
    parts: list[tuple[str, str, str, int]] = []
    if title:
        parts.append(("title", "title", title, 0))
    if body:
        cut = body.find("\n\n")
        first = body if cut < 0 else body[:cut]
        sentences = split_sentences(first)
        if len(sentences) > 2:
            first = first[: sentences[1][1]]
        parts.append(("lead", "body", first, 0))
        rest_at = len(first)
        while rest_at < len(body) and body[rest_at] in " \n":
            rest_at += 1
        if rest_at < len(body):
            parts.append(("body", "body", body[rest_at:], rest_at))
    return parts


def _predicates(form: str) -> list[tuple[int, int, str, str]]:
    return [
        (m.start(), m.end(), _PRED_CLASS[m.group()], m.group()) for m in _PRED_RE.finditer(form)
    ]


def _build_predicates() -> tuple[re.Pattern[str], dict[str, str]]:
    klass: dict[str, str] = {}
    for name, phrases in PREDICATES.items():
        for phrase in phrases:
            klass.setdefault(match_form_clean(phrase), name)
    alternatives = sorted(klass, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\w)")
    return pattern, klass


_PRED_RE, _PRED_CLASS = _build_predicates()


def _sentence(part: str, text: str, form: str, mentions: Sequence[PlaceMention]) -> ActorSentence:
    localities: list[str] = []
    others: list[str] = []
    venues: list[str] = []
    regions: list[str] = []
    foreign: list[str] = []
    orgs: list[str] = []
    actors: list[PlaceMention] = []
    for m in mentions:
        kind = m.place.kind
        if (
            kind == "province"
            and m.org is None
            and _VENUE_BEFORE.search(form, max(0, m.start - 24), m.start)
        ):
            venues.append(m.place.id)
        elif kind == "province":
            if m.org in _ACTING_ORGS:
                if m.place.id not in localities:
                    localities.append(m.place.id)
                actors.append(m)
                if m.org:
                    orgs.append(m.org)
            else:
                others.append(m.place.id)
                orgs.append(m.org or "")
        elif kind == "region":
            if m.place.id not in regions:
                regions.append(m.place.id)
        elif kind == "foreign" and m.place.id not in foreign:
            foreign.append(m.place.id)
    collectives = [c.group() for c in _COLLECTIVE.finditer(form)]
    joined = route = False
    for a, b in pairwise(actors):
        if a.place.id == b.place.id:
            continue
        gap = form[a.end : b.start]
        if _JOIN.match(gap):
            joined = True
        elif gap.strip() in ("-", "–", "—") and _ROUTE_BEFORE.search(
            form[max(0, a.start - 20) : a.start]
        ):
            route = True
    found = _predicates(form)
    preds = tuple((k, text[s0:e0]) for s0, e0, k, _ in found)  # as written
    links: set[str] = set()
    acting = [m for m in actors if m.place.id in localities]
    for a, b in pairwise(acting):
        if a.place.id != b.place.id:
            links.update(f"between:{k}" for s0, _, k, _ in found if a.end <= s0 < b.start)
    if acting:
        first, last = acting[0], acting[-1]
        links.update(f"after:{k}" for s0, _, k, _ in found if last.end <= s0 < last.end + 40)
        links.update(
            f"before:{k}" for s0, e0, k, _ in found if first.start - 30 <= s0 and e0 <= first.start
        )
        if first.start < 12:
            links.add("subject")
    return ActorSentence(
        part=part,
        text=text,
        localities=tuple(localities),
        others=tuple(others),
        venues=tuple(venues),
        regions=tuple(regions),
        collectives=tuple(collectives),
        foreign=tuple(foreign),
        predicates=preds,
        orgs=tuple(orgs),
        joined=joined,
        route=route,
        masked=mask(form, mentions),
        links=tuple(sorted(links)),
    )


_MASKS = {"province": "‹loc›", "region": "‹reg›", "foreign": "‹for›"}


def mask(form: str, mentions: Sequence[PlaceMention]) -> str:
    """The text with each place mention replaced by its class."""
    out: list[str] = []
    pos = 0
    for m in mentions:
        if m.start < pos:
            continue
        out.append(form[pos : m.start])
        out.append(_MASKS.get(m.place.kind, "‹loc›"))
        pos = m.end
    out.append(form[pos:])
    return "".join(out)


_PART_RANK = {"title": 0, "lead": 1, "body": 2}


def rank(s: ActorSentence) -> tuple[int, int, int, int]:
    """Which sentence decides: together first, then more actors, the title over the lead over
    the body, more predicates."""
    return (int(s.together), s.strength, -_PART_RANK[s.part], len(s.predicates))


def _may_act(mentions: Sequence[PlaceMention], title: str, body: str) -> bool:
    """Can two actors stand in one sentence at all? (Most texts: no; they skip the rest.)"""
    ids: set[str] = set()
    for m in mentions:
        kind = m.place.kind
        if kind == "region":
            return True
        if kind == "province" and m.org in _ACTING_ORGS:
            ids.add(m.place.id)
            if len(ids) >= 2:
                return True
    if not ids:
        return False
    return any(
        word in text and _COLLECTIVE_ANYCASE.search(text)
        for text in (title, body)
        for word in _COLLECTIVE_WORDS
    )


def evidence(title: str, body: str) -> Evidence:
    """The actors and predicates of a clean title and body, sentence by sentence."""
    ev = Evidence()
    found = {
        "title": find_places(title) if title else [],
        "body": find_places(body) if body else [],
    }
    if not _may_act([*found["title"], *found["body"]], title, body):
        return ev
    for part, source, text, offset in _parts(title, body):
        end_at = offset + len(text)
        mentions = [_shift(m, offset) for m in found[source] if offset <= m.start < end_at]
        if not mentions and part == "body":
            continue
        form = match_form_clean(text)
        if part != "body":
            ev.masked[part] = mask(form, mentions)
        spans = [(0, len(text))] if part == "title" else split_sentences(text)
        i = 0
        for start, end in spans:
            inside: list[PlaceMention] = []
            while i < len(mentions) and mentions[i].start < end:
                if mentions[i].start >= start:
                    inside.append(mentions[i])
                i += 1
            if not inside and not _COLLECTIVE.search(form, start, end):
                continue
            shifted = [_shift(m, start) for m in inside]  # offsets into the sentence
            for m in inside:
                ev.names.setdefault(m.place.id, m.place.name)
            s = _sentence(part, text[start:end], form[start:end], shifted)
            if not (s.localities or s.regions or s.collectives or s.foreign):
                continue
            ev.sentences.append(s)
            ev.localities.update(s.localities)
            ev.regions.update(s.regions)
            ev.foreign.update(s.foreign)
    if ev.sentences:
        ev.best = max(ev.sentences, key=rank)
    return ev


def _shift(m: PlaceMention, by: int) -> PlaceMention:
    if not by:
        return m
    return PlaceMention(m.place, m.start - by, m.end - by, m.surface, m.org, m.old_marker)
