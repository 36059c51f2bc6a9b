"""Diacritic-insensitive search over stored articles: FTS5 on SQLite, a GIN tsvector on PostgreSQL.

Both index `articles.search_text`, the normaliser's folded text (monitor.match.normalize.fold: no
diacritics, đ→d, one tone placement, lower case; NFC and NFD alike), and the query goes through
the same fold, so "lien ket vung", "liên kết vùng", "LIÊN KẾT VÙNG" and "liên kết vùng" typed
in NFD find the same articles. FTS5's own `remove_diacritics` is not enough: it keeps đ and
knows nothing of tone placement, hence folding before indexing.

Query syntax: words (all must occur), "quoted phrases" (words in that order), and a leading
minus to exclude a word or phrase. Results are ranked by relevance (bm25 / ts_rank_cd), with a
bonus for the unquoted words appearing together as a phrase.
The index objects come from migration 0002; see `include_object` for schema comparisons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from monitor.match.normalize import clean, fold

__all__ = [
    "SEARCH_OBJECTS",
    "SearchQuery",
    "SearchSQL",
    "fts5_expression",
    "include_name",
    "include_object",
    "parse_query",
    "search_snippet",
    "search_sql",
]

# The schema objects of the migrations that SQLModel.metadata does not describe.
SEARCH_OBJECTS = frozenset(
    {
        "articles_fts",
        "articles_fts_data",
        "articles_fts_idx",
        "articles_fts_content",
        "articles_fts_docsize",
        "articles_fts_config",
        "ix_articles_search",
        "ix_articles_when",
        "search_index_state",  # migration 0003: the watermark of storage.searchindex
        "ix_articles_report",  # migration 0004: (id, source_id, date) for storage.history
    }
)
PG_VECTOR = (
    "to_tsvector('simple'::regconfig, regexp_replace(articles.search_text, "
    "'[^[:alnum:]]+', ' ', 'g'))"
)  # the same expression as the index of migration 0002 (column qualified, same tree)

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query: phrases that must occur, phrases that must not, and the ranking bonus."""

    text: str
    required: tuple[tuple[str, ...], ...]
    excluded: tuple[tuple[str, ...], ...] = ()
    together: tuple[str, ...] = ()  # every unquoted word, in order, when there are several


def parse_query(text: str) -> SearchQuery:
    """Fold and split a query; ValueError when it has no word to look for."""
    required: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    loose: list[str] = []
    for m in _TOKEN.finditer(fold(text)):
        quoted = m.group(2) is not None
        minus = m.group(1) if quoted else m.group(3)
        words = tuple(_WORD.findall(m.group(2) if quoted else m.group(4)))
        if not words:
            continue
        (excluded if minus else required).append(words)
        if not quoted and not minus:
            loose.extend(words)
    if not required:
        raise ValueError(f"search {text!r} has no word to look for")
    together = tuple(loose) if len(loose) > 1 and len(required) > 1 else ()
    return SearchQuery(text, tuple(required), tuple(excluded), together)


def _phrase(words: tuple[str, ...]) -> str:
    return '"' + " ".join(words) + '"'  # words are letters and digits only: nothing to escape


def fts5_expression(query: SearchQuery) -> str:
    """The FTS5 MATCH string: phrases ANDed, the together-bonus ORed in, exclusions NOTed."""
    expr = " AND ".join(_phrase(p) for p in query.required)
    if query.together:
        expr = f"({expr}) OR {_phrase(query.together)}"  # same rows; bm25 rewards the phrase
    for phrase in query.excluded:
        expr = f"({expr}) NOT {_phrase(phrase)}"
    return expr


@dataclass(frozen=True, slots=True)
class SearchSQL:
    """What a query over `articles` needs to keep only the hits and rank them: a JOIN (with
    its `?` parameters; empty on PostgreSQL), a WHERE condition (and its parameters; empty on
    SQLite) and an ORDER BY term, best first (and its parameters)."""

    join: str
    join_params: tuple[str, ...]
    where: str
    where_params: tuple[str, ...]
    rank: str
    rank_params: tuple[str, ...]
    rank_order: str  # "ASC" or "DESC"


# SQLite: the hits with their bm25 (`?`: the MATCH expression), as a subquery named `hits`.
FTS_HITS = (
    "(SELECT rowid AS id, bm25(articles_fts) AS rank FROM articles_fts WHERE articles_fts MATCH ?)"
)


def _tsquery(words: tuple[str, ...]) -> tuple[str, list[str]]:
    return "phraseto_tsquery('simple'::regconfig, ?)", [" ".join(words)]


def search_sql(dialect: str, query: SearchQuery) -> SearchSQL:
    """FTS5 and bm25 on SQLite; the GIN-indexed tsvector and ts_rank_cd on PostgreSQL.

    On SQLite the hits and their bm25 come from a subquery of their own: bm25 can't be used in
    a query with a window function (the report counts with one), and the article filters must
    not be pushed into the FTS5 scan (an `id IN (…)` there runs the MATCH once per id).
    """
    if dialect == "sqlite":
        return SearchSQL(
            f"JOIN {FTS_HITS} hits ON hits.id = articles.id",
            (fts5_expression(query),),
            "",
            (),
            "hits.rank",
            (),
            "ASC",  # bm25: lower is better
        )
    wanted, params = _tsquery(query.required[0])
    for phrase in query.required[1:]:
        sql, more = _tsquery(phrase)
        wanted, params = f"{wanted} && {sql}", params + more
    for phrase in query.excluded:
        sql, more = _tsquery(phrase)
        wanted, params = f"{wanted} && !!{sql}", params + more
    ranked, rank_params = wanted, list(params)
    if query.together:
        sql, more = _tsquery(query.together)
        ranked, rank_params = f"({wanted}) || {sql}", rank_params + more
    return SearchSQL(
        "",
        (),
        f"{PG_VECTOR} @@ ({wanted})",
        tuple(params),
        f"ts_rank_cd({PG_VECTOR}, {ranked})",
        tuple(rank_params),
        "DESC",
    )


def search_snippet(title: str, body: str, query: SearchQuery, width: int = 200) -> str:
    """A window of the body around its first hit; the body's lead when only the title has the
    words (the title is shown beside the snippet: repeating it wastes the room). The folded
    text has the same length as the cleaned text, so an offset found in one is the offset in
    the other."""
    display = clean(body) or clean(title)
    folded = fold(display)
    start = None
    for words in query.required:
        pattern = r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, words)) + r"(?![^\W_])"
        m = re.search(pattern, folded)
        if m and (start is None or m.start() < start[0]):
            start = (m.start(), m.end())
    if start is None:
        text = " ".join(display[:width].split())
        return text + ("…" if len(display) > width else "")
    lead = max(0, start[0] - width // 3)
    if lead:
        space = display.find(" ", lead)
        lead = space + 1 if 0 <= space < start[0] else lead
    end = min(len(display), lead + width)
    if end < len(display):
        space = display.rfind(" ", start[1], end)
        end = space if space > 0 else end
    text = " ".join(display[lead:end].split())
    return ("…" if lead else "") + text + ("…" if end < len(display) else "")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """alembic `include_name` hook: leave the search objects out of schema comparisons."""
    return name not in SEARCH_OBJECTS


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """alembic `include_object` hook: the same, for objects already reflected."""
    return name not in SEARCH_OBJECTS
