"""The API's JSON parser: refuses text that no column can store."""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from ninja.parser import Parser
from ninja.types import DictStrAny


def _check_text(value: Any) -> None:
    """Raise ValueError on a string (or key) holding a lone surrogate (``"\\ud800"``: valid JSON,
    but not encodable as UTF-8) or a NUL character (PostgreSQL cannot store it)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError("NUL character in a string")
            item.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class StrictJSONParser(Parser):
    """ninja answers 400 ("Cannot parse request body") when ``parse_body`` raises, so a body
    with such text is refused before validation instead of failing in the database (500)."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = json.loads(request.body)
        _check_text(data)
        return cast(DictStrAny, data)
