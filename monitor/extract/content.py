"""The main text of an article page, found by structure.

Readability's idea on selectolax: paragraphs score their ancestors by length and commas, class
and id hints (English and Vietnamese) push containers up or down, link-dense blocks lose, and
the best container plus its worthy siblings is the article. Boilerplate inside it (share bars,
related lists, comments, captions' credits) is cut before the text is taken.
"""

from __future__ import annotations

from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .around import (
    MIN_PARA,
    ScoreEntry,
    drop_credits,
    lead,
    own_article,
    siblings,
    trim_tail,
)
from .decode import node_text
from .hints import class_weight as _class_weight
from .hints import info as _info
from .hints import link_density as _link_density

JUNK_TAGS = [
    "script", "style", "noscript", "template", "svg", "iframe", "button", "select", "input",
    "textarea", "nav", "aside", "footer", "figcaption", "video", "audio", "object",
]  # fmt: skip
_JUNK = ", ".join(JUNK_TAGS)
_TAG_WEIGHT: dict[str | None, int] = {
    "div": 5, "article": 10, "main": 5, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
    "form": -3, "ol": -3, "ul": -3, "dl": -3, "li": -3, "address": -3,
}  # fmt: skip
_KEEP_TAGS = {"html", "body", "article", "main"}
_HIDDEN = "[hidden], [aria-hidden=true], [style*='display:none'], [style*='display: none']"
# only block containers are judged by class: inline tags with classes are mostly icons and links
_HINTED_TAGS = frozenset(
    ("div", "section", "ul", "ol", "table", "header", "p", "span", "dl", "form")
)
_BLOCK_LIST = (
    "p, div, table, ul, ol, dl, section, article, blockquote, pre, h1, h2, h3, h4, h5, h6, li"
)
_SCORED = f"p, pre, blockquote, td, section, article, main, font, dd, div:has({_BLOCK_LIST})"
_INLINE_DIVS = f"div:not(:has({_BLOCK_LIST}))"
_DIRECT_ONLY = {"div", "section", "article", "main", "td", "dd", "blockquote"}
_CONDITIONAL = "div, ul, ol, table, section, form, dl, figure, header"
_MIN_PARA = MIN_PARA
_LINKED_LINES = "p:has(a), h2:has(a), h3:has(a), h4:has(a), h5:has(a), h6:has(a)"


def strip_boilerplate(root: LexborNode) -> None:
    """Drop tags and class/id-hinted blocks that are never article text."""
    remove_all(root.css(_JUNK))
    remove_all(root.css(_HIDDEN))
    doomed = []
    total = -1  # the page's text length, measured only when a big block is in question
    for node in root.css("[class], [id]"):
        if node.tag not in _HINTED_TAGS:
            continue
        removal = _info(node)[0]
        if removal == 2:
            doomed.append(node)
        elif removal == 1:
            length = len(node.text())
            if length >= 500 and total < 0:
                total = len(root.text())
            # a wrapper holding most of the page (class "sidebar-layout…") is not boilerplate
            if (length < 500 or (length < 0.25 * total and length < 3000)) or _link_density(
                node, length
            ) > 0.3:
                doomed.append(node)
    remove_all(doomed)


def remove_all(nodes: list[LexborNode]) -> None:
    """Remove nodes given in document order, last first: a descendant comes after its
    ancestor, so no node is touched after an ancestor's removal freed it."""
    for node in reversed(nodes):
        node.decompose()


def _candidates(root: LexborNode) -> dict[int, ScoreEntry]:
    """Score containers by the paragraphs under them (readability's rule, see module doc)."""
    scores: dict[int, ScoreEntry] = {}
    parents: dict[
        int, tuple[LexborNode | None, int]
    ] = {}  # mem_id → (parent node, its mem_id): fewer wrapper objects
    for el, inline_div in _scored_elements(root):
        tag = el.tag
        direct = tag in _DIRECT_ONLY
        text = el.text(deep=not direct).strip()
        if inline_div and len(text) < _MIN_PARA:
            # a div holding only inline markup (<div><span>text</span></div>) is a paragraph
            text = el.text().strip()
            direct = False
        if len(text) < _MIN_PARA:
            continue
        score = 1 + text.count(",") + text.count("،") + min(len(text) / 100, 3)
        node: LexborNode | None
        node, key, level = el, el.mem_id, 0
        if not direct:
            node, key = _parent(node, key, parents)
            level = 1
        while node is not None and level < 5:
            entry = scores.get(key)
            if entry is None:
                if node.tag in ("html", "#document"):
                    break
                entry = scores[key] = [node, _TAG_WEIGHT.get(node.tag, 0) + _class_weight(node)]
            entry[1] += score if level <= 1 else score / (2 if level == 2 else (level - 1) * 3)
            node, key = _parent(node, key, parents)
            level += 1
    return scores


