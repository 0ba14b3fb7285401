"""The one search: ranked full-text search over the index with Swedish stemming, compound and
typo expansion through the vocabulary, highlighted snippets, filters by kind and focus area.

Each query word ``w`` becomes a group of alternatives: ``w`` itself (stemmed by the backend),
the vocabulary words that contain it (``bruk`` → ``skogsbruk``, ``jordbruket``) and those within
a trigram similarity of it (``skogsbrok`` → ``skogsbruk``). The groups are AND-ed.
PostgreSQL matches them with ``to_tsquery('swedish', …)`` against the stored ``tsvector``, ranks
with ``ts_rank`` (title weighted above text) and cuts snippets with ``ts_headline``; SQLite
matches the Swedish Snowball stems in an FTS5 table, ranks with ``bm25`` and cuts snippets here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils.safestring import SafeString, mark_safe

from samverka.knowledge.models import SearchDocument, SearchTerm
from samverka.knowledge.text import (
    START,
    STOP,
    highlight,
    marked_html,
    similarity,
    stem,
    trigrams,
    words,
)

TYPO_THRESHOLD = 0.45
MAX_EXPANSIONS = 20
MAX_TYPOS = 3
#: Shorter words match only whole ("i" must not find every word beginning with i).
PREFIX_MIN = 3
MAX_WORDS = 8
#: Stand-ins for < and > while PostgreSQL cuts a snippet (its parser would drop tags).
LT, GT = "\ue002", "\ue003"
#: Broad queries ("bruk" matches 10 % of everything) are bounded: at most this many matches (the
#: first in index order) are counted and ranked, and the total then reads "more than"
#: (``Results.more``). Reading and ranking every matching vector is what made them slow.
COUNT_CAP = 1000


@dataclass
class Hit:
    kind: str
    object_id: str
    title: str
    url: str
    snippet: SafeString
    rank: float
    focus: list[str]
    kind_label: str = ""


@dataclass
class Results:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    #: True when the query matched more documents than were counted: ``total`` is a lower bound
    #: (show "1000+" / "more than 1000"), and only those were ranked.
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _substring_terms(word: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT term FROM knowledge_searchterm WHERE term LIKE %s "
                "ORDER BY length(term), term LIMIT %s",
                ["%" + word.replace("%", "").replace("_", "") + "%", MAX_EXPANSIONS * 4],
            )
        else:
            cursor.execute(
                "SELECT term FROM knowledge_term_trgm WHERE knowledge_term_trgm MATCH %s "
                "ORDER BY length(term), term LIMIT %s",
                ['"' + word + '"', MAX_EXPANSIONS * 4],
            )
        return [row[0] for row in cursor.fetchall()]


def _similar_terms(word: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # nearest words first, through the GiST trigram index (migration 0003)
            cursor.execute(
                "SELECT term FROM knowledge_searchterm ORDER BY term <-> %s LIMIT 40",
                [word],
            )
        else:
            grams = [g for g in trigrams(word) if " " not in g]
            if not grams:
                return []
            cursor.execute(
                "SELECT term FROM knowledge_term_trgm WHERE knowledge_term_trgm MATCH %s "
                "ORDER BY rank LIMIT 400",
                [" OR ".join('"' + g.replace('"', "") + '"' for g in grams)],
            )
        candidates = [row[0] for row in cursor.fetchall()]
    scored = sorted(
        ((similarity(word, t), t) for t in candidates if abs(len(t) - len(word)) <= 4),
        reverse=True,
    )
    return [t for score, t in scored if score >= TYPO_THRESHOLD]


def _collapse(terms: list[str]) -> list[str]:
    """Drop every term that a shorter kept term is a prefix of, as word and as stem (the prefix
    query of the kept one covers it)."""
    kept: list[str] = []
    for term in sorted(dict.fromkeys(terms), key=lambda t: (len(t), t)):
        if not any(term.startswith(k) and stem(term).startswith(stem(k)) for k in kept):
            kept.append(term)
    return kept


def _known(word: str) -> bool:
    return SearchTerm.objects.filter(term=word).exists()


def expand(word: str) -> list[str]:
    """The alternatives a query word stands for, each meant as a prefix (itself first): the
    vocabulary words that contain it (compounds) and, when the word is unknown and is part of no
    word, the nearest words by trigram similarity (typos)."""
    found = [word]
    if len(word) >= 3:
        found += _substring_terms(word)
    if len(found) == 1 and len(word) >= 4 and not _known(word):
        found += _similar_terms(word)[:MAX_TYPOS]
    return [word, *(t for t in _collapse(found) if t != word)][:MAX_EXPANSIONS]


@contextmanager
def _index_hints() -> Iterator[None]:
    """On PostgreSQL, make the planner use the indexes (the trigram index of the vocabulary, the
    GIN index of the documents): it prices the similarity and match operators too cheaply and
    would rather scan every row."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_seqscan = off; "
            f"SET LOCAL pg_trgm.similarity_threshold = {float(TYPO_THRESHOLD)}"
        )
        try:
            yield
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")


def _groups(query: str) -> list[list[str]]:
    return [expand(w) for w in list(dict.fromkeys(words(query)))[:MAX_WORDS]]


def _filters(kind: str | None, focus: str | None, visibilities: list[str]) -> tuple[str, list[Any]]:
    sql = " AND d.visibility IN (" + ", ".join(["%s"] * len(visibilities)) + ")"
    params: list[Any] = list(visibilities)
    if kind:
        sql += " AND d.kind = %s"
        params.append(kind)
    if focus:
        sql += " AND d.focus LIKE %s"
        params.append("% " + focus.replace("%", "") + " %")  # slugs: no wildcards to fear
    return sql, params


