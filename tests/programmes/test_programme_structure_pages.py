"""Programme and measure pages: the tree, the money of a measure computed in the database,
exports, and the programme import upload page with its permissions."""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.programmes.enums import FinancierCategory, ProjectStatus
from samverka.programmes.models import FinancingLine, Measure, Programme, Project
from samverka.programmes.services.structure import import_programme

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("programmes:import")
DOCUMENT = {
    "code": "pagetest",
    "name": "Sidprogrammet",
    "period": {"start": 2008, "end": 2010},
    "owner": "Länsstyrelsen Test",
    "goal_deadline_year": 2011,
    "criteria": [
        {"name": "Innovativitet", "weight": 2},
        {"name": "Ungdomsperspektiv", "weight": 1},
    ],
    "priority_areas": [
        {
            "number": 3,
            "name": "Kluster",
            "measures": [
                {
                    "code": "3.4",
                    "name": "Skogsråvara",
                    "purpose": "Förnybara produkter",
                    "measures": [
                        {"code": "3.4a", "name": "Biomassa", "goals": ["Ökat utbud av biomassa"]},
                        {"code": "3.4b", "name": "Skogsindustri"},
                    ],
                },
                {"code": "3.5", "name": "Förnyelsebar energi"},
            ],
        }
    ],
}


@pytest.fixture
def client() -> Client:
    """Pages in English: the assertions use the English source strings."""
    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def programme() -> Programme:
    report = import_programme(io.BytesIO(yaml.safe_dump(DOCUMENT).encode()), filename="p.yaml")
    assert report.ok, report.errors
    return Programme.objects.get(code="pagetest")


def make_project(
    programme: Programme,
    reference: str,
    measures: list[str],
    lines: list[tuple[str, int, int]],
    *,
    status: str = ProjectStatus.RUNNING,
) -> Project:
    applicant = Organisation.objects.create(name=f"Sökande {reference}", helix=Helix.COMPANY)
    financier = Organisation.objects.create(name=f"Finansiär {reference}", helix=Helix.PUBLIC)
    project = Project.objects.create(
        reference=reference,
        programme=programme,
        title=f"Projekt {reference}",
        applicant=applicant,
        status=status,
    )
    project.measures.set(Measure.objects.filter(programme=programme, code__in=measures))
    for year, (category, decided, outcome) in enumerate(lines, start=2008):
        FinancingLine.objects.create(
            project=project,
            financier=financier,
            category=category,
            year=year,
            decided_sek=decided,
            outcome_sek=outcome,
        )
    return project


@pytest.fixture
def projects(programme: Programme) -> list[Project]:
    return [
        make_project(
            programme,
            "P-1",
            ["3.4a"],
            [
                (FinancierCategory.STATE, 600_000, 500_000),
                (FinancierCategory.PRIVATE, 400_000, 300_000),
            ],
        ),
        # In two sub-measures of 3.4: counts once on the page of 3.4.
        make_project(
            programme,
            "P-2",
            ["3.4a", "3.4b"],
            [(FinancierCategory.EU, 1_000_000, 0), (FinancierCategory.PRIVATE, 0, 200_000)],
        ),
        # Not granted: never counted.
        make_project(
            programme,
            "P-3",
            ["3.4a"],
            [(FinancierCategory.PRIVATE, 9_000_000, 9_000_000)],
            status=ProjectStatus.SUBMITTED,
        ),
    ]


def test_programme_list_links_programme(client: Client, programme: Programme) -> None:
    response = client.get(reverse("programmes:programmes"))

    html = response.content.decode()
    assert f'href="{programme.get_absolute_url()}"' in html
    assert "1 priority area" in html
    assert "4 measures" in html


