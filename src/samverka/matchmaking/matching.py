"""Ranking offers for a need (and needs for an offer), with the reasons behind each score.

Retrieval first, scoring second: candidates are the active listings of the same kind that share
a focus area (nearest counties first) or one of the source's most distinctive stems (on
PostgreSQL through a GIN full-text index on the stored stems, ranked there); only those few
hundred are scored in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from samverka.actors.enums import Helix
from samverka.core.models import in_active_language
from samverka.geo.models import Area
from samverka.matchmaking import lexical, semantic
from samverka.matchmaking.geography import neighbours
from samverka.matchmaking.models import Kind, Listing, Need, Offer

TEXT_POINTS = 40.0
FOCUS_POINTS = 25.0
SAME_COUNTY_POINTS = 15.0
NEIGHBOUR_COUNTY_POINTS = 8.0
HELIX_POINTS = 12.0
KIND_POINTS = 8.0
RARE_TERMS = 8
TEXT_CANDIDATES = 150
FOCUS_CANDIDATES = 150

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


def _text_candidates(base: Any, terms: list[str], limit: int) -> list[int]:
    """Listings sharing the rarest ``terms``: first those with the three rarest, then the two
    rarest, then any (each step through the full-text index on PostgreSQL, without ranking)."""
    if connection.vendor != "postgresql":
        condition = Q()
        for term in terms:
            condition |= Q(stems__contains=term)
        return list(base.filter(condition).values_list("pk", flat=True)[:limit])
    tiers = [" & ".join(terms[:n]) for n in (3, 2) if len(terms) >= n] + [" | ".join(terms)]
    found: list[int] = []
    for query in tiers:
        hits = base.extra(
            where=["to_tsvector('simple', stems) @@ to_tsquery('simple', %s)"], params=[query]
        )
        if found:
            hits = hits.exclude(pk__in=found)
        found += hits.values_list("pk", flat=True)[: limit - len(found)]
        if len(found) >= limit:
            break
    return found


def candidate_ids(
    source: Listing, *, members_only: bool = True, focus_ids: list[int] | None = None
) -> list[int]:
    """Primary keys of the listings worth scoring against ``source`` (see the module doc)."""
    target = counterpart(type(source))
    base = (
        target.objects.active()
        .filter(kind=source.kind)
        .exclude(owner_id=source.owner_id)
        .order_by()
    )
    if not members_only:
        base = base.public()
    ids: dict[int, None] = {}
    corpus = lexical.statistics(target)
    frequencies = corpus.frequencies
    terms = sorted(
        (t for t in set(source.stems.split()) if t in frequencies),
        key=lambda t: (frequencies[t], t),
    )[:RARE_TERMS]
    if terms:
        ids.update(dict.fromkeys(_text_candidates(base, terms, TEXT_CANDIDATES)))
    if focus_ids is None:
        focus_ids = list(source.focus_areas.values_list("pk", flat=True))
    if focus_ids:
        same, near = _county_ids_near(source.county_id)
        through = target.focus_areas.through
        owner_column = f"{target._meta.model_name}_id"
        sharing = through.objects.filter(focusarea_id__in=focus_ids).values(owner_column)
        focus_hits = (
            base.filter(pk__in=sharing)
            .annotate(
                nearness=Case(
                    When(county_id__in=same, then=Value(0)),
                    When(county_id__in=near, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("nearness", "-pk")
            .values_list("pk", flat=True)[:FOCUS_CANDIDATES]
        )
        ids.update(dict.fromkeys(focus_hits))
    return list(ids)


def _rows(target: type[Listing], ids: list[int], with_text: bool) -> list[dict[str, Any]]:
    """What scoring needs of each candidate, with its focus area ids as ``focus``."""
    fields = ["pk", "stems", "county_id", "owner__helix"]
    if with_text:
        fields += ["title", "description"]
    queryset = target.objects.filter(pk__in=ids)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        rows = list(queryset.values(*fields).annotate(focus=ArrayAgg("focus_areas__id")))
        for row in rows:
            row["focus"] = {f for f in row["focus"] if f is not None}
        return rows
    rows = list(queryset.values(*fields))
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
        lexical_score = lexical.cosine(source_vector, corpus.vector(row["stems"].split()))
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
                % {"a": source.owner.get_helix_display(), "b": listing.owner.get_helix_display()},
                HELIX_POINTS,
            )
        )
    reasons.append(
        Reason(
            "kind",
            _("Both concern: %(kind)s.") % {"kind": Kind(listing.kind).label},
            KIND_POINTS,
        )
    )
    return reasons
