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
from samverka.actors.models import FocusArea
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
TEXT_CANDIDATES = 200
FOCUS_CANDIDATES = 200

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


def candidate_ids(source: Listing, *, members_only: bool = True) -> list[int]:
    """Primary keys of the listings worth scoring against ``source`` (see the module doc)."""
    target = counterpart(type(source))
    base = target.objects.active().filter(kind=source.kind).exclude(owner_id=source.owner_id)
    if not members_only:
        base = base.public()
    ids: dict[int, None] = {}
    _documents, frequencies = lexical.statistics(target)
    terms = sorted(
        (t for t in set(source.stems.split()) if t in frequencies), key=lambda t: frequencies[t]
    )[:RARE_TERMS]
    if terms:
        if connection.vendor == "postgresql":
            query = " | ".join(terms)
            text_hits = base.extra(
                where=["to_tsvector('simple', stems) @@ to_tsquery('simple', %s)"],
                params=[query],
                select={"rank": "ts_rank(to_tsvector('simple', stems), to_tsquery('simple', %s))"},
                select_params=[query],
                order_by=["-rank"],
            ).values_list("pk", flat=True)[:TEXT_CANDIDATES]
        else:
            condition = None
            for term in terms:
                q = Q(stems__contains=term)
                condition = q if condition is None else condition | q
            text_hits = base.filter(condition).values_list("pk", flat=True)[:TEXT_CANDIDATES]
        ids.update(dict.fromkeys(text_hits))
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


def find_matches(source: Listing, *, top: int = 10, members_only: bool = True) -> MatchResult:
    """The ``top`` best counterparts of ``source``, best first, each with its score (0–100) and
    reasons. ``members_only``: whether members-only listings may be shown to this viewer."""
    target = counterpart(type(source))
    ids = candidate_ids(source, members_only=members_only)
    embed = semantic.embedder()
    method = "lexical+semantic" if embed else "lexical"
    if not ids:
        return MatchResult(source=source, matches=[], method=method, candidates=0)
    fields = ["pk", "title", "stems", "county_id", "owner__helix", "description"]
    rows = list(target.objects.filter(pk__in=ids).values(*fields))
    through = target.focus_areas.through
    owner_column = f"{target._meta.model_name}_id"
    focus_of: dict[int, set[int]] = {}
    for owner_id, focus_id in through.objects.filter(**{f"{owner_column}__in": ids}).values_list(
        owner_column, "focusarea_id"
    ):
        focus_of.setdefault(owner_id, set()).add(focus_id)
    documents, frequencies = lexical.statistics(target)
    source_vector = lexical.vector(source.stems.split(), documents, frequencies)
    source_focus = set(source.focus_areas.values_list("pk", flat=True))
    same, near = _county_ids_near(source.county_id)
    source_helix = source.owner.helix
    meaning: list[float] = []
    if embed:
        meaning = embed(
            f"{source.title}. {source.description}",
            [f"{r['title']}. {r['description']}" for r in rows],
        )
    scored = []
    for index, row in enumerate(rows):
        lexical_score = lexical.cosine(
            source_vector, lexical.vector(row["stems"].split(), documents, frequencies)
        )
        text = lexical_score
        if embed:
            text = 0.5 * lexical_score + 0.5 * max(0.0, meaning[index])
        parts = {
            "text": text,
            "focus": len(source_focus & focus_of.get(row["pk"], set())) / max(1, len(source_focus)),
            "county": 2 if row["county_id"] in same else 1 if row["county_id"] in near else 0,
            "helix": row["owner__helix"] in COMPLEMENTS.get(source_helix, frozenset()),
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
        scored.append((round(score, 1), row["pk"], parts, index))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    best = scored[:top]
    listings = target.objects.with_related().in_bulk([pk for _s, pk, _p, _i in best])
    focus_names = {f.pk: f.name for f in FocusArea.objects.filter(pk__in=source_focus)}
    matches = []
    for score, pk, parts, index in best:
        listing = listings[pk]
        matches.append(
            Match(
                listing=listing,
                score=score,
                reasons=_reasons(
                    source,
                    listing,
                    parts,
                    focus_names,
                    lexical.shared_terms(
                        source_vector,
                        lexical.vector(listing.stems.split(), documents, frequencies),
                    ),
                    meaning[index] if embed else None,
                ),
            )
        )
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
    shared = [focus_names[f.pk] for f in listing.focus_areas.all() if f.pk in focus_names]
    if shared:
        reasons.append(
            Reason(
                "focus_areas",
                _("Shared focus areas: %(names)s.") % {"names": ", ".join(sorted(shared))},
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
