"""Demo programmes, loaded through the programme import from YAML files in ``data/``:
RTP Västernorrland 2008-2010 (seed 004) and the focus areas of the Jämtland Härjedalen regional
innovation strategy (seed 002). Idempotent: importing the same file again changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from samverka.programmes.models import Programme
from samverka.programmes.services.structure import import_programme

DATA = Path(__file__).resolve().parent / "data"
DEMO_FILES = ("rtp-vasternorrland-2008-2010.yaml", "ris-jamtland-harjedalen-2025.yaml")


def load_programme_demo(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Import the demo programmes and mark them as demo data; return counts of what was
    created, updated and left unchanged. Raises ValueError if a demo file does not import."""
    counts = {"programmes": 0, "created": 0, "updated": 0, "unchanged": 0}
    for name in DEMO_FILES:
        path = DATA / name
        with path.open("rb") as handle:
            report = import_programme(handle, filename=name)
        if not report.ok:
            problems = "; ".join([report.file_error, *map(str, report.errors)]).strip("; ")
            raise ValueError(f"{name}: {problems}")
        Programme.objects.filter(code=report.programme_code).update(is_demo=True)
        counts["programmes"] += 1
        for key in ("created", "updated", "unchanged"):
            counts[key] += getattr(report, key)
        if stdout is not None:
            stdout.write(f"{name}: {report.summary()}\n")
    return counts
