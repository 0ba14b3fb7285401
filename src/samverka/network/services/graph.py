"""The actor network built on demand from the other apps' data.

Nothing is stored: every call reads memberships, relations, granted projects and published
events with a handful of ``values_list`` queries and aggregates them in memory, so the graph
never drifts from the platform's data.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date
from typing import Any

import networkx as nx
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, ExtractYear
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from samverka.actors.models import FocusArea, Organisation, Relation
from samverka.clusters.models import Cluster, Membership
from samverka.events.models import Event, EventStatus, Registration, RegistrationStatus
from samverka.programmes.models import Project

MEMBERSHIP = "membership"
RELATION = "relation"
PROJECT = "project"
EVENT_COORGANISERS = "event_coorganisers"
EVENT_ATTENDANCE = "event_attendance"
EDGE_KINDS = (MEMBERSHIP, RELATION, PROJECT, EVENT_COORGANISERS, EVENT_ATTENDANCE)
# An ego network is built from the organisation's neighbourhood alone while that stays below
# this many organisations; beyond it the whole graph is cheaper to build once.
EGO_LOCAL_LIMIT = 20_000
# Co-members of a cluster are all linked to each other: n·(n-1)/2 links. Above this many members
# in the graph that clique is left out (a cluster of 2,000 gives two million links, more than
# a page or a worker can hold); an ego network keeps its centre's links to its co-members. The
# graph lists such clusters in ``graph.graph["cliques_left_out"]``.
MEMBERSHIP_CLIQUE_LIMIT = 500


class UnknownCluster(LookupError):
    """Raised when a cluster slug names no cluster."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"No cluster with the slug {slug!r}.")
        self.slug = slug


def _created_year() -> Case:
    """The year a row was recorded, computed only where its ``since`` is unknown."""
    return Case(When(since__isnull=True, then=ExtractYear("created")), default=None)


def _year(day: date | None, fallback: Any) -> int:
    """The year of ``day``, or of ``fallback`` (a year, date or datetime) when it is unknown."""
    if day is not None:
        return day.year
    return fallback if isinstance(fallback, int) else fallback.year


def _local_year(created: str) -> int:
    """The local year of a timestamp read as text (``Cast(..., CharField())``, UTC, ISO order),
    parsed only near New Year: a time zone moves a moment by less than a day, and parsing every
    row costs more than the rest of an ego network."""
    if created[5:10] not in ("12-31", "01-01"):
        return int(created[:4])
    moment = parse_datetime(created.replace(" ", "T", 1))
    if moment is None:
        return int(created[:4])
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return timezone.localtime(moment).year


def _event_year(start: Any) -> int:
    return timezone.localtime(start).year if timezone.is_aware(start) else start.year


def _id_set(ids: list[int]) -> Any:
    """``ids`` as a subquery with a single parameter, for ``__in`` lookups.

    Django prepares every value of a plain list once per lookup; an ego network repeats its
    few hundred ids in about ten lookups, and that preparation cost more than the queries.
    """
    if connection.vendor == "sqlite":
        return RawSQL(
            "SELECT value FROM json_each(%s)", (json.dumps(ids),), output_field=BigIntegerField()
        )
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,), output_field=BigIntegerField())
    return ids


def _projects_of(ids: Any) -> Any:
    """The ids of the projects ``ids`` apply for or take part in, as a UNION of two index
    lookups. ``applicant IN ids OR partner IN ids`` over the partner join could use neither
    index and read every project and partner row (80 ms of the ego page at national scale)."""
    applied = Project.objects.filter(applicant_id__in=ids).order_by().values("pk")
    partnered = (
        Project.partners.through.objects.filter(organisation_id__in=ids)
        .order_by()
        .values("project_id")
    )
    return applied.union(partnered)


def _published_events() -> Any:
    return Event.objects.filter(status=EventStatus.PUBLISHED)


