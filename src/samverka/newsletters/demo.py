"""Demo data of the newsletters app (loaded by ``samverka demo``; idempotent)."""

from __future__ import annotations

from typing import TextIO


def load_newsletters_demo(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Load the newsletters demo data; a second run writes nothing. Returns counts."""
    return {}
