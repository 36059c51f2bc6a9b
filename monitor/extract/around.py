"""What lies around the best-scoring block and belongs to the same article.

Real pages split one article into several blocks: sections of a page builder, paragraphs cut
by figures and ads, a lead above the body in the article's header. Readability's rule keeps
siblings that score well; these rules add the ones scores miss, and leave related boxes,
bios and newsletter forms out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from selectolax.lexbor import LexborNode

from .hints import class_weight, link_density

MIN_PARA = 25
_TAIL_WORDS = 6
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?…。！？](?:\s|$)")
_PROSE_TAGS = frozenset(("div", "section", "article", "blockquote", "ul", "ol", "table"))
# a scored container: [node, score], the score raised in place as paragraphs are counted
ScoreEntry = list[Any]


def siblings(
    best: LexborNode, best_score: float, scores: dict[int, ScoreEntry]
) -> list[LexborNode]:
    """The best block and the siblings that belong to its article, in page order: those that
    score well (readability's rule), paragraphs, blocks like it and unscored prose."""
    parent = best.parent
    if parent is None or parent.tag in ("html", "body"):
        return [best]
    threshold = max(10.0, best_score * 0.2)
    chosen: list[LexborNode] = []
    after = False
    for sib in parent.iter():
        if sib.mem_id == best.mem_id:
            chosen.append(sib)
            after = True
            continue
        entry = scores.get(sib.mem_id)
        if entry and entry[1] * (1 - link_density(sib)) >= threshold:
            chosen.append(sib)
        elif sib.tag == "p":
            text = sib.text().strip()
            ld = link_density(sib, len(text))
            if (len(text) > 80 and ld < 0.25) or (
                0 < len(text) <= 80 and ld == 0 and text.endswith(".")
            ):
                chosen.append(sib)
        elif _same_kind(sib, best) or (not after and _prose(sib)):
            chosen.append(sib)
    return chosen


def _same_kind(sib: LexborNode, best: LexborNode) -> bool:
    """A block like the best one (same tag, same first class): one article's sections split
    by figures, ads or a page builder's rows. Kept when it holds a sentence and few links."""
    if sib.tag != best.tag:
        return False
    mine = (sib.attributes.get("class") or "").split()[:1]
    if not mine or mine != (best.attributes.get("class") or "").split()[:1]:
        return False
    text = sib.text().strip()
    if not _SENTENCE_END.search(text):  # a card of labels and links, not a section
        return False
    return len(text) >= MIN_PARA and link_density(sib, len(text)) < 0.3


def _prose(sib: LexborNode) -> bool:
    """An unscored block of plain sentences before the article (its paragraphs sit deeper
    than scores reach): long, almost no links, not hinted as boilerplate. After the article
    such blocks are bios, disclaimers and newsletter boxes, so only blocks before count."""
    if sib.tag not in _PROSE_TAGS:
        return False
    text = sib.text().strip()
    if len(text) < 150 or len(_SENTENCE_END.findall(text)) < 2:
        return False
    return class_weight(sib) >= 0 and link_density(sib, len(text)) < 0.1


# the names publishers give the lead (standfirst, chapô, sapo, Vorspann, perex, entradilla…)
_LEAD = re.compile(
    r"(?:^|[\s_-])(?:lead|lede|lead-?in|intro|teaser|summary|excerpt|deck|standfirst|sapo|chapo|"
    r"chapeau|perex|vorspann|abstract|subtitle|sub-?headline|subhead|dek|entradilla|sumario|"
    r"sommario|occhiello|description|tom-?tat)(?:$|[\s_-])"
)
# a cheap first sieve for the names above (the regex decides)
_LEAD_CSS = ", ".join(
    f"[class*={w} i]"
    for w in [
        "lead",
        "lede",
        "intro",
        "teaser",
        "summary",
        "excerpt",
        "deck",
        "standfirst",
        "sapo",
        "chapo",
        "chapeau",
        "perex",
        "vorspann",
        "abstract",
        "subtitle",
        "headline",
        "subhead",
        "dek",
        "entradilla",
        "sumario",
        "sommario",
        "occhiello",
        "description",
        "tom-tat",
        "tomtat",
    ]
)


def lead(best: LexborNode, chosen: list[LexborNode]) -> LexborNode | None:
    """The lead paragraph set apart above the body, in the article's header or a block
    before it (up to three levels above the best block), when the body does not hold it."""
    if any(_is_lead(n) for n in _first_blocks(best)):
        return None  # the body opens with its own lead
    taken = {n.mem_id for n in chosen}
    node, level = best, 0
    while level < 3 and node.parent is not None and node.parent.tag not in ("body", "html"):
        before = []
        for sib in node.parent.iter():
            if sib.mem_id == node.mem_id:
                break
            assert sib.tag is not None  # every node has a tag name ("-text", "div", ...)
            if sib.mem_id not in taken and not sib.tag.startswith(("-", "script", "style")):
                before.append(sib)
        found = None
        for sib in before[-3:]:  # the nearest blocks above
            for el in [sib, *sib.css(_LEAD_CSS)[:10]]:
                if _is_lead(el):
                    found = el  # the last, innermost: "intro" may wrap date, byline and dek
        if found is not None:
            text = found.text().strip()
            # a sentence or two, not a byline or a date line that borrowed the name
            words = len(text.split())
            if words >= 8 and len(text) <= 1200 and link_density(found, len(text)) < 0.2:
                return found
            return None
        node, level = node.parent, level + 1
    return None


def _first_blocks(node: LexborNode) -> list[LexborNode]:
    """The first element children of a block and of its first child (where a lead sits)."""
    out: list[LexborNode] = []
    for child in node.iter():
        if len(out) >= 4:
            break
        out.append(child)
    if out:
        out += [c for c in out[0].iter()][:3]
    return out


def _is_lead(el: LexborNode) -> bool:
    return _lead_hint(el.attributes.get("class"))


@lru_cache(maxsize=4096)
def _lead_hint(cls: str | None) -> bool:
    if not cls:
        return False
    return _LEAD.search(cls.lower()) is not None


_TERMINAL = tuple('.!?…。！？"”»)]')


def trim_tail(text: str) -> str:
    """Without the headings and labels left after the article's last paragraph ("Read more",
    "Mehr zum Thema", "Tin liên quan", "Share:"): short lines that end no sentence. A short
    last paragraph that is a sentence stays."""
    paras = text.split("\n\n")
    cut = len(paras)
    while cut > 1 and len(paras) - cut < 5:
        last = paras[cut - 1].strip()
        if (
            len(last.split()) > _TAIL_WORDS
            or last.endswith(_TERMINAL)
            or "://" in last
            or _DIGIT.search(last)  # "390 kcal", a phone number, a command: data, not labels
        ):
            break
        cut -= 1
    return text if cut == len(paras) else "\n\n".join(paras[:cut])


# a credit or a caption left as its own line: "© AFP", "Foto: dpa", "Ảnh: Minh Khang"
_CREDIT = re.compile(
    r"^\(?(?:©|\(c\)|(?:foto|fotos|photo|photos|bild|titelbild|beitragsbild|credit|credits|"
    r"crédits?(?: photos?)?|image|imagen|abbildung|quelle|source|ảnh|nguồn ảnh)\s*:)",
    re.I,
)


def drop_credits(text: str) -> str:
    """Without the photo credits and copyright lines left between the paragraphs."""
    paras = text.split("\n\n")
    kept = [p for p in paras if not (len(p) < 150 and ("©" in p or _CREDIT.match(p.strip())))]
    return "\n\n".join(kept) if len(kept) < len(paras) else text


def headed_by(node: LexborNode, title: str) -> bool:
    """True when one of the first headings in a block is the page's title."""
    if len(title) < 10:
        return False
    folded = " ".join(title.split()).casefold()
    return any(folded in " ".join(h.text().split()).casefold() for h in node.css("h1, h2")[:3])


def _article_of(node: LexborNode) -> LexborNode | None:
    parent: LexborNode | None = node
    while parent is not None and parent.tag not in ("body", "html"):
        if parent.tag == "article":
            return parent
        parent = parent.parent
    return None


def own_article(
    best: LexborNode, root: LexborNode, title: str, scores: dict[int, ScoreEntry]
) -> tuple[LexborNode, float] | None:
    """On a page of several <article>s (an endless scroll of stories), the best block of the
    one whose heading is the page's title, when the best block is in another one."""
    if len(title) < 10:
        return None
    articles = root.css("article")
    if len(articles) < 2:
        return None
    mine = _article_of(best)
    if mine is None or headed_by(mine, title):
        return None
    for article in articles:
        # not mine nor one around it
        if not _within(mine, article.mem_id) and headed_by(article, title):
            inside = [e for e in scores.values() if _within(e[0], article.mem_id)]
            if not inside:
                return article, 0.0
            top = max(inside, key=lambda e: e[1])
            return top[0], top[1]
    return None


def _within(node: LexborNode, ancestor: int) -> bool:
    parent: LexborNode | None = node
    for _ in range(20):
        if parent is None:
            return False
        if parent.mem_id == ancestor:
            return True
        parent = parent.parent
    return False