def _neighbours(ids: set[int], today: date) -> set[int]:
    """Every organisation that shares something with one of ``ids`` (any kind, any year): a
    superset of their neighbours in any filtered graph. Seven queries."""
    found: set[int] = set()
    clusters = Membership.objects.filter(organisation__in=ids).values("cluster_id")
    found.update(
        Membership.objects.filter(cluster__in=clusters)
        .order_by()  # the default order by organisation name joined every organisation
        .values_list("organisation_id", flat=True)
    )
    for source, target in (
        Relation.objects.filter(Q(source__in=ids) | Q(target__in=ids))
        .order_by()
        .values_list("source_id", "target_id")
    ):
        found.update((source, target))
    project_ids = Project.objects.granted().filter(pk__in=_projects_of(ids)).values("pk")
    found.update(
        Project.objects.filter(pk__in=project_ids).order_by().values_list("applicant_id", flat=True)
    )
    found.update(
        Project.partners.through.objects.filter(project__in=project_ids).values_list(
            "organisation_id", flat=True
        )
    )
    run_by = Event.organisers.through.objects.filter(cluster__organisation__in=ids)
    hosted = Event.objects.filter(host__organisation__in=ids).order_by().values("pk")
    event_ids = (
        _published_events()
        .filter(pk__in=run_by.order_by().values("event_id").union(hosted))
        .values("pk")
    )
    found.update(
        Event.organisers.through.objects.filter(event__in=event_ids).values_list(
            "cluster__organisation_id", flat=True
        )
    )
    found.update(
        Event.objects.filter(pk__in=event_ids)
        .order_by()
        .values_list("host__organisation_id", flat=True)
    )
    attended = Registration.objects.filter(
        organisation__in=ids, event__status=EventStatus.PUBLISHED
    ).values("event_id")
    found.update(
        Registration.objects.filter(event__in=attended)
        .order_by()
        .values_list("organisation_id", flat=True)
    )
    found.discard(None)  # type: ignore[arg-type]
    return found