def _parent(
    node: LexborNode, key: int, cache: dict[int, tuple[LexborNode | None, int]]
) -> tuple[LexborNode | None, int]:
    hit = cache.get(key)
    if hit is None:
        parent = node.parent
        hit = cache[key] = (parent, parent.mem_id if parent is not None else 0)
    return hit


def _scored_elements(root: LexborNode) -> Iterator[tuple[LexborNode, bool]]:
    """Paragraph-like elements, with a flag for divs that hold no block element at all."""
    for el in root.css(_SCORED):
        yield el, False
    for el in root.css(_INLINE_DIVS):
        yield el, True


def _final(entry: ScoreEntry) -> float:
    final: float = entry[1] * (1 - _link_density(entry[0]))
    return final


def _ancestor_ids(node: LexborNode) -> set[int]:
    ids: set[int] = set()
    parent = node.parent
    while parent is not None and parent.tag not in ("html", "#document"):
        ids.add(parent.mem_id)
        parent = parent.parent
    return ids


def _best(scores: dict[int, ScoreEntry]) -> tuple[LexborNode, float] | None:
    """The top container, moved up when the article is split into several scored sections."""
    if not scores:
        return None
    top = sorted(scores.values(), key=lambda e: e[1], reverse=True)[:5]
    ranked = sorted(((e[0], _final(e)) for e in top), key=lambda e: e[1], reverse=True)
    best, best_score = ranked[0]
    near = [_ancestor_ids(n) for n, s in ranked[1:] if s >= 0.75 * best_score]
    node = best.parent
    if len(near) >= 3:
        while node is not None and node.tag not in ("body", "html"):
            if sum(node.mem_id in ids for ids in near) >= 3:
                best, best_score = node, _final(scores.get(node.mem_id) or [node, best_score])
                break
            node = node.parent
    else:  # a parent scoring higher than its child holds more of the article
        last, threshold = best_score, best_score / 3
        while node is not None and node.tag not in ("body", "html"):
            entry = scores.get(node.mem_id)
            if entry is not None:
                score = _final(entry)
                if score < threshold:
                    break
                if score > last:
                    best, best_score = node, score
                    break
                last = score
            node = node.parent
    parent = best.parent
    while parent is not None and parent.tag not in ("body", "html") and _only_child(parent):
        best, parent = parent, parent.parent
    return best, best_score


def _only_child(parent: LexborNode) -> bool:
    return sum(1 for _ in parent.iter()) == 1


def _clean(node: LexborNode) -> None:
    """Readability's conditional cleaning: drop link lists and thin blocks inside the article."""
    for h in node.css("h1"):
        h.decompose()
    for el in reversed(node.css(_CONDITIONAL)):
        text = el.text().strip()
        length = len(text)
        if length == 0:
            if not el.css_first("img, picture"):
                el.decompose()
            continue
        if length >= 2000:  # no rule below removes a block this long
            continue
        weight = _class_weight(el)
        if weight < 0 and length < 1000:
            el.decompose()
            continue
        ld = _link_density(el, length)
        if (ld > 0.5) or (ld > 0.2 and weight < 25 and length < 1000 and text.count(",") < 10):
            el.decompose()
    for el in reversed(node.css(_LINKED_LINES)):
        # "Read more: <a>Another story</a>", "Xem thêm: …": a paragraph that is one link
        # (a cited address, "http://…", is text)
        text = el.text().strip()
        if 0 < len(text) < 250 and "://" not in text and _link_density(el, len(text)) > 0.6:
            el.decompose()


def main_text(tree: LexborHTMLParser, title: str = "") -> str:
    """The article's text with paragraphs, or "" (mutates the tree: parse a fresh copy).
    ``title``, the page's headline, picks the page's own story among several."""
    root = tree.body
    if root is None:
        return ""
    strip_boilerplate(root)
    scores = _candidates(root)
    best = _best(scores)
    if best is None:
        return node_text(root)
    node, score = own_article(best[0], root, title, scores) or best
    chosen = siblings(node, score, scores)
    first = lead(node, chosen)
    parts = []
    for part in [first, *chosen] if first is not None else chosen:
        _clean(part)
        text = node_text(part)
        if text:
            parts.append(text)
    return trim_tail(drop_credits("\n\n".join(parts)))


_SEMANTIC = ("[itemprop=articleBody]", "article", "main", "[role=main]")


def semantic_text(tree: LexborHTMLParser) -> str:
    """The text of the element the page marks as its article ([itemprop=articleBody], the
    longest <article>, <main>), cleaned like the best block: the fallback when scoring found
    next to nothing, as when the article sits in an <aside> or one link-heavy list.
    Mutates the tree: parse a fresh copy."""
    root = tree.body
    if root is None:
        return ""
    for selector in _SEMANTIC:
        found = root.css(selector)
        if not found:
            continue
        node = max(found, key=lambda n: len(n.text()))
        remove_all(node.css(_JUNK))
        remove_all(node.css(_HIDDEN))
        _clean(node)
        text = node_text(node)
        if text:
            return trim_tail(text)
    return ""
