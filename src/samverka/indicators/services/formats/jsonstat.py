"""JSON-stat 2.0 datasets, the output of Statistics Sweden's PxWebApi v2 (``json-stat2``), and
JSON-stat 1.x bundles (``{"name": {"dimension": {"id": [...], "size": [...], "role": ...}}}``, as
Eurostat's and the CSO's older services publish them): their dataset is read the same way."""

from __future__ import annotations

from typing import Any

from samverka.indicators.services.formats import Cube, Dimension, FormatError


def _ordered_codes(category: dict[str, Any]) -> list[str]:
    index = category.get("index")
    labels = category.get("label") or {}
    if index is None:
        return list(labels)
    if isinstance(index, list):
        return [str(code) for code in index]
    if isinstance(index, dict):
        return [code for code, _ in sorted(index.items(), key=lambda item: item[1])]
    raise FormatError("category.index is neither an array nor an object")


def parse_jsonstat(document: Any) -> Cube:
    """Read a JSON-stat 2.0 dataset (or the first of a bundle) into a Cube; raises FormatError
    for anything else, also for a document whose parts have the wrong types."""
    try:
        return _parse(document)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        # A part of the wrong type (a string where an object belongs, an index mixing numbers
        # and text): the dataset is malformed, which is a report, not a crash.
        raise FormatError(
            f"not a JSON-stat 2.0 dataset: a part has the wrong type ({exc})"
        ) from exc


def _parse(document: Any) -> Cube:
    if not isinstance(document, dict):
        raise FormatError("a JSON-stat dataset is an object")
    if document.get("class") != "dataset" and "dimension" not in document:
        datasets = [v for v in document.values() if isinstance(v, dict) and "dimension" in v]
        if not datasets:
            raise FormatError("no JSON-stat dataset (class 'dataset' with 'dimension') found")
        document = datasets[0]
    dims_part = document.get("dimension")
    if "id" not in document and isinstance(dims_part, dict) and "id" in dims_part:
        # JSON-stat 1.x: id, size and role live inside "dimension".
        document = {
            **document,
            "id": dims_part["id"],
            "size": dims_part["size"],
            "role": dims_part.get("role") or {},
        }
    try:
        ids = [str(i) for i in document["id"]]
        sizes = [int(s) for s in document["size"]]
        dims = document["dimension"]
        values = document["value"]
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"not a JSON-stat 2.0 dataset: missing {exc}") from exc
    if len(ids) != len(sizes):
        raise FormatError("'id' and 'size' differ in length")
    roles: dict[str, str] = {}
    for role, members in (document.get("role") or {}).items():
        for member in members or []:
            roles[member] = role
    dimensions = []
    for dim_id, size in zip(ids, sizes, strict=True):
        dim = dims.get(dim_id)
        if not isinstance(dim, dict) or "category" not in dim:
            raise FormatError(f"dimension {dim_id!r} is missing or has no category")
        codes = _ordered_codes(dim["category"])
        if len(codes) != size:
            raise FormatError(f"dimension {dim_id!r} has {len(codes)} categories, size says {size}")
        labels_by_code = dim["category"].get("label") or {}
        labels = [str(labels_by_code.get(code, code)) for code in codes]
        dimensions.append(
            Dimension(dim_id, str(dim.get("label") or dim_id), codes, labels, roles.get(dim_id, ""))
        )
    extension = (document.get("extension") or {}).get("px") or {}
    cube = Cube(
        table_id=str(extension.get("tableid") or extension.get("matrix") or ""),
        title=str(document.get("label") or ""),
        dimensions=dimensions,
        values=values,
        statuses=document.get("status"),
        contents=str(extension.get("contents") or ""),
    )
    if isinstance(values, list) and len(values) != cube.size:
        raise FormatError(f"'value' holds {len(values)} figures but 'size' gives {cube.size}")
    if not isinstance(values, (list, dict)):
        raise FormatError("'value' is neither an array nor an object")
    for dimension in dimensions:
        if dimension.role != "metric":
            continue
        units = dims[dimension.code]["category"].get("unit") or {}
        for code in dimension.codes:
            unit = units.get(code) or {}
            label = unit.get("label") if isinstance(unit, dict) else None
            if label:
                cube.units_by_content[code] = str(label)
    return cube
