"""The actor network built on demand from the other apps' data.

Nothing is stored: every call reads memberships, relations and granted projects with a handful
of ``values_list`` queries and aggregates them in memory, so the graph never drifts from the
platform's data.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import networkx as nx
from django.db.models import Q
from django.utils import timezone

from samverka.actors.models import FocusArea, Organisation, Relation
from samverka.clusters.models import Cluster, Membership
from samverka.programmes.models import Project

MEMBERSHIP = "membership"
RELATION = "relation"
PROJECT = "project"
EDGE_KINDS = (MEMBERSHIP, RELATION, PROJECT)


class UnknownCluster(LookupError):
    """Raised when a cluster slug names no cluster."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"No cluster with the slug {slug!r}.")
        self.slug = slug


def _year(day: date | None, fallback: Any) -> int:
    """The year of ``day``, or of ``fallback`` (a date/datetime) when the day is unknown."""
    if day is not None:
        return day.year
    return fallback.year


def build_graph(
    *,
    cluster: Cluster | str | None = None,
    focus: FocusArea | str | None = None,
    organisation: Organisation | int | None = None,
    radius: int = 1,
    year: int | None = None,
    kinds: Iterable[str] | None = None,
    today: date | None = None,
) -> nx.Graph:
    """The undirected organisation graph.

    Nodes are organisation primary keys with ``name``, ``helix``, ``municipality`` (code or "")
    and ``clusters`` (sorted tuple of cluster slugs the organisation is a member of).

    Edges link two organisations that share something:

    * ``membership`` – both are members of the same cluster (one per shared cluster), active
      from the later ``since`` of the two memberships until today;
    * ``relation`` – an explicit :class:`~samverka.actors.models.Relation` (either direction),
      active from ``since`` until today;
    * ``project`` – both are applicant or partner of the same granted project, active from its
      start to its end year (an open end runs to today).

    An unknown start date falls back to the year the row was recorded. Each edge carries
    ``weight`` (total count of shared things), ``weights`` ({kind: count}), ``kinds`` (sorted
    tuple) and ``years`` (frozenset of years active).

    Scope: ``cluster`` limits the nodes to its members, ``focus`` to organisations with that
    focus area or in a cluster with it; edges are those among the remaining nodes.
    ``organisation`` then takes its ego network of ``radius`` hops. ``year`` keeps only links
    active that year, ``kinds`` only those kinds. Raises :class:`UnknownCluster` for an unknown
    cluster slug, ``Organisation.DoesNotExist``/``FocusArea.DoesNotExist`` likewise.

    Cost: five queries whatever the size. Co-membership adds ``n·(n-1)/2`` edges for a cluster
    of ``n`` members (a cluster of 2,000 members gives two million edges); clusters of that size
    do not exist in the platform today, so the clique is kept because it is what the analytics
    mean by "shared membership".
    """
    today = today or timezone.localdate()
    wanted = set(kinds) if kinds is not None else set(EDGE_KINDS)
    unknown = wanted - set(EDGE_KINDS)
    if unknown:
        raise ValueError(f"unknown edge kinds: {', '.join(sorted(unknown))}")

    orgs = Organisation.objects.all()
    if cluster is not None:
        if isinstance(cluster, str):
            found = Cluster.objects.filter(slug=cluster).first()
            if found is None:
                raise UnknownCluster(cluster)
            cluster = found
        orgs = orgs.filter(memberships__cluster=cluster)
    if focus is not None:
        if isinstance(focus, str):
            focus = FocusArea.objects.get(slug=focus)
        orgs = orgs.filter(Q(focus_areas=focus) | Q(memberships__cluster__focus_areas=focus))
    scoped = cluster is not None or focus is not None
    node_ids = orgs.values("pk").distinct() if scoped else None

    graph = nx.Graph()
    for pk, name, helix, municipality in orgs.distinct().values_list(
        "pk", "name", "helix", "municipality__code"
    ):
        graph.add_node(pk, name=name, helix=helix, municipality=municipality or "", clusters=())

    # (u, v) with u < v  ->  list of (kind, first year, last year)
    links: dict[tuple[int, int], list[tuple[str, int, int]]] = defaultdict(list)

    def link(a: int, b: int, kind: str, first: int, last: int) -> None:
        if a == b or kind not in wanted or a not in graph or b not in graph:
            return
        if year is not None and not first <= year <= last:
            return
        links[(a, b) if a < b else (b, a)].append((kind, first, last))

    memberships = Membership.objects.values_list(
        "cluster_id", "cluster__slug", "organisation_id", "since", "created"
    ).order_by("cluster_id", "organisation_id")
    if node_ids is not None:
        memberships = memberships.filter(organisation__in=node_ids)
    member_slugs: dict[int, list[str]] = defaultdict(list)
    for (_cluster_id, slug), rows in itertools.groupby(memberships, key=lambda r: r[:2]):
        members = [(org, _year(since, created)) for _c, _s, org, since, created in rows]
        for org, _first in members:
            member_slugs[org].append(slug)
        if MEMBERSHIP in wanted:
            for (a, first_a), (b, first_b) in itertools.combinations(members, 2):
                link(a, b, MEMBERSHIP, max(first_a, first_b), today.year)
    for org, slugs in member_slugs.items():
        if org in graph:
            graph.nodes[org]["clusters"] = tuple(sorted(slugs))

    if RELATION in wanted:
        relations = Relation.objects.values_list("source_id", "target_id", "since", "created")
        if node_ids is not None:
            relations = relations.filter(source__in=node_ids, target__in=node_ids)
        for source, target, since, created in relations:
            link(source, target, RELATION, _year(since, created), today.year)

    if PROJECT in wanted:
        projects = Project.objects.granted()
        spans: dict[int, tuple[int, int]] = {}
        participants: dict[int, set[int]] = defaultdict(set)
        for pk, applicant, start, end, created in projects.values_list(
            "pk", "applicant_id", "start_date", "end_date", "created"
        ):
            first = _year(start, end or created)
            spans[pk] = (first, end.year if end else max(first, today.year))
            participants[pk].add(applicant)
        partners = Project.partners.through.objects.filter(
            project__in=projects.values("pk")
        ).values_list("project_id", "organisation_id")
        for project_id, org in partners:
            participants[project_id].add(org)
        for pk, orgs_in in participants.items():
            first, last = spans[pk]
            for a, b in itertools.combinations(sorted(orgs_in), 2):
                link(a, b, PROJECT, first, last)

    for (a, b), found in links.items():
        weights: dict[str, int] = defaultdict(int)
        years: set[int] = set()
        for kind, first, last in found:
            weights[kind] += 1
            years.update(range(first, last + 1))
        graph.add_edge(
            a,
            b,
            weight=len(found),
            weights=dict(sorted(weights.items())),
            kinds=tuple(sorted(weights)),
            years=frozenset(years),
        )

    if organisation is not None:
        pk = organisation.pk if isinstance(organisation, Organisation) else organisation
        if pk not in graph:
            raise Organisation.DoesNotExist(f"No organisation {pk} in this network.")
        graph = nx.ego_graph(graph, pk, radius=radius)
    return graph