def test_programme_page_shows_tree_and_criteria(
    client: Client, programme: Programme, projects: list[Project]
) -> None:
    response = client.get(programme.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Priority area 3: Kluster" in html
    for code in ("3.4", "3.4a", "3.4b", "3.5"):
        assert f'href="/programmes/pagetest/measures/{code}/"' in html
    # 3.4a and 3.4b are nested inside 3.4's list item.
    assert html.index("3.4a") > html.index("Skogsråvara") < html.index("3.4b")
    assert "Innovativitet</td><td>2</td>" in html
    assert "1 goal" in html


def test_programme_page_query_count_does_not_grow_with_measures(
    client: Client, programme: Programme, projects: list[Project]
) -> None:
    with CaptureQueriesContext(connection) as small:
        client.get(programme.get_absolute_url())
    area = programme.priority_areas.get()
    for n in range(10):
        Measure.objects.create(programme=programme, priority_area=area, code=f"9.{n}", name="x")

    with CaptureQueriesContext(connection) as large:
        client.get(programme.get_absolute_url())

    assert len(large) == len(small)


def test_measure_page_shows_amounts_and_private_share(
    client: Client, programme: Programme, projects: list[Project]
) -> None:
    response = client.get(reverse("programmes:measure", args=["pagetest", "3.4"]))

    figures = response.context["figures"]
    # P-1 and P-2 (once, though in both 3.4a and 3.4b); P-3 is not granted.
    assert (figures.granted_sek, figures.outcome_sek) == (2_000_000, 1_000_000)
    assert (figures.private_granted_sek, figures.private_outcome_sek) == (400_000, 500_000)
    assert figures.private_share == 0.5
    assert [p.reference for p in response.context["projects"]] == ["P-1", "P-2"]
    html = response.content.decode()
    assert "50.0 %" in html
    assert "Sökande P-1" in html
    assert "P-3" not in html


def test_measure_page_private_share_of_granted_without_outcome(
    client: Client, programme: Programme
) -> None:
    make_project(
        programme,
        "P-9",
        ["3.5"],
        [(FinancierCategory.STATE, 750_000, 0), (FinancierCategory.PRIVATE, 250_000, 0)],
    )

    response = client.get(reverse("programmes:measure", args=["pagetest", "3.5"]))

    figures = response.context["figures"]
    assert (figures.share_basis, figures.private_share) == ("granted", 0.25)


def test_measure_page_goals_with_deadline(client: Client, programme: Programme) -> None:
    response = client.get(reverse("programmes:measure", args=["pagetest", "3.4a"]))

    html = response.content.decode()
    assert "Ökat utbud av biomassa" in html
    assert "by 2011" in html


def test_measure_page_query_count_does_not_grow_with_projects(
    client: Client, programme: Programme, projects: list[Project]
) -> None:
    url = reverse("programmes:measure", args=["pagetest", "3.4"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        make_project(programme, f"Q-{n}", ["3.4b"], [(FinancierCategory.STATE, 1, 1)])

    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)


def test_measure_page_unknown_measure_is_404(client: Client, programme: Programme) -> None:
    response = client.get(reverse("programmes:measure", args=["pagetest", "9.9"]))

    assert response.status_code == 404


def test_programme_export_csv_lists_measure_tree(
    client: Client, programme: Programme, projects: list[Project]
) -> None:
    response = client.get(programme.get_absolute_url(), {"export": "csv"})

    lines = response.content.decode("utf-8-sig").splitlines()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert lines[0].startswith("Priority area;Priority area name;Measure;")
    assert lines[1:] == [
        "3;Kluster;3.4;Skogsråvara;;0;0;0;0",
        "3;Kluster;3.4a;Biomassa;3.4;1;2;2000000;1000000",
        "3;Kluster;3.4b;Skogsindustri;3.4;0;1;1000000;200000",
        "3;Kluster;3.5;Förnyelsebar energi;;0;0;0;0",
    ]


def test_measure_export_xlsx_lists_projects(
    client: Client, programme: Programme, projects: list[Project]
) -> None:
    response = client.get(
        reverse("programmes:measure", args=["pagetest", "3.4a"]), {"export": "xlsx"}
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Reference"
    assert rows[1:] == [
        ("P-1", "Projekt P-1", "Sökande P-1", "running", 1_000_000, 800_000, 300_000),
        ("P-2", "Projekt P-2", "Sökande P-2", "running", 1_000_000, 200_000, 200_000),
    ]


def upload(client: Client, document: Any, name: str = "programme.yaml", **data: Any) -> Any:
    content = yaml.safe_dump(document, allow_unicode=True).encode("utf-8")
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content), **data})


def test_import_page_anonymous_is_redirected_to_login(client: Client) -> None:
    response = upload(client, DOCUMENT)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={IMPORT_URL}"
    assert Programme.objects.count() == 0


def test_import_page_member_is_forbidden(
    client: Client, member_user: tuple[User, Organisation]
) -> None:
    client.force_login(member_user[0])

    get_response = client.get(IMPORT_URL)
    post_response = upload(client, DOCUMENT)

    assert (get_response.status_code, post_response.status_code) == (403, 403)
    assert Programme.objects.count() == 0


def test_import_page_officer_imports_and_is_redirected(client: Client, make_user: Any) -> None:
    client.force_login(make_user(role="programme_officer"))

    response = upload(client, DOCUMENT)

    assert response.status_code == 302
    assert response["Location"] == "/programmes/pagetest/"
    assert Programme.objects.get().measures.count() == 4


def test_import_page_shows_path_named_errors(client: Client, make_user: Any) -> None:
    client.force_login(make_user(role="programme_officer"))
    document = yaml.safe_load(yaml.safe_dump(DOCUMENT))
    del document["priority_areas"][0]["measures"][1]["code"]

    response = upload(client, document)

    html = response.content.decode()
    assert response.status_code == 400
    assert "<code>priority_areas[0].measures[1].code</code>" in html
    assert "Nothing imported: the document has 1 problem." in html
    assert Programme.objects.count() == 0


def test_import_page_refuses_other_file_types(client: Client, make_user: Any) -> None:
    client.force_login(make_user(role="programme_officer"))

    response = upload(client, DOCUMENT, name="programme.csv")

    assert response.status_code == 200
    assert "Upload a .yaml, .yml or .json file." in response.content.decode()
    assert Programme.objects.count() == 0


def test_demo_programme_pages_render(client: Client) -> None:
    from samverka.programmes.demo import load_programme_demo

    load_programme_demo()

    tree = client.get(reverse("programmes:programme", args=["rtp-vasternorrland-2008-2010"]))
    measure = client.get(
        reverse("programmes:measure", args=["rtp-vasternorrland-2008-2010", "3.4b"])
    )

    assert tree.status_code == measure.status_code == 200
    assert (
        tree.content.decode().count('href="/programmes/rtp-vasternorrland-2008-2010/measures/')
        == 20
    )
    assert "Ökat fiberutbyte (minskat åtgångstal) i industrin med 8-10 procent" in (
        measure.content.decode()
    )


def test_admin_pages_render(client: Client, make_user: Any, programme: Programme) -> None:
    client.force_login(make_user(role="platform_admin_superuser"))
    measure = programme.measures.get(code="3.4")

    pages = [
        reverse("admin:programmes_programme_change", args=[programme.pk]),
        reverse("admin:programmes_measure_change", args=[measure.pk]),
        reverse("admin:programmes_project_add"),
        reverse("admin:programmes_assessment_add"),
        reverse("admin:programmes_measuregoal_changelist"),
    ]

    assert [client.get(url).status_code for url in pages] == [200] * len(pages)
