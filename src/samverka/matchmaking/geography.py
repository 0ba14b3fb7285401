"""County neighbours: counties that share a stretch of land boundary, derived once from the
shipped county boundaries into ``data/county_adjacency.json`` (``samverka county_adjacency``)."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path

from samverka.core.charts import GEO_DIR

ADJACENCY_FILE = Path(__file__).resolve().parent / "data" / "county_adjacency.json"


def compute_adjacency(geojson: Path | None = None, *, min_shared: int = 2) -> dict[str, list[str]]:
    """County code → codes of the counties sharing at least ``min_shared`` boundary vertices
    with it (the boundaries are simplified topologically, so neighbours share exact vertices;
    one shared vertex is a corner where several counties meet, not a common border)."""
    with (geojson or GEO_DIR / "counties.geojson").open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    vertices: dict[str, set[tuple[float, float]]] = {}
    for feature in features:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        vertices[feature["properties"]["code"]] = {
            (round(x, 5), round(y, 5)) for polygon in polygons for ring in polygon for x, y in ring
        }
    adjacency: dict[str, list[str]] = {code: [] for code in sorted(vertices)}
    for a, b in itertools.combinations(sorted(vertices), 2):
        if len(vertices[a] & vertices[b]) >= min_shared:
            adjacency[a].append(b)
            adjacency[b].append(a)
    return adjacency


def write_adjacency(path: Path = ADJACENCY_FILE) -> dict[str, list[str]]:
    adjacency = compute_adjacency()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(adjacency, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    neighbours.cache_clear()
    return adjacency


@cache
def neighbours() -> dict[str, frozenset[str]]:
    """County code → neighbouring county codes (from the data file)."""
    data = json.loads(ADJACENCY_FILE.read_text(encoding="utf-8"))
    return {code: frozenset(codes) for code, codes in data.items()}
