"""Class and id hints and link density: what a block's names and links say about it.

Readability's word lists (English) with Vietnamese ones beside them; shared by the scorer in
content.py and the joining of blocks around the best one in around.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from selectolax.lexbor import LexborNode

_UNLIKELY = re.compile(
    r"combx|comment|community|disqus|extra|foot|header-?(?:nav|menu|top)|menu|related|remark|rss|"
    r"shoutbox|sidebar|skyscraper|sponsor|ad-break|agegate|pagination|pager(?![a-z])|popup|share|sharing|"
    r"social|breadcrumb|newsletter|subscri|promo|banner|cookie|gdpr|modal|navbar|navigation|"
    r"signup|login|tag-?list|tags|recommend|most-?(?:read|popular)|trending|outbrain|taboola|"
    r"lien-?quan|tin-?khac|xem-?them|xem-?nhieu|doc-?nhieu|binh-?luan|chia-?se|quang-?cao|"
    r"lien-?ket-?web|widget|toolbar|print(?![a-z])|author-?bio|byline|dateline|caption|credit|copyright",
)
_OFF_TOPIC = re.compile(
    r"related|recommend|foot|share|sharing|social|newsletter|subscri|promo|sponsor|tag-?list|"
    r"lien-?quan|tin-?khac|xem-?them|chia-?se"
)
_ALWAYS = re.compile(r"comment(?!ary)|disqus|respond|replies|binh-?luan|binhluan")
_MAYBE = re.compile(
    r"and|article|body|column|content|main|shadow|detail|noi-?dung|chi-?tiet|post|entry|story",
)
_POSITIVE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|detail|"
    r"noi-?dung|chi-?tiet|fck_detail|newscontent",
)
_NEGATIVE = re.compile(
    r"-ad-|hidden|banner|combx|comment|contact|foot|footnote|gdpr|masthead|media|meta|outbrain|"
    r"promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|"
    r"lien-?quan|binh-?luan|chia-?se|quang-?cao|caption|author",
)


def info(node: LexborNode) -> tuple[int, float]:
    attrs = node.attributes
    return hint_info(attrs.get("class"), attrs.get("id"))


@lru_cache(maxsize=16384)
def hint_info(cls: str | None, ident: str | None) -> tuple[int, float]:
    """(removal: 0 keep, 1 unlikely, 2 always drop; class weight) for a class and an id.

    Cached because pages repeat the same class strings hundreds of times.
    """
    hint = f"{cls or ''} {ident or ''}".lower()
    if not hint.strip():
        return 0, 0.0
    weight = (25.0 if _POSITIVE.search(hint) else 0.0) - (25.0 if _NEGATIVE.search(hint) else 0.0)
    removal = 0
    if _ALWAYS.search(hint):
        removal = 2
    elif _UNLIKELY.search(hint) and not (
        _MAYBE.search(hint)
        and any(
            # a word like "post" or "article" does not save a block it names as related, shared
            # or footer: "post-content share-bar" stays, "related-posts" and "entry-footer" go
            _MAYBE.search(t) and not _OFF_TOPIC.search(t)
            for t in hint.split()
        )
    ):
        removal = 1
    return removal, weight


def class_weight(node: LexborNode) -> float:
    return info(node)[1]


def link_density(node: LexborNode, text_len: int | None = None) -> float:
    length = text_len if text_len is not None else len(node.text().strip())
    if not length:
        return 0.0
    links = sum(len(a.text().strip()) for a in node.css("a"))
    return min(1.0, links / length)
