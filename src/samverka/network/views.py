"""Pages of the actor network: the interactive view of a cluster's network or of one
organisation's ego network, with the analytics as a table (the no-JS view) and exports."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import networkx as nx
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.clusters.models import Cluster
from samverka.core.exports import FORMATS, table_response
from samverka.network import exports
from samverka.network.api import GRAPH_NODE_LIMIT
from samverka.network.services import EDGE_KINDS, build_graph, graph_payload, stats
from samverka.network.services.graph import MEMBERSHIP_CLIQUE_LIMIT

# Nodes sent to the browser at most (the best connected first), the same cap as the API that
# the filters re-fetch from; the table and the exports hold all.
DRAW_LIMIT = GRAPH_NODE_LIMIT
# Rows of the analytics table shown on the page; the CSV/XLSX export holds every row.
TABLE_ROWS = 100
# The pages answer within a fraction of a second: above these sizes they sample betweenness and
# use label propagation for communities, and say so (the CLI and API stay exact up to 10,000).
# (Exact betweenness of a 626-organisation ego network took 55 ms more than 64 sampled sources
# on the loaded 2-core benchmark machine, a quarter of the page's 200 ms budget.)
PAGE_STATS = {"exact_threshold": 500, "k": 64}
EDGE_KIND_LABELS = {
    "membership": gettext_lazy("shared cluster membership"),
    "relation": gettext_lazy("explicit relation"),
    "project": gettext_lazy("shared project"),
    "event_coorganisers": gettext_lazy("co-organised event"),
    "event_attendance": gettext_lazy("attended the same event"),
}


def _graph_file(writer: Callable[[nx.Graph, Any], None]) -> Callable[[nx.Graph], bytes]:
    def render_file(graph: nx.Graph) -> bytes:
        buffer = io.BytesIO()
        writer(graph, buffer)
        return buffer.getvalue()

    return render_file


GRAPH_EXPORTS: dict[str, tuple[str, str, Callable[[nx.Graph], bytes]]] = {
    "gexf": ("gexf", "application/gexf+xml", _graph_file(exports.write_gexf)),
    "graphml": ("graphml", "application/graphml+xml", _graph_file(exports.write_graphml)),
    "nodes": ("nodes.csv", "text/csv; charset=utf-8", exports.nodes_csv),
    "edges": ("edges.csv", "text/csv; charset=utf-8", exports.edges_csv),
}


def _filters(request: HttpRequest) -> tuple[int | None, list[str]]:
    """The ``year`` and ``kind`` filters from the query string (bad values are ignored)."""
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and 1900 <= int(raw_year) <= 2100 else None
    kinds = [k for k in request.GET.getlist("kind") if k in EDGE_KINDS]
    return year, kinds or list(EDGE_KINDS)


def _analytics_rows(graph: nx.Graph, figures: dict[str, Any]) -> list[dict[str, Any]]:
    brokers = {b["id"]: b for b in figures["top_brokers"]}
    helix_labels = dict(Helix.choices)
    return [
        {
            "id": row["id"],
            "name": row["organisation"],
            "helix": helix_labels.get(graph.nodes[row["id"]].get("helix", ""), ""),
            "degree": graph.degree(row["id"]),
            "degree_centrality": row["degree_centrality"],
            "betweenness": brokers[row["id"]]["betweenness"] if row["id"] in brokers else None,
            "articulation_point": brokers.get(row["id"], {}).get("articulation_point", False),
        }
        for row in figures["top_degree"]
    ]


def _table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's rows with their link and figures formatted here, once, rather than by
    per-row tags and filters in the template (the page's slowest part after the graph)."""
    return [
        r
        | {
            "url": reverse("network:organisation", args=[r["id"]]),
            "helix": capfirst(r["helix"]),
            "degree_centrality": floatformat(r["degree_centrality"], 3),
            "betweenness": (
                floatformat(r["betweenness"], 3) if r["betweenness"] is not None else "–"
            ),
        }
        for r in rows
    ]


def _network_page(
    request: HttpRequest,
    *,
    graph: nx.Graph,
    filename: str,
    api_url: str,
    context: dict[str, Any],
    keep: tuple[int, ...] = (),
) -> HttpResponse:
    export = request.GET.get("export", "")
    if export in GRAPH_EXPORTS:
        suffix, content_type, make = GRAPH_EXPORTS[export]
        response = HttpResponse(make(graph), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}.{suffix}"'
        return response
    figures = stats(graph, top=max(graph.number_of_nodes(), 1), cluster_shares=False, **PAGE_STATS)
    rows = _analytics_rows(graph, figures)
    if export in FORMATS:
        headers = [
            _("Organisation"),
            _("Helix type"),
            _("Links"),
            _("Degree centrality"),
            _("Betweenness (brokers between helix types)"),
            _("Articulation point"),
        ]
        return table_response(
            headers,
            (
                [
                    r["name"],
                    r["helix"],
                    r["degree"],
                    r["degree_centrality"],
                    r["betweenness"],
                    _("yes") if r["articulation_point"] else "",
                ]
                for r in rows
            ),
            fmt=export,
            filename=f"{filename}-analytics",
        )
    year, kinds = _filters(request)
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("fragment", None)
    context |= {
        "figures": figures,
        "rows": _table_rows(rows[:TABLE_ROWS]),
        "rows_hidden": max(len(rows) - TABLE_ROWS, 0),
        "query": query.urlencode(),
    }
    if request.GET.get("fragment") == "analytics":
        # The figures and table alone, for the filters to swap in without a reload.
        return render(request, "network/_analytics.html", context)
    payload = graph_payload(graph, limit=DRAW_LIMIT, keep=keep)
    context |= {
        "payload": payload,
        "shown": len(payload["nodes"]),
        "view_data": {
            "api": api_url,
            "limit": DRAW_LIMIT,
            "payload": payload,
            "ego": reverse("network:organisation", args=[0]),
        },
        "helix": Helix.choices,
        "clique_limit": MEMBERSHIP_CLIQUE_LIMIT,
        "kinds": [(k, EDGE_KIND_LABELS.get(k, k), k in kinds) for k in EDGE_KINDS],
        "year": year,
        "years": range(timezone.localdate().year, 1999, -1),
    }
    return render(request, "network/network.html", context)


@require_GET
def cluster_network(request: HttpRequest, slug: str) -> HttpResponse:
    """The network among a cluster's members (public, like the member list)."""
    cluster = get_object_or_404(Cluster, slug=slug)
    year, kinds = _filters(request)
    graph = build_graph(cluster=cluster, year=year, kinds=kinds)
    return _network_page(
        request,
        graph=graph,
        filename=f"{cluster.slug}-network",
        api_url=f"/api/v1/network/clusters/{cluster.slug}/graph",
        context={"title": _("Network of %(name)s") % {"name": cluster.name}, "cluster": cluster},
    )


@require_GET
def organisation_network(request: HttpRequest, pk: int) -> HttpResponse:
    """One organisation's ego network: its direct partners and the links among them."""
    organisation = get_object_or_404(Organisation, pk=pk)
    year, kinds = _filters(request)
    graph = build_graph(organisation=organisation, radius=1, year=year, kinds=kinds)
    return _network_page(
        request,
        graph=graph,
        filename=f"organisation-{organisation.pk}-network",
        api_url=f"/api/v1/network/organisations/{organisation.pk}/ego",
        keep=(organisation.pk,),
        context={
            "title": _("Network of %(name)s") % {"name": organisation.name},
            "organisation": organisation,
        },
    )
