"""The areas API: counties and municipalities with their official codes."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from samverka.geo.models import Area

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj: Area) -> str | None:
        return obj.parent.code if obj.parent_id else None


@router.get("/areas", response=list[AreaOut], summary="Counties and municipalities")
def list_areas(
    request: HttpRequest,
    kind: Literal["nation", "county", "municipality"] | None = None,
    county: str | None = None,
) -> Any:
    """``kind`` narrows to one level; ``county`` (a county code) to the municipalities in it.
    ``parent`` is the code of the county a municipality lies in."""
    areas = Area.objects.select_related("parent")
    if kind:
        areas = areas.filter(kind=kind)
    if county:
        areas = areas.in_county(county)
    return list(areas)
