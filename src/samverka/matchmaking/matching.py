"""Ranking offers for a need (and needs for an offer), with the reasons behind each score.

Retrieval first, scoring second. Candidates are the active listings of the same kind that share
the source's most distinctive stems (three, then two, then any of the eight rarest) or one of its
focus areas (same or neighbouring county first). On PostgreSQL each of these is a LIMITed query
on a stored tsvector of the stems plus retrieval keys (kind, kind+county, kind+focus area) with
a GIN index, all in one UNION ALL round trip; elsewhere plain ORM filters. Only those one or two
hundred candidates are scored in Python: TF-IDF cosine, shared focus areas, county, helix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.core.models import in_active_language
from samverka.geo.models import Area
from samverka.matchmaking import lexical, semantic
from samverka.matchmaking.geography import neighbours
from samverka.matchmaking.models import (
    Kind,
    Listing,
    Need,
    Offer,
    county_key,
    focus_key,
    kind_key,
)

TEXT_POINTS = 40.0
FOCUS_POINTS = 25.0
SAME_COUNTY_POINTS = 15.0
NEIGHBOUR_COUNTY_POINTS = 8.0
HELIX_POINTS = 12.0
KIND_POINTS = 8.0
RARE_TERMS = 8
TEXT_CANDIDATES = 80
FOCUS_CANDIDATES = 80
FOCUS_TIER = 9

# A need of the first helix type gains from offers of these types (and the reverse).
COMPLEMENTS: dict[str, frozenset[str]] = {
    Helix.COMPANY: frozenset({Helix.ACADEMIA, Helix.PUBLIC}),
    Helix.ACADEMIA: frozenset({Helix.COMPANY, Helix.PUBLIC}),
    Helix.PUBLIC: frozenset({Helix.COMPANY, Helix.ACADEMIA}),
    Helix.CIVIL_SOCIETY: frozenset({Helix.COMPANY, Helix.ACADEMIA, Helix.PUBLIC}),
}


@dataclass
class Reason:
    code: str
    text: str
    points: float


@dataclass
class Match:
    listing: Listing
    score: float
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class MatchResult:
    source: Listing
    matches: list[Match]
    method: str
    candidates: int


def counterpart(model: type[Listing]) -> type[Listing]:
    return Offer if model is Need else Need


@cache
def _county_codes() -> dict[int, str]:
    return dict(Area.objects.counties().values_list("pk", "code"))


def _county_ids_near(county_id: int | None) -> tuple[set[int], set[int]]:
    """``({the county}, {its neighbours})`` as primary keys."""
    if county_id is None:
        return set(), set()
    codes = _county_codes()
    by_code = {code: pk for pk, code in codes.items()}
    near = neighbours().get(codes.get(county_id, ""), frozenset())
    return {county_id}, {by_code[c] for c in near if c in by_code}


# PostgreSQL keeps ``search``, a stored tsvector of keys and stems (migration 0004).


def _pg_queries(
    source: Listing, terms: list[str], focus_ids: list[int]
) -> list[tuple[int, str, int]]:
    """PostgreSQL: ``(tier, tsquery, limit)`` of the retrieval queries through the full-text
    index over keys and stems. Text tiers: the three rarest terms, the two rarest, any of them;
    then focus areas in the same or a neighbouring county, then anywhere."""
    kind = kind_key(source.kind)
    queries: list[tuple[int, str, int]] = []
    if terms:
        tiers = [" & ".join(terms[:n]) for n in (3, 2) if len(terms) >= n]
        tiers.append("(" + " | ".join(terms) + ")")
        queries += [(i, f"{kind} & {q}", TEXT_CANDIDATES) for i, q in enumerate(tiers)]
    if focus_ids:
        focus = "(" + " | ".join(focus_key(source.kind, f) for f in focus_ids) + ")"
        same, near = _county_ids_near(source.county_id)
        if same:
            places = sorted(same | near)
            place = "(" + " | ".join(county_key(source.kind, c) for c in places) + ")"
            queries.append((FOCUS_TIER, f"{focus} & {place}", FOCUS_CANDIDATES))
        queries.append((FOCUS_TIER + 1, focus, FOCUS_CANDIDATES // 2))
    return queries


def _pg_candidates(
    source: Listing, terms: list[str], focus_ids: list[int], members_only: bool
) -> list[tuple[int, int]]:
    """``(pk, tier)`` rows of all retrieval queries in one round trip (plain SQL: at this
    speed building the ORM query would cost as much as running it)."""
    table = counterpart(type(source))._meta.db_table
    condition = "expires_on >= %s AND owner_id <> %s AND search @@ to_tsquery('simple', %s)"
    if not members_only:
        condition += " AND visibility = 'public'"
    parts, params = [], []
    for tier, query, limit in _pg_queries(source, terms, focus_ids):
        # Only integers and our own table name are formatted in; the query text is a parameter.
        sql = f"(SELECT id, {tier:d} FROM {table} WHERE {condition} LIMIT {limit:d})"  # noqa: S608
        parts.append(sql)
        params += [timezone.localdate(), source.owner_id, query]
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


def _portable_parts(
    source: Listing, base: Any, terms: list[str], focus_ids: list[int]
) -> list[Any]:
    """Other databases (SQLite): substring matches on the stems, focus areas nearest first."""
    base = base.filter(kind=source.kind)
    parts = []
    if terms:
        condition = Q()
        for term in terms:
            condition |= Q(stems__contains=term)
        parts.append(
            base.filter(condition)
            .annotate(tier=Value(0, output_field=IntegerField()))
            .values_list("pk", "tier")[:TEXT_CANDIDATES]
        )
    if focus_ids:
        same, near = _county_ids_near(source.county_id)
        other = counterpart(type(source))
        owner_column = f"{other._meta.model_name}_id"
        through = other.focus_areas.through
        sharing = through.objects.filter(focusarea_id__in=focus_ids).values(owner_column)
        parts.append(
            base.filter(pk__in=sharing)
            .annotate(
                tier=Value(FOCUS_TIER, output_field=IntegerField()),
                nearness=Case(
                    When(county_id__in=same, then=Value(0)),
                    When(county_id__in=near, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                ),
            )
            .order_by("nearness", "-pk")
            .values_list("pk", "tier")[:FOCUS_CANDIDATES]
        )
    return parts


def candidate_ids(
    source: Listing, *, members_only: bool = True, focus_ids: list[int] | None = None
) -> list[int]:
    """Primary keys of the listings worth scoring against ``source`` (see the module doc); on
    PostgreSQL in one round trip (a UNION ALL of the limited retrieval queries)."""
    target = counterpart(type(source))
    base = target.objects.active().exclude(owner_id=source.owner_id).order_by()
    if not members_only:
        base = base.public()
    frequencies = lexical.statistics(target).frequencies
    terms = sorted(
        (t for t in set(source.stems.split()) if t in frequencies),
        key=lambda t: (frequencies[t], t),
    )[:RARE_TERMS]
    if focus_ids is None:
        focus_ids = list(source.focus_areas.values_list("pk", flat=True))
    if connection.vendor == "postgresql":
        rows = _pg_candidates(source, terms, focus_ids, members_only)
    else:
        parts = _portable_parts(source, base, terms, focus_ids)
        rows = [row for part in parts for row in part]
    text: dict[int, None] = {}
    focus: dict[int, None] = {}
    for pk, tier in sorted(rows, key=lambda r: r[1]):
        if tier >= FOCUS_TIER:
            if len(focus) < FOCUS_CANDIDATES:
                focus[pk] = None
        elif len(text) < TEXT_CANDIDATES:
            text[pk] = None
    return list(text | focus)


def _rows(target: type[Listing], ids: list[int], with_text: bool) -> list[dict[str, Any]]:
    """What scoring needs of each candidate, with its focus area ids as ``focus``."""
    fields = ["pk", "stems", "county_id", "owner__helix"]
    if with_text:
        fields += ["title", "description"]
    if connection.vendor == "postgresql":
        table = target._meta.db_table
        through = target.focus_areas.through._meta.db_table
        column = f"{target._meta.model_name}_id"
        owners = Organisation._meta.db_table
        text = ", o.title, o.description" if with_text else ""
        sql = (
            f"SELECT o.id, o.stems, o.county_id, org.helix, "  # noqa: S608 (our own names only)
            f"array_remove(array_agg(f.focusarea_id), NULL){text} "
            f"FROM {table} o JOIN {owners} org ON org.id = o.owner_id "
            f"LEFT JOIN {through} f ON f.{column} = o.id "
            f"WHERE o.id = ANY(%s) GROUP BY o.id, org.helix"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [ids])
            names = ["pk", "stems", "county_id", "owner__helix", "focus", "title", "description"]
            rows = [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]
        for row in rows:
            row["focus"] = set(row["focus"])
        return rows
    rows = list(target.objects.filter(pk__in=ids).values(*fields))
    through = target.focus_areas.through
    owner_column = f"{target._meta.model_name}_id"
    focus_of: dict[int, set[int]] = {}
    pairs = through.objects.filter(**{f"{owner_column}__in": ids}).values_list(
        owner_column, "focusarea_id"
    )
    for owner_id, focus_id in pairs:
        focus_of.setdefault(owner_id, set()).add(focus_id)
    for row in rows:
        row["focus"] = focus_of.get(row["pk"], set())
    return rows


def find_matches(source: Listing, *, top: int = 10, members_only: bool = True) -> MatchResult:
    """The ``top`` best counterparts of ``source``, best first, each with its score (0–100) and
    reasons. ``members_only``: whether members-only listings may be shown to this viewer."""
    target = counterpart(type(source))
    focus_rows = source.focus_areas.values_list("pk", "name_sv", "name_en")
    focus_names = {pk: in_active_language(sv, en) for pk, sv, en in focus_rows}
    source_focus = set(focus_names)
    ids = candidate_ids(source, members_only=members_only, focus_ids=list(source_focus))
    embed = semantic.embedder()
    method = "lexical+semantic" if embed else "lexical"
    if not ids:
        return MatchResult(source=source, matches=[], method=method, candidates=0)
    rows = _rows(target, ids, with_text=embed is not None)
    corpus = lexical.statistics(target)
    source_vector = corpus.vector(source.stems.split())
    same, near = _county_ids_near(source.county_id)
    complements = COMPLEMENTS.get(source.owner.helix, frozenset())
    meaning: list[float] = []
    if embed:
        meaning = embed(
            f"{source.title}. {source.description}",
            [f"{r['title']}. {r['description']}" for r in rows],
        )
    scored = []
    focus_total = max(1, len(source_focus))
    for index, row in enumerate(rows):
        lexical_score = corpus.similarity(source_vector, row["stems"].split())
        text = lexical_score
        if embed:
            text = 0.5 * lexical_score + 0.5 * max(0.0, meaning[index])
        parts = {
            "text": text,
            "focus": len(source_focus & row["focus"]) / focus_total,
            "county": 2 if row["county_id"] in same else 1 if row["county_id"] in near else 0,
            "helix": row["owner__helix"] in complements,
        }
        if not (parts["text"] > 0.01 or parts["focus"] > 0):
            continue
        score = (
            TEXT_POINTS * parts["text"]
            + FOCUS_POINTS * parts["focus"]
            + (SAME_COUNTY_POINTS if parts["county"] == 2 else 0)
            + (NEIGHBOUR_COUNTY_POINTS if parts["county"] == 1 else 0)
            + (HELIX_POINTS if parts["helix"] else 0)
            + KIND_POINTS
        )
        parts["shared"] = sorted(focus_names[f] for f in source_focus & row["focus"])
        scored.append((round(score, 1), row["pk"], parts, index))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    best = scored[:top]
    listings = target.objects.select_related("owner", "county").in_bulk(
        [pk for _s, pk, _p, _i in best]
    )
    matches = []
    for score, pk, parts, index in best:
        listing = listings[pk]
        words = lexical.shared_terms(source_vector, corpus.vector(listing.stems.split()))
        reasons = _reasons(
            source, listing, parts, focus_names, words, meaning[index] if embed else None
        )
        matches.append(Match(listing=listing, score=score, reasons=reasons))
    return MatchResult(source=source, matches=matches, method=method, candidates=len(rows))


def _label(choices: Any, value: str) -> str:
    """The translated label of a choice (cheaper than ``get_FOO_display`` in a loop)."""
    labels = _labels.get((choices, get_language()))
    if labels is None:
        labels = {v: str(label) for v, label in choices.choices}
        _labels[(choices, get_language())] = labels
    return labels.get(value, value)


_labels: dict[tuple[Any, str | None], dict[str, str]] = {}


def _reasons(
    source: Listing,
    listing: Listing,
    parts: dict[str, Any],
    focus_names: dict[int, str],
    words: list[str],
    meaning: float | None,
) -> list[Reason]:
    """Short sentences (in the active language) saying why ``listing`` matches ``source``."""
    reasons = []
    if shared := parts["shared"]:
        reasons.append(
            Reason(
                "focus_areas",
                _("Shared focus areas: %(names)s.") % {"names": ", ".join(shared)},
                round(FOCUS_POINTS * parts["focus"], 1),
            )
        )
    if words:
        reasons.append(
            Reason(
                "text",
                _("Similar wording (%(words)s).") % {"words": ", ".join(words)},
                round(TEXT_POINTS * parts["text"], 1),
            )
        )
    if meaning is not None and meaning > 0.5:
        reasons.append(Reason("meaning", _("Similar in meaning."), 0.0))
    if parts["county"] == 2:
        reasons.append(
            Reason(
                "same_county",
                _("Same county: %(county)s.") % {"county": listing.county},
                SAME_COUNTY_POINTS,
            )
        )
    elif parts["county"] == 1:
        reasons.append(
            Reason(
                "neighbouring_county",
                _("Neighbouring counties: %(a)s and %(b)s.")
                % {"a": source.county, "b": listing.county},
                NEIGHBOUR_COUNTY_POINTS,
            )
        )
    if parts["helix"]:
        reasons.append(
            Reason(
                "complementary_helix",
                _("Complementary actors: %(a)s and %(b)s.")
                % {"a": _label(Helix, source.owner.helix), "b": _label(Helix, listing.owner.helix)},
                HELIX_POINTS,
            )
        )
    reasons.append(
        Reason(
            "kind",
            _("Both concern: %(kind)s.") % {"kind": _label(Kind, listing.kind)},
            KIND_POINTS,
        )
    )
    return reasons
