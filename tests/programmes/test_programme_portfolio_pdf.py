"""The portfolio report as PDF, from the page and from the command line."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from samverka.programmes.demo import load_programme_demo
from samverka.programmes.demo_projects import PROGRAMME_CODE, load_demo_projects

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed"),
]


def _weasyprint_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


@pytest.fixture
def demo() -> None:
    if not _weasyprint_available():
        pytest.skip("WeasyPrint cannot load Pango here")
    load_programme_demo()
    load_demo_projects()


def _pdf_text(data: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(data)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout


def test_portfolio_pdf_page_lists_every_municipality_with_amounts(
    client: Client, demo: None
) -> None:
    response = client.get(
        f"/programmes/{PROGRAMME_CODE}/reports/portfolio/?by=municipality&export=pdf",
        headers={"Accept-Language": "sv"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    for name in [
        "Ånge",
        "Timrå",
        "Härnösand",
        "Sundsvall",
        "Kramfors",
        "Sollefteå",
        "Örnsköldsvik",
    ]:
        assert name in text
    assert "Projektportfölj: Regionalt tillväxtprogram för Västernorrland 2008–2010" in text


def test_portfolio_pdf_from_the_command_matches_the_json_totals(demo: None) -> None:
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "report", "portfolio", "--programme", PROGRAMME_CODE, "--format", "json", stdout=out
        )
    import json

    rows = json.loads(out.getvalue())["rows"]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "portfolio.pdf"
        with translation.override("en"):
            call_command(
                "report",
                "portfolio",
                "--programme",
                PROGRAMME_CODE,
                "--format",
                "pdf",
                "--output",
                str(target),
            )
        text = _pdf_text(target.read_bytes())
    first = next(r for r in rows if r["projects"])
    # Amounts are printed with thousands separators: compare digits only.
    assert str(first["granted_sek"]) in text.replace(",", "").replace("\u00a0", "").replace(" ", "")