def _ego_candidates(pk: int, radius: int, today: date) -> set[int] | None:
    """The organisations within ``radius`` hops of ``pk`` in the unfiltered graph, or None when
    they exceed :data:`EGO_LOCAL_LIMIT` (then the whole graph is built instead)."""
    seen = {pk}
    frontier = {pk}
    for _hop in range(radius):
        if not frontier:
            break
        frontier = _neighbours(frontier, today) - seen
        seen |= frontier
        if len(seen) > EGO_LOCAL_LIMIT:
            return None
    return seen


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
      start to its end year (an open end runs to today);
    * ``event_coorganisers`` – both run (``Cluster.organisation``) a cluster that organises or
      hosts the same published event, active in the event's year;
    * ``event_attendance`` – both had people at the same published event, active in the
      event's year. An event with check-in data (any registration marked ``attended``) counts
      the organisations of attended registrations; an event without check-in data counts the
      confirmed registrations once it has ended (a future event counts nobody yet).

    An unknown start date falls back to the year the row was recorded. Each edge carries
    ``weight`` (total count of shared things: clusters, relations, projects, events),
    ``weights`` ({kind: count}), ``kinds`` (sorted tuple) and ``years`` (frozenset of years
    active).

    Scope: ``cluster`` limits the nodes to its members, ``focus`` to organisations with that
    focus area or in a cluster with it; edges are those among the remaining nodes.
    ``organisation`` then takes its ego network of ``radius`` hops; without ``cluster`` or
    ``focus`` only that neighbourhood is read from the database (its organisations and the
    links among them), never the whole graph. ``year`` keeps only links active that year,
    ``kinds`` only those kinds. Raises :class:`UnknownCluster` for an unknown cluster slug,
    ``Organisation.DoesNotExist``/``FocusArea.DoesNotExist`` likewise.

    Cost: eight queries whatever the size (plus seven per hop for an ego network).
    Co-membership adds ``n·(n-1)/2`` edges for a cluster of ``n`` members. Above
    :data:`MEMBERSHIP_CLIQUE_LIMIT` members in the graph the clique is left out (an ego network
    keeps the centre's links to its co-members) and ``graph.graph["cliques_left_out"]`` names
    those clusters; below it the clique is kept because it is what the analytics mean by
    "shared membership".
    """
    today = today or timezone.localdate()
    wanted = set(kinds) if kinds is not None else set(EDGE_KINDS)
    unknown = wanted - set(EDGE_KINDS)
    if unknown:
        raise ValueError(f"unknown edge kinds: {', '.join(sorted(unknown))}")

    orgs = Organisation.objects.all()
    node_ids: Any = None
    local = False  # an ego network read from its neighbourhood alone
    centre: int | None = None
    if organisation is not None:
        centre = organisation.pk if isinstance(organisation, Organisation) else organisation
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
    if cluster is not None or focus is not None:
        node_ids = orgs.values("pk").distinct()
    elif centre is not None:
        if not Organisation.objects.filter(pk=centre).exists():
            raise Organisation.DoesNotExist(f"No organisation {centre} in this network.")
        candidates = _ego_candidates(centre, radius, today)
        if candidates is not None:
            local = True
            node_ids = _id_set(sorted(candidates))
            orgs = orgs.filter(pk__in=node_ids)

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
        "cluster_id", "cluster__slug", "organisation_id", "since", _created_year()
    ).order_by("cluster_id", "organisation_id")
    if node_ids is not None:
        memberships = memberships.filter(organisation_id__in=node_ids)
    member_slugs: dict[int, list[str]] = defaultdict(list)
    cliques_left_out: list[str] = []
    graph.graph["cliques_left_out"] = cliques_left_out
    for (_cluster_id, slug), rows in itertools.groupby(memberships, key=lambda r: r[:2]):
        members = [(org, _year(since, created)) for _c, _s, org, since, created in rows]
        for org, _first in members:
            member_slugs[org].append(slug)
        if MEMBERSHIP not in wanted:
            continue
        if len(members) > MEMBERSHIP_CLIQUE_LIMIT:
            cliques_left_out.append(slug)
            first_centre = dict(members).get(centre) if centre is not None else None
            if first_centre is not None:  # the centre's own links to its co-members
                for b, first_b in members:
                    link(centre, b, MEMBERSHIP, max(first_centre, first_b), today.year)
            continue
        for (a, first_a), (b, first_b) in itertools.combinations(members, 2):
            link(a, b, MEMBERSHIP, max(first_a, first_b), today.year)
    for org, slugs in member_slugs.items():
        if org in graph:
            graph.nodes[org]["clusters"] = tuple(sorted(slugs))

    if RELATION in wanted:
        # ``created`` raw, its local year in Python: SQLite's ExtractYear calls back into Python
        # once per row with a time-zone conversion, the slowest part of an ego network.
        relations = Relation.objects.order_by().values_list(
            "source_id", "target_id", "since", Cast("created", CharField())
        )
        if local:
            # The links among the neighbourhood found in the (source, target) index alone, then
            # their rows by key: filtering the rows themselves reads every link of every
            # neighbour, most of which lead outside. ``target_id + 0`` keeps SQLite from probing
            # every pair of ids in that index, ten times slower than a range scan per source.
            among = (
                Relation.objects.alias(
                    target_plain=ExpressionWrapper(
                        F("target_id") + 0, output_field=BigIntegerField()
                    )
                )
                .filter(source_id__in=node_ids, target_plain__in=node_ids)
                .values("pk")
            )
            relations = relations.filter(pk__in=among)
        elif node_ids is not None:
            relations = relations.filter(source__in=node_ids, target__in=node_ids)
        for source, target, since, created in relations:
            if target in graph and source in graph:
                first = since.year if since is not None else _local_year(created)
                link(source, target, RELATION, first, today.year)

    if PROJECT in wanted:
        projects = Project.objects.granted()
        if node_ids is not None:
            projects = projects.filter(pk__in=_projects_of(node_ids))
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
        if node_ids is not None:
            partners = partners.filter(organisation_id__in=node_ids)
        for project_id, org in partners:
            participants[project_id].add(org)
        for pk, orgs_in in participants.items():
            first, last = spans[pk]
            for a, b in itertools.combinations(sorted(orgs_in), 2):
                link(a, b, PROJECT, first, last)

    if EVENT_COORGANISERS in wanted or EVENT_ATTENDANCE in wanted:
        _event_links(link, wanted=wanted, node_ids=node_ids, local=local)

    def edge(found: list[tuple[str, int, int]]) -> dict[str, Any]:
        if len(found) == 1:  # the common case, without the tallying
            kind, first, last = found[0]
            return {
                "weight": 1,
                "weights": {kind: 1},
                "kinds": (kind,),
                "years": frozenset(range(first, last + 1)),
            }
        weights: dict[str, int] = defaultdict(int)
        years: set[int] = set()
        for kind, first, last in found:
            weights[kind] += 1
            years.update(range(first, last + 1))
        return {
            "weight": len(found),
            "weights": dict(sorted(weights.items())),
            "kinds": tuple(sorted(weights)),
            "years": frozenset(years),
        }

    graph.add_edges_from((a, b, edge(found)) for (a, b), found in links.items())

    if centre is not None:
        if centre not in graph:
            raise Organisation.DoesNotExist(f"No organisation {centre} in this network.")
        near = nx.single_source_shortest_path_length(graph, centre, cutoff=radius)
        if len(near) < graph.number_of_nodes():  # in place: a copy costs more than the rest
            graph.remove_nodes_from([node for node in list(graph) if node not in near])
    return graph


def _event_links(link: Any, *, wanted: set[str], node_ids: Any, local: bool) -> None:
    """Add the ``event_coorganisers`` and ``event_attendance`` links of published events
    (three queries)."""
    events = _published_events()
    if local:
        # An ego network: the events touching it from three indexed lookups, not one query
        # joining all three (which SQLite runs far slower).
        touching = set(
            Event.organisers.through.objects.filter(
                cluster__organisation_id__in=node_ids
            ).values_list("event_id", flat=True)
        )
        touching.update(
            Event.objects.filter(host__organisation_id__in=node_ids).values_list("pk", flat=True)
        )
        touching.update(
            Registration.objects.filter(organisation_id__in=node_ids).values_list(
                "event_id", flat=True
            )
        )
        if not touching:
            return
        events = events.filter(pk__in=sorted(touching))
    elif node_ids is not None:
        events = events.filter(
            Q(organisers__organisation__in=node_ids)
            | Q(host__organisation__in=node_ids)
            | Q(registrations__organisation__in=node_ids)
        ).distinct()
    now = timezone.now()
    years: dict[int, int] = {}
    ended: dict[int, bool] = {}
    organisers: dict[int, set[int]] = defaultdict(set)
    for pk, start, end, host_org in events.values_list(
        "pk", "start", "end", "host__organisation_id"
    ):
        years[pk] = _event_year(start)
        ended[pk] = end < now
        if host_org is not None:
            organisers[pk].add(host_org)
    if not years:
        return
    # For an ego network, the few events found rather than their query again: it repeats the
    # neighbourhood's ids three times, and that costs more than the rest.
    event_ids: Any = list(years) if local else events.values("pk")

    if EVENT_COORGANISERS in wanted:
        rows = Event.organisers.through.objects.filter(
            event__in=event_ids, cluster__organisation__isnull=False
        ).values_list("event_id", "cluster__organisation_id")
        for event_id, org in rows:
            organisers[event_id].add(org)
        for event_id, orgs_in in organisers.items():
            for a, b in itertools.combinations(sorted(orgs_in), 2):
                link(a, b, EVENT_COORGANISERS, years[event_id], years[event_id])

    if EVENT_ATTENDANCE in wanted:
        checked_in = Registration.objects.filter(event=OuterRef("event"), attended=True)
        registrations = (
            Registration.objects.filter(event__in=event_ids, organisation__isnull=False)
            .annotate(has_check_in=Exists(checked_in))
            .values_list("event_id", "organisation_id", "attended", "status", "has_check_in")
        )
        if node_ids is not None:
            registrations = registrations.filter(organisation_id__in=node_ids)
        present: dict[int, set[int]] = defaultdict(set)
        for event_id, org, attended, status, has_check_in in registrations:
            if has_check_in:
                counted = attended
            else:
                counted = ended[event_id] and status == RegistrationStatus.CONFIRMED
            if counted:
                present[event_id].add(org)
        for event_id, orgs_in in present.items():
            for a, b in itertools.combinations(sorted(orgs_in), 2):
                link(a, b, EVENT_ATTENDANCE, years[event_id], years[event_id])


def graph_payload(graph: nx.Graph, *, limit: int = 500, keep: Iterable[Any] = ()) -> dict[str, Any]:
    """A JSON-ready ``{"nodes", "edges", "truncated", "total_nodes", "total_edges",
    "cliques_left_out"}``.

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
    kept_set = set(kept)
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
    adjacency = graph.adj
    pairs = sorted(
        (u, v)
        for u in kept_set
        for v in adjacency[u]
        if u < v and v in kept_set  # each undirected edge once, among the kept nodes
    )
    edges = []
    for u, v in pairs:
        data = adjacency[u][v]
        edges.append(
            {
                "source": u,
                "target": v,
                "kinds": list(data["kinds"]),
                "weight": data["weight"],
                "weights": data["weights"],
                "years": sorted(data["years"]),
            }
        )
    return {
        "nodes": nodes,
        "edges": edges,
        "truncated": len(kept) < graph.number_of_nodes(),
        "total_nodes": graph.number_of_nodes(),
        "total_edges": graph.number_of_edges(),
        "cliques_left_out": sorted(graph.graph.get("cliques_left_out", ())),
    }


class BadYears(ValueError):
    """Raised by :func:`change_between` for years out of range or in the wrong order."""


def _in_year(graph: nx.Graph, year: int) -> nx.Graph:
    """All of ``graph``'s nodes with only the edges active in ``year``."""
    view = nx.Graph()
    view.add_nodes_from(graph.nodes(data=True))
    view.add_edges_from((u, v, d) for u, v, d in graph.edges(data=True) if year in d["years"])
    return view


def change_between(
    *,
    first: int,
    last: int,
    cluster: Cluster | str | None = None,
    kinds: Iterable[str] | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """What changed in the network (of ``cluster``, or the whole platform) from year ``first``
    to the later year ``last``: :func:`~samverka.network.services.analytics.change` plus
    ``from``, ``to``, ``cluster`` and ``organisations`` (the names of the organisations listed,
    by id). Builds the graph once. Raises :class:`BadYears` for years outside 1900–2100 or
    ``first`` not before ``last``; :class:`UnknownCluster` for an unknown slug."""
    from samverka.network.services.analytics import change

    for label, value in (("from", first), ("to", last)):
        if not 1900 <= value <= 2100:
            raise BadYears(f"'{label}' must be a year between 1900 and 2100, not {value}.")
    if first >= last:
        raise BadYears(f"'from' ({first}) must be an earlier year than 'to' ({last}).")
    graph = build_graph(cluster=cluster, kinds=kinds, today=today)
    result = change(_in_year(graph, first), _in_year(graph, last))
    mentioned = set(result["nodes_added"]) | set(result["nodes_removed"])
    for pair in result["edges_added"] + result["edges_removed"]:
        mentioned.update(pair)
    slug = cluster.slug if isinstance(cluster, Cluster) else cluster
    return {
        "from": first,
        "to": last,
        "cluster": slug,
        **result,
        "organisations": {
            str(pk): graph.nodes[pk].get("name", "") for pk in sorted(mentioned, key=str)
        },
    }
