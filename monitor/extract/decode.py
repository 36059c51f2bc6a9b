"""Bytes → parsed HTML and clean text.

Pages arrive in UTF-8, windows-1258 or with a BOM; the charset may be in the HTTP header or a
``<meta>``. Every text leaving extraction is NFC with invisible characters dropped, because
windows-1258 and some editors produce combining tone marks and topic matching must not care.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser, LexborNode

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")
_BREAKS = re.compile(r"\s*\n\s*\n\s*")
_DOUBLE_BR = re.compile("\ue001(?:\\s*\ue001)+")
PARA = "\ue000"  # marker for a paragraph break inserted into the tree before taking its text
LINE = "\ue001"  # marker for a <br>

BLOCK_TAGS = (
    "p, div, section, article, main, header, h1, h2, h3, h4, h5, h6, li, ul, ol, dl, dt, dd, "
    "blockquote, pre, table, tr, figure, figcaption, address, hr, center, form, fieldset, details"
)


def header_charset(content_type: str | None) -> str | None:
    """The charset named in a Content-Type header, if Python knows it."""
    if not content_type:
        return None
    m = _CHARSET.search(content_type)
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1)).name
    except LookupError:
        return None


def parse_html(content: bytes, content_type: str | None = None) -> LexborHTMLParser:
    """Parse a page honouring BOM > header charset > meta charset (the HTML Standard's order),
    except that bytes which are valid UTF-8 beyond ASCII are read as UTF-8."""
    charset = header_charset(content_type)
    if not content.startswith(_BOMS):
        if _is_utf8_text(content):  # whatever the header or <meta> claim
            # bytes are parsed as UTF-8: twice as fast as a str, which Lexbor re-encodes
            return LexborHTMLParser(content)
        if charset and charset != "utf-8":
            return LexborHTMLParser(content.decode(charset, errors="replace"))
    return LexborHTMLParser(content, encoding=True)


def _is_utf8_text(content: bytes) -> bool:
    """True for bytes that are valid UTF-8 beyond ASCII. A header or <meta> naming another
    charset is then wrong (portals often send a stock "charset=iso-8859-1"): Vietnamese text
    in windows-1258 or Latin-1 is practically never valid multi-byte UTF-8 by accident."""
    if content.isascii():
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_bytes(content: bytes, content_type: str | None = None) -> str:
    """Bytes of a non-HTML document (a feed fragment, plain text) → str."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if content.startswith(bom):
            return content.decode(name, errors="replace")
    charset = header_charset(content_type) or "utf-8"
    return content.decode(charset, errors="replace")


def clean_inline(text: str | None) -> str:
    """One line of text: NFC, no invisible characters, whitespace collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return " ".join(text.replace(PARA, " ").replace(LINE, " ").split())


def clean_block(text: str) -> str:
    """Text with paragraph markers → paragraphs separated by one blank line."""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    if PARA not in text and LINE not in text:  # plain text: its own line breaks count
        text = _BREAKS.sub(PARA, text).replace("\n", LINE)
    text = _DOUBLE_BR.sub(PARA, text)  # <br><br> separates paragraphs on old portals
    out = []
    for para in text.split(PARA):
        lines = [" ".join(line.split()) for line in para.split(LINE)]
        para = "\n".join(line for line in lines if line)
        if para:
            out.append(para)
    return "\n\n".join(out)


def mark_blocks(node: LexborNode) -> None:
    """Insert paragraph markers after block elements so ``text()`` keeps the structure."""
    for br in node.css("br"):
        br.insert_after(LINE)
    for block in node.css(BLOCK_TAGS):
        block.insert_before(PARA)
        block.insert_after(PARA)


def node_text(node: LexborNode | None) -> str:
    """The visible text of a subtree with paragraphs kept (mutates the subtree)."""
    if node is None:
        return ""
    mark_blocks(node)
    return clean_block(node.text(deep=True))


def html_to_text(html: str) -> str:
    """An HTML fragment (feed content, a double-encoded description) → clean text."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return clean_block(html)
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    assert root is not None  # a parsed document always has a root
    for bad in ("script", "style", "noscript", "template"):
        for n in reversed(root.css(bad)):  # descendants first: nothing is touched once freed
            n.decompose()
    text = node_text(root)
    if re.search(r"</?(p|br|div|img|a)\b", text, re.I):  # entity-encoded twice
        return html_to_text(text)
    return text
