"""Demo data of the events app (loaded by ``samverka demo``; idempotent)."""

from __future__ import annotations

from typing import TextIO


def load_events_demo(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Load the events demo data; a second run writes nothing. Returns counts."""
    return {}
