"""The headline of an article page: the string most places on the page agree on.

A page states its title up to five times: the visible <h1>, the JSON-LD headline, og:title,
twitter:title and <title>, the last ones often with the site's name before or after a
separator ("Headline - Site", "Site | Headline"). Each place votes for its text and for its
text without a leading or trailing part; the string with most votes wins, compared without
case, quote or dash differences. A site's name never wins. With no agreement, the declared
headline (without the site's name) comes first, then the page's own hints.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from .decode import clean_inline
from .meta import Meta

_SEPARATORS = re.compile(r"\s+(?:[-|–—:»›·•~]|::|//)\s+")
_FOLD = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"',
     "«": '"', "»": '"', "–": "-", "—": "-", "‐": "-", "\u00a0": " "}
)  # fmt: skip
_EDGES = " |-–—:·•/~"  # left at a title's ends by a cut separator
_NON_WORD = re.compile(r"\W+")
_TITLE_HINTS = (
    "h2, [class*=title], [class*=Title], [class*=tieude], [class*=TieuDe], [class*=headline]"
)
# the places in order of trust when they tie: what readers see first
_PLACES = ("h1", "headline", "og", "twitter", "title")
# what a place's word is worth: the visible headline most, twitter:title mostly copies og:title
_WEIGHT = {"h1": 1.5, "headline": 1.0, "og": 1.0, "twitter": 0.5, "title": 1.0}


def _fold(text: str) -> str:
    return " ".join(text.translate(_FOLD).casefold().split()).strip(" .:;!?-|")


def _variants(text: str) -> list[str]:
    """The text, and the text without each leading or trailing run of separated parts."""
    cuts = list(_SEPARATORS.finditer(text))
    if len(cuts) > 6:
        return [text]
    out = [text]
    for m in cuts:
        out += [text[: m.start()], text[m.end() :]]
    return out


def _trim(text: str) -> str:
    """Without a separator left at an end ("» Jens Weber"); quotes that pair stay."""
    text = text.strip(_EDGES)
    for mark, pair in (("»", "«"), ("›", "‹")):
        if text.startswith(mark) and pair not in text:
            text = text[1:].strip(_EDGES)
    return text


def _glued(h1: str, text: str) -> bool:
    """An h1 that is the text with a kicker glued before it: "AnalysisWhy …" (no space)."""
    return len(h1) > len(text) >= 10 and h1.endswith(text) and h1[-len(text) - 1].isalnum()


def _host_label(url: str) -> str:
    """ "nytimes" for https://www.nytimes.com/…, "bbc" for www.bbc.co.uk."""
    labels = [p for p in (urlsplit(url).hostname or "").split(".") if p and p != "www"]
    names = [p for p in labels[:-1] if len(p) > 3] or labels[:1]
    return max(names, key=len) if names else ""


def _is_site(folded: str, sites: set[str], host: str) -> bool:
    if folded in sites:
        return True
    squeezed = _NON_WORD.sub("", folded)
    # "BBC News" on bbc.co.uk, "TechCrunch" on techcrunch.com
    return (
        bool(host)
        and len(squeezed) <= len(host) + 5
        and (squeezed.startswith(host) or squeezed.endswith(host))
    )


def _strip_site(text: str, sites: set[str], host: str) -> str:
    """The declared title without a site's name before or after it."""
    parts = _variants(text)[1:]
    # parts pair up: (text before a separator, text after it); keep one if the other is a site
    kept = [p for i, p in enumerate(parts) if _is_site(_fold(parts[i ^ 1]), sites, host)]
    return max(kept, key=len) if kept else text


def best_title(
    tree: LexborHTMLParser, h1s: list[str], page_title: str, meta: Meta, url: str
) -> str:
    """The page's headline (see the module's doc)."""
    stated = [t for t in (meta.og_title, meta.headline, meta.twitter_title) if t]
    if stated and h1s:  # the common case: the h1 is what og:title or the headline says
        said = {_fold(t) for t in stated}
        for h1 in h1s[:3]:
            if len(h1) > 3 and _fold(h1) in said:
                return h1
    host = _host_label(url)
    sites = {_fold(s) for s in meta.site_names if s}
    declared = {
        "headline": meta.headline or "",
        "og": meta.og_title or "",
        "twitter": meta.twitter_title or "",
        "title": page_title,
    }
    variants = {place: [(v, _fold(v)) for v in _variants(t)] for place, t in declared.items() if t}
    votes: dict[str, set[str]] = {}  # folded text → the places that state it
    shown: dict[str, tuple[int, str]] = {}  # folded → (trust, the text as that place has it)

    def vote(text: str, key: str, place: str) -> None:
        if len(key) < 4 or key in sites or _is_site(key, sites, host):
            return
        votes.setdefault(key, set()).add(place)
        trust = _PLACES.index(place)
        if key not in shown or trust < shown[key][0]:
            shown[key] = (trust, text)

    whole = {found[0][1] for found in variants.values()}
    for found in variants.values():  # "Site: Headline" where another place says "Headline"
        parts = found[1:]
        for i, (_, key) in enumerate(parts):
            if key in whole and parts[i ^ 1][1] not in whole:
                sites.add(parts[i ^ 1][1])
    h1_keys = []
    for h1 in dict.fromkeys(h for h in h1s[:5] if 3 < len(h) < 400):
        key = _fold(h1)
        h1_keys.append(key)
        if len(key) < 10 and " " not in key:
            continue  # "News", "Games": a section's name, not a headline
        vote(h1, key, "h1")
        for place, found in variants.items():  # "Headline" within "Headline | Site"
            if key in found[0][1] and key != found[0][1]:
                vote(h1, key, place)
    for place, found in variants.items():
        for text, key in found:
            vote(text, key, place)
            if any(_glued(h, key) for h in h1_keys):
                vote(text, key, "h1")
    if votes:
        weight = {k: sum(_WEIGHT[p] for p in places) for k, places in votes.items()}
        top = max(weight.values())
        if top >= 2:
            key = max(
                (k for k in votes if weight[k] == top),
                key=lambda k: (
                    _strip_site(shown[k][1], sites, host) == shown[k][1],
                    -shown[k][0],
                    len(k),
                ),
            )
            return _trim(shown[key][1])
    declared_title = meta.headline or meta.og_title or meta.twitter_title or meta.title
    if declared_title:
        return _trim(_strip_site(declared_title, sites, host))
    if page_title:
        for el in tree.css(_TITLE_HINTS)[:30]:
            text = clean_inline(el.text())
            if len(text) > 10 and text in page_title:
                return text
    plain = [h for h in h1s if len(h) > 3]
    if plain:
        return plain[0]
    pieces: list[str] = [
        p for p in _SEPARATORS.split(page_title) if p and not _is_site(_fold(p), sites, host)
    ]
    # "Headline - Site name" or "Site | Headline": headlines are longer than site names
    return _trim(max(pieces, key=len)) if pieces else page_title
