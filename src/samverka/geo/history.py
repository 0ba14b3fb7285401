"""Municipality and county codes Statistics Sweden has changed since 1990 (``data/
code_changes.csv``, see ``data/SOURCES.md``): tables over older years use the code of their
time, which is mapped to today's code where it names the same area, and refused with a reason
where it does not."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "code_changes.csv"


@dataclass(frozen=True)
class CodeChange:
    """One row of the table: ``old_code`` became ``new_code`` (empty: cannot be mapped) on
    1 January ``year``."""

    old_code: str
    new_code: str
    level: str
    year: int
    change: str
    note: str


@cache
def changes() -> tuple[CodeChange, ...]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return tuple(
            CodeChange(
                row["old_code"],
                row["new_code"],
                row["level"],
                int(row["year"]),
                row["change"],
                row["note"],
            )
            for row in csv.DictReader(handle)
        )


def replacement(code: str) -> CodeChange | None:
    """The change that retired ``code`` (moved, renumbered or merged), or None."""
    for change in changes():
        if change.old_code == code and change.change in {"moved", "renumbered", "merged"}:
            return change
    return None


def reused_before(code: str) -> CodeChange | None:
    """The change after which ``code`` names a larger area than before, or None."""
    for change in changes():
        if change.old_code == code and change.change == "reused":
            return change
    return None


def splits() -> list[CodeChange]:
    """Municipalities split off since 1990 (the old code stays in use)."""
    return [change for change in changes() if change.change == "split"]
