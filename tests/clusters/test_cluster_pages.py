"""The public cluster directory and profile: filters, htmx partials, exports, language."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from samverka.actors.enums import Helix
from samverka.actors.models import FocusArea, Organisation
from samverka.clusters.models import Cluster, Membership
from samverka.core.models import AuditEntry
from samverka.geo.models import Area

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("clusters:directory")


@pytest.fixture
def clusters(make_cluster: Callable[..., Cluster], focus_area: FocusArea) -> dict[str, Cluster]:
    jamtland = make_cluster("Grönt Center Test", county="23", slug="gront", summary="Jämtland")
    jamtland.focus_areas.add(focus_area)
    skane = make_cluster("Skånekluster Test", county="12", slug="skane")
    return {"jamtland": jamtland, "skane": skane}


def names(response: object) -> list[str]:
    return [c.name for c in response.context["clusters"]]  # type: ignore[attr-defined]


def test_directory_lists_clusters(client: Client, clusters: dict[str, Cluster]) -> None:
    response = client.get(DIRECTORY)

    assert response.status_code == 200
    assert names(response) == ["Grönt Center Test", "Skånekluster Test"]
    html = response.content.decode()
    assert 'href="/clusters/gront/"' in html
    assert 'href="/clusters/skane/"' in html


def test_directory_filters_by_county(client: Client, clusters: dict[str, Cluster]) -> None:
    response = client.get(DIRECTORY, {"county": "12"})

    assert names(response) == ["Skånekluster Test"]
    assert "Grönt Center Test" not in response.content.decode()


def test_directory_filters_by_focus_and_name(client: Client, clusters: dict[str, Cluster]) -> None:
    assert names(client.get(DIRECTORY, {"focus": "vallodling"})) == ["Grönt Center Test"]
    assert names(client.get(DIRECTORY, {"q": "skåne"})) == ["Skånekluster Test"]
    assert names(client.get(DIRECTORY, {"q": "nothing like it"})) == []


def test_directory_query_count_does_not_grow(
    client: Client,
    make_cluster: Callable[..., Cluster],
    focus_area: FocusArea,
    django_assert_max_num_queries: Any,
) -> None:
    make_cluster(members=1).focus_areas.add(focus_area)
    client.get(DIRECTORY)
    with CaptureQueriesContext(connection) as few:
        client.get(DIRECTORY)
    for n in range(10):
        make_cluster(county="12" if n % 2 else "23", members=2).focus_areas.add(focus_area)

    with django_assert_max_num_queries(len(few)):
        response = client.get(DIRECTORY)

    assert len(names(response)) == 11


def test_directory_htmx_request_gets_only_results_partial(
    client: Client, clusters: dict[str, Cluster]
) -> None:
    response = client.get(DIRECTORY, {"county": "23"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<div id="results"')
    assert "<html" not in html
    assert "Grönt Center Test" in html
    assert "Skånekluster Test" not in html


def test_directory_full_page_has_layout_and_filter_form(
    client: Client, clusters: dict[str, Cluster]
) -> None:
    html = client.get(DIRECTORY).content.decode()

    assert "<html" in html
    assert 'hx-get="/clusters/"' in html
    assert 'id="results"' in html


def test_directory_export_csv(client: Client, clusters: dict[str, Cluster]) -> None:
    response = client.get(DIRECTORY, {"county": "23", "export": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="clusters-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][0] == "Grönt Center Test"
    assert rows[1][1] == "Jämtlands län"
    assert rows[1][3] == "0"


def test_profile_shows_members_by_helix(
    client: Client,
    make_cluster: Callable[..., Cluster],
    make_organisation: Callable[..., Organisation],
) -> None:
    cluster = make_cluster("Profilkluster", slug="profil", members=2, description="<p>Om oss</p>")
    Membership.objects.create(
        cluster=cluster, organisation=make_organisation("Universitetet", helix=Helix.ACADEMIA)
    )

    response = client.get(reverse("clusters:profile", args=["profil"]))

    assert response.status_code == 200
    assert {row["helix"]: row["count"] for row in response.context["helix"]} == {
        "company": 2,
        "academia": 1,
        "public": 0,
        "civil_society": 0,
        "other": 0,
    }
    html = response.content.decode()
    assert re.findall(r'<span class="bar-value">(\d+)</span>', html) == ["2", "1", "0", "0", "0"]
    assert "Universitetet" in html
    assert "<p>Om oss</p>" in html
    assert response.context["can_manage"] is False
    assert response.context["member_form"] is None


def test_profile_unknown_slug_is_404(client: Client) -> None:
    assert client.get(reverse("clusters:profile", args=["nope"])).status_code == 404


@pytest.fixture
def export_cluster(
    make_cluster: Callable[..., Cluster], make_organisation: Callable[..., Organisation]
) -> Cluster:
    cluster = make_cluster("Exportkluster", slug="export")
    Membership.objects.create(
        cluster=cluster,
        organisation=make_organisation("=HYPERLINK(1)", helix=Helix.PUBLIC),
        role="board",
        since=date(2020, 5, 1),
    )
    Membership.objects.create(
        cluster=cluster,
        organisation=make_organisation(
            "Bolaget AB", municipality=Area.objects.get(code="0180"), helix=Helix.COMPANY
        ),
    )
    return cluster


def test_profile_export_csv(client: Client, export_cluster: Cluster) -> None:
    response = client.get(reverse("clusters:profile", args=["export"]), {"export": "csv"})

    body = response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="export-members-')
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows[0]) == 5
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)", "Bolaget AB"]
    assert rows[1][2] == "Östersund"
    assert rows[1][4] == "2020-05-01"
    assert rows[2][2] == "Stockholm"
    assert rows[2][4] == ""


def test_profile_export_xlsx(client: Client, export_cluster: Cluster) -> None:
    response = client.get(reverse("clusters:profile", args=["export"]), {"export": "xlsx"})

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3
    assert values[1][0] == "'=HYPERLINK(1)"
    assert values[1][2] == "Östersund"
    assert values[1][4].date() == date(2020, 5, 1)
    assert values[2][:3] == ("Bolaget AB", values[2][1], "Stockholm")
    assert sheet["A1"].font.bold is True


def test_profile_manager_sees_member_form(
    client: Client, cluster_manager: tuple[object, Cluster]
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)

    response = client.get(cluster.get_absolute_url())

    html = response.content.decode()
    assert response.context["can_manage"] is True
    assert f'action="/clusters/{cluster.slug}/members/"' in html
    assert html.count("/remove/") == 2


def test_member_add_by_manager_then_remove(
    client: Client,
    cluster_manager: tuple[object, Cluster],
    make_organisation: Callable[..., Organisation],
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)
    org = make_organisation("Nykomling AB")

    added = client.post(
        reverse("clusters:member-add", args=[cluster.slug]),
        {"organisation": org.pk, "role": "partner", "since": "2024-01-15"},
    )
    membership = Membership.objects.get(cluster=cluster, organisation=org)
    removed = client.post(reverse("clusters:member-remove", args=[cluster.slug, org.pk]))

    assert (added.status_code, added["Location"]) == (302, cluster.get_absolute_url())
    assert (membership.role, membership.since) == ("partner", date(2024, 1, 15))
    assert removed.status_code == 302
    assert Membership.objects.filter(cluster=cluster, organisation=org).exists() is False


def test_member_add_invalid_form_changes_nothing(
    client: Client, cluster_manager: tuple[object, Cluster]
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)

    response = client.post(
        reverse("clusters:member-add", args=[cluster.slug]), {"organisation": 0, "role": "x"}
    )

    assert response.status_code == 302
    assert cluster.memberships.count() == 2


def test_member_add_requires_post(client: Client, cluster_manager: tuple[object, Cluster]) -> None:
    user, cluster = cluster_manager
    client.force_login(user)

    assert client.get(reverse("clusters:member-add", args=[cluster.slug])).status_code == 405


def test_cluster_edit_by_manager_saves_regions(
    client: Client, cluster_manager: tuple[object, Cluster]
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)
    counties = [Area.objects.get(code="22").pk, Area.objects.get(code="23").pk]

    response = client.post(
        reverse("clusters:edit", args=[cluster.slug]),
        {"name": "Nytt Namn", "regions": counties, "website": "https://example.se"},
    )

    cluster.refresh_from_db()
    assert response.status_code == 302
    assert (cluster.name, cluster.slug, cluster.website) == (
        "Nytt Namn",
        "managed",
        "https://example.se",
    )
    assert sorted(a.code for a in cluster.regions.all()) == ["22", "23"]


def test_cluster_create_by_admin_gets_unique_slug(
    client: Client, make_user: Callable[..., object], make_cluster: Callable[..., Cluster]
) -> None:
    make_cluster("Ny Kluster", slug="ny-kluster")
    client.force_login(make_user(role="platform_admin_superuser"))

    response = client.post(reverse("clusters:create"), {"name": "Ny Kluster"})

    assert response.status_code == 302
    assert response["Location"] == "/clusters/ny-kluster-2/"
    assert Cluster.objects.filter(name="Ny Kluster").count() == 2


def test_cluster_create_by_manager_is_forbidden(
    client: Client, cluster_manager: tuple[object, Cluster]
) -> None:
    client.force_login(cluster_manager[0])

    response = client.post(reverse("clusters:create"), {"name": "Egen Kluster"})

    assert response.status_code == 403
    assert Cluster.objects.filter(name="Egen Kluster").exists() is False


# Language ----------------------------------------------------------------------------------


def html_lang(response: object) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())  # type: ignore[attr-defined]
    assert match is not None
    return match.group(1)


def test_pages_are_swedish_by_default(client: Client, clusters: dict[str, Cluster]) -> None:
    assert html_lang(client.get(DIRECTORY)) == "sv"


def test_pages_follow_accept_language(client: Client, clusters: dict[str, Cluster]) -> None:
    response = client.get(DIRECTORY, headers={"Accept-Language": "en"})

    assert html_lang(response) == "en"
    assert "Cluster directory" in response.content.decode()


def test_language_switch_is_remembered(client: Client, clusters: dict[str, Cluster]) -> None:
    switch = client.post(reverse("set_language"), {"language": "en", "next": DIRECTORY})
    english = client.get(DIRECTORY)
    client.post(reverse("set_language"), {"language": "sv", "next": DIRECTORY})
    swedish = client.get(DIRECTORY, headers={"Accept-Language": "en"})

    assert (switch.status_code, switch["Location"]) == (302, DIRECTORY)
    assert html_lang(english) == "en"
    assert html_lang(swedish) == "sv"


def test_focus_area_names_follow_language(client: Client, clusters: dict[str, Cluster]) -> None:
    english = client.get(DIRECTORY, headers={"Accept-Language": "en"}).content.decode()
    swedish = client.get(DIRECTORY, headers={"Accept-Language": "sv"}).content.decode()

    assert "<li>Ley farming</li>" in english
    assert "<li>Vallodling</li>" in swedish


def test_cluster_edit_is_audited_with_old_and_new_values(
    client: Client, cluster_manager: tuple[object, Cluster]
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)

    client.post(reverse("clusters:edit", args=[cluster.slug]), {"name": "Omdöpt Kluster"})

    entry = AuditEntry.objects.get(object_id=str(cluster.pk), action="cluster.changed")
    assert entry.actor == user
    assert entry.changes["name"] == ["Managed Cluster", "Omdöpt Kluster"]
