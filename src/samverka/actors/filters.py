"""Filtering the organisation list; shared by the HTML list view and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation


def filter_organisations(
    qs: QuerySet[Organisation],
    *,
    helix: str | None = None,
    focus: str | None = None,
    county: str | None = None,
    municipality: str | None = None,
    cluster: str | None = None,
    q: str | None = None,
) -> QuerySet[Organisation]:
    """Narrow ``qs`` by the given filters; empty or None values are ignored.

    ``helix`` is a Helix value (an unknown value gives no rows), ``focus`` a focus-area slug,
    ``county`` and ``municipality`` SCB codes, ``cluster`` a cluster slug and ``q`` free text
    matched against the name (and the start of the organisation number).
    """
    helix = (helix or "").strip()
    if helix:
        qs = qs.filter(helix=helix) if helix in Helix.values else qs.none()
    focus = (focus or "").strip()
    if focus:
        qs = qs.filter(focus_areas__slug=focus)
    county = (county or "").strip()
    if county:
        qs = qs.in_county(county)
    municipality = (municipality or "").strip()
    if municipality:
        qs = qs.filter(municipality__code=municipality)
    cluster = (cluster or "").strip()
    if cluster:
        qs = qs.in_cluster(cluster)
    if q and q.strip():
        qs = qs.search(q)
    # focus-area and cluster joins are to-many; an organisation appears once per match otherwise.
    if focus or cluster:
        qs = qs.distinct()
    return qs
