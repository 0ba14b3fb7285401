"""Loading the shipped regional division (see geo/data/SOURCES.md)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"
NATION_NAME = "Riket"


def read_rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def load_geography(area_model: type | None = None) -> dict[str, int]:
    """Create or update the nation, counties and municipalities; safe to run again.

    ``area_model`` lets a data migration pass its historical model.
    """
    from samverka.geo.models import NATION_CODE, AreaKind

    if area_model is None:
        from samverka.geo.models import Area as area_model

    nation, _ = area_model.objects.update_or_create(
        code=NATION_CODE, defaults={"name": NATION_NAME, "kind": AreaKind.NATION, "parent": None}
    )
    counties = {}
    for row in read_rows("counties.csv"):
        counties[row["code"]], _ = area_model.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "kind": AreaKind.COUNTY, "parent": nation},
        )
    municipalities = 0
    for row in read_rows("municipalities.csv"):
        area_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": AreaKind.MUNICIPALITY,
                "parent": counties[row["county_code"]],
            },
        )
        municipalities += 1
    return {"nation": 1, "counties": len(counties), "municipalities": municipalities}