def graph_payload(graph: nx.Graph, *, limit: int = 500, keep: Iterable[Any] = ()) -> dict[str, Any]:
    """A JSON-ready ``{"nodes", "edges", "truncated", "total_nodes", "total_edges"}``.

    At most ``limit`` nodes are kept, the best connected first (degree, then name), with the
    edges among them, so a browser is never sent the whole network. Nodes carry ``degree``
    (in the full graph) for sizing; ``truncated`` says whether anything was left out. Nodes in
    ``keep`` (e.g. the centre of an ego network) are always kept.
    """
    degrees = dict(graph.degree())
    pinned = [n for n in keep if n in graph]
    pinned_set = set(pinned)
    ranked = sorted(
        (n for n in graph.nodes if n not in pinned_set),
        key=lambda n: (-degrees[n], graph.nodes[n].get("name", ""), n),
    )
    kept = (pinned + ranked)[:limit]
    sub = graph.subgraph(kept)
    nodes = [
        {
            "id": n,
            "name": data.get("name", ""),
            "helix": data.get("helix", ""),
            "municipality": data.get("municipality", ""),
            "clusters": list(data.get("clusters", ())),
            "degree": degrees[n],
        }
        for n, data in ((n, graph.nodes[n]) for n in sorted(kept))
    ]
    edges = [
        {
            "source": min(u, v),
            "target": max(u, v),
            "kinds": list(data["kinds"]),
            "weight": data["weight"],
            "weights": data["weights"],
            "years": sorted(data["years"]),
        }
        for u, v, data in sorted(sub.edges(data=True), key=lambda e: (min(e[:2]), max(e[:2])))
    ]
    return {
        "nodes": nodes,
        "edges": edges,
        "truncated": len(kept) < graph.number_of_nodes(),
        "total_nodes": graph.number_of_nodes(),
        "total_edges": graph.number_of_edges(),
    }
