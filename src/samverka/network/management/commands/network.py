"""``samverka network stats`` and ``samverka network export``: the actor network from the shell."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.network import exports, services


class Command(BaseCommand):
    help = "Analytics and exports of the actor network (organisations linked by shared data)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        stats = actions.add_parser("stats", help="Print the network analytics.")
        stats.add_argument("--cluster", help="Only the members of the cluster with this slug.")
        stats.add_argument("--year", type=int, help="Only links active in this year.")
        stats.add_argument(
            "--kind", action="append", choices=services.EDGE_KINDS, help="Edge kinds (repeat)."
        )
        stats.add_argument("--seed", type=int, default=42, help="Seed for sampling and Louvain.")
        stats.add_argument("--format", choices=["json", "text"], default="text")
        change = actions.add_parser("change", help="What changed between two years.")
        change.add_argument("--from", dest="first", type=int, required=True, help="Earlier year.")
        change.add_argument("--to", dest="last", type=int, required=True, help="Later year.")
        change.add_argument("--cluster", help="Only the members of the cluster with this slug.")
        change.add_argument(
            "--kind", action="append", choices=services.EDGE_KINDS, help="Edge kinds (repeat)."
        )
        change.add_argument("--format", choices=["json", "text"], default="text")
        export = actions.add_parser("export", help="Write the network to a file.")
        export.add_argument("--cluster", help="Only the members of the cluster with this slug.")
        export.add_argument("--year", type=int, help="Only links active in this year.")
        export.add_argument(
            "--kind", action="append", choices=services.EDGE_KINDS, help="Edge kinds (repeat)."
        )
        export.add_argument(
            "--format",
            choices=sorted(exports.WRITERS),
            required=True,
            help="gexf or graphml (for Gephi), csv (a zip of nodes.csv and edges.csv).",
        )
        export.add_argument("--output", required=True, help="The file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "change":
            self.change(options)
            return
        try:
            graph = services.build_graph(
                cluster=options["cluster"], year=options["year"], kinds=options["kind"]
            )
        except services.UnknownCluster as error:
            raise CommandError(str(error), returncode=2) from error
        if options["action"] == "export":
            exports.WRITERS[options["format"]](graph, options["output"])
            self.stdout.write(
                f"Wrote {graph.number_of_nodes()} organisations and "
                f"{graph.number_of_edges()} links to {options['output']}."
            )
            return
        result = services.stats(graph, seed=options["seed"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(self.as_text(result))

    def change(self, options: dict[str, Any]) -> None:
        try:
            result = services.change_between(
                first=options["first"],
                last=options["last"],
                cluster=options["cluster"],
                kinds=options["kind"],
            )
        except (services.BadYears, services.UnknownCluster) as error:
            raise CommandError(str(error), returncode=2) from error
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        names = result["organisations"]
        (nodes_a, nodes_b), (edges_a, edges_b) = result["nodes"], result["edges"]
        lines = [
            f"From {result['from']} to {result['to']}"
            + (f" in {result['cluster']}" if result["cluster"] else "")
            + ":",
            f"Active organisations: {nodes_a} -> {nodes_b}",
            f"Links:                {edges_a} -> {edges_b}",
            f"Organisations added ({len(result['nodes_added'])}): "
            + ", ".join(names[str(pk)] for pk in result["nodes_added"]),
            f"Organisations gone ({len(result['nodes_removed'])}): "
            + ", ".join(names[str(pk)] for pk in result["nodes_removed"]),
            f"Links added: {len(result['edges_added'])}, links gone: "
            f"{len(result['edges_removed'])}",
        ]
        self.stdout.write("\n".join(lines))

    @staticmethod
    def as_text(result: dict[str, Any]) -> str:
        lines = [
            f"Organisations:      {result['nodes']}",
            f"Links:              {result['edges']}",
            f"Components:         {result['components']}",
            f"Density:            {result['density']}",
            f"Communities:        {result['communities']} ({result['community_method']})",
            f"Cross-helix share:  {result['cross_helix_share']}",
            f"Isolated:           {result['isolated']['count']}",
            f"Betweenness:        {result['betweenness']}",
            "Top brokers between helix types:",
        ]
        lines += [
            f"  {b['betweenness']:.4f}  {b['organisation']} ({b['helix']})"
            + ("  [articulation point]" if b["articulation_point"] else "")
            for b in result["top_brokers"]
        ]
        if result["clusters"]:
            lines.append("Cross-helix share per cluster:")
            lines += [
                f"  {c['cross_helix_share']:.3f}  {c['cluster']} ({c['edges']} links)"
                for c in result["clusters"]
            ]
        return "\n".join(lines)