def _pg_tsquery(groups: list[list[str]], weight: str = "") -> str:
    return " & ".join(
        "("
        + " | ".join(
            t + (":*" if len(t) >= PREFIX_MIN else ":" if weight else "") + weight for t in group
        )
        + ")"
        for group in groups
    )


def _fts5_query(groups: list[list[str]]) -> str:
    return " AND ".join(
        "("
        + " OR ".join(
            '"' + s + '"' + ("*" if len(s) >= PREFIX_MIN else "")
            for s in dict.fromkeys(stem(t) for t in group)
        )
        + ")"
        for group in groups
    )


def _pg_candidates(
    cursor: Any, groups: list[list[str]], where: str, params: list[Any]
) -> tuple[dict[int, float], bool]:
    """Scores (``ts_rank``) of the matches, and whether there were more than ``COUNT_CAP``: then
    only the first ``COUNT_CAP`` (in the GIN bitmap's order) are scored."""
    tsquery = _pg_tsquery(groups)
    select = (
        "SELECT d.id, ts_rank(d.search_vector, q) FROM knowledge_searchdocument d, "
        "to_tsquery('swedish', %s) q WHERE d.search_vector @@ q"
    )
    # one pass over the GIN index; ts_rank reads only the vectors of the rows returned
    cursor.execute(select + where + " LIMIT %s", [tsquery, *params, COUNT_CAP + 1])
    rows = cursor.fetchall()
    capped = len(rows) > COUNT_CAP
    scores = {doc_id: float(score) for doc_id, score in rows[:COUNT_CAP]}
    return scores, capped


def _sqlite_candidates(
    cursor: Any, groups: list[list[str]], where: str, params: list[Any]
) -> tuple[dict[int, float], bool]:
    """As ``_pg_candidates``, with ``bm25`` over the FTS5 table (title weighted 10:1)."""
    match = _fts5_query(groups)
    select = (
        "SELECT d.id, -bm25(knowledge_search_fts, 10.0, 1.0) FROM knowledge_search_fts f "
        "JOIN knowledge_searchdocument d ON d.id = f.rowid WHERE knowledge_search_fts MATCH %s"
    )
    cursor.execute(select + where + " LIMIT %s", [match, *params, COUNT_CAP + 1])
    rows = cursor.fetchall()
    capped = len(rows) > COUNT_CAP
    scores = {doc_id: float(score) for doc_id, score in rows[:COUNT_CAP]}
    return scores, capped


def search(
    query: str,
    *,
    kind: str | None = None,
    focus: str | None = None,
    page: int = 1,
    per_page: int = 10,
    visibilities: list[str] | None = None,
) -> Results:
    """Ranked, highlighted results of ``query`` (only the given visibilities; public by
    default), optionally only of one kind or focus area (slug)."""
    visibilities = visibilities or ["public"]
    page = max(1, page)
    with _index_hints():
        return _search(query, kind, focus, page, per_page, visibilities)


def _search(
    query: str,
    kind: str | None,
    focus: str | None,
    page: int,
    per_page: int,
    visibilities: list[str],
) -> Results:
    groups = _groups(query)
    results = Results(query=query, total=0, page=page, per_page=per_page)
    if not groups:
        return results
    where, params = _filters(kind, focus, visibilities)
    offset = (page - 1) * per_page
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tsquery = _pg_tsquery(groups)
            scores, capped = _pg_candidates(cursor, groups, where, params)
        else:
            tsquery = ""
            scores, capped = _sqlite_candidates(cursor, groups, where, params)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        ranked = ranked[offset : offset + per_page]
        results.total = len(scores)
        results.more = capped
        snippets: dict[int, str] = {}
        if ranked and tsquery:
            # snippets only for the page shown
            cursor.execute(
                "SELECT d.id, ts_headline('swedish', translate(d.body, '<>', %s), "
                "to_tsquery('swedish', %s), "
                "%s) FROM knowledge_searchdocument d WHERE d.id = ANY(%s)",
                [
                    LT + GT,
                    tsquery,
                    f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, "
                    'ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "',
                    [row[0] for row in ranked],
                ],
            )
            snippets = {
                doc_id: text.replace(LT, "<").replace(GT, ">") for doc_id, text in cursor.fetchall()
            }
    docs = SearchDocument.objects.in_bulk([row[0] for row in ranked])
    stems = {stem(t) for group in groups for t in group}
    for doc_id, score in ranked:
        doc = docs[doc_id]
        snippet = snippets.get(doc_id) or highlight(doc.body, stems)
        results.hits.append(
            Hit(
                kind=doc.kind,
                object_id=doc.object_id,
                title=doc.title,
                url=doc.url,
                snippet=mark_safe(marked_html(snippet)),  # noqa: S308 - escaped, then <mark> only
                rank=float(score),
                focus=doc.focus.split(),
            )
        )
    return results


def naive_search(query: str, *, page: int = 1, per_page: int = 10) -> tuple[int, list[int]]:
    """The slow reference: ``icontains`` over title and text (for the benchmark)."""
    from django.db.models import Q

    condition = Q()
    for word in words(query):
        condition &= Q(title__icontains=word) | Q(body__icontains=word)
    queryset = SearchDocument.objects.filter(condition, visibility="public")
    total = queryset.count()
    offset = (page - 1) * per_page
    return total, list(
        queryset.order_by("title", "pk").values_list("pk", flat=True)[offset : offset + per_page]
    )
