"""Organisation and person pages: list filters, pagination, query count, exports, privacy."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from samverka.actors.enums import Helix
from samverka.actors.models import FocusArea, Organisation, Person
from samverka.clusters.models import Cluster, Membership
from samverka.core.models import AuditEntry
from samverka.geo.models import Area

pytestmark = pytest.mark.django_db

LIST = reverse("actors:organisations")


def names(response: Any) -> list[str]:
    return [o.name for o in response.context["page"].object_list]


@pytest.fixture
def registry(
    make_organisation: Callable[..., Organisation],
    make_cluster: Callable[..., Cluster],
    focus_area: FocusArea,
) -> dict[str, Organisation]:
    farm = make_organisation("Alfa Gård AB", helix=Helix.COMPANY, orgnr="556016-0680")
    farm.focus_areas.add(focus_area)
    university = make_organisation(
        "Beta Universitet", helix=Helix.ACADEMIA, municipality=Area.objects.get(code="0180")
    )
    town = make_organisation("Gamma Kommun", helix=Helix.PUBLIC)
    cluster = make_cluster("Listkluster", slug="list")
    Membership.objects.create(cluster=cluster, organisation=town)
    return {"farm": farm, "university": university, "town": town}


def test_organisation_list_shows_all_in_name_order(
    client: Client, registry: dict[str, Organisation]
) -> None:
    response = client.get(LIST)

    assert response.status_code == 200
    assert names(response) == ["Alfa Gård AB", "Beta Universitet", "Gamma Kommun"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"helix": "academia"}, ["Beta Universitet"]),
        ({"county": "01"}, ["Beta Universitet"]),
        ({"county": "23"}, ["Alfa Gård AB", "Gamma Kommun"]),
        ({"municipality": "2380"}, ["Alfa Gård AB", "Gamma Kommun"]),
        ({"focus": "vallodling"}, ["Alfa Gård AB"]),
        ({"cluster": "list"}, ["Gamma Kommun"]),
        ({"q": "beta"}, ["Beta Universitet"]),
        ({"q": "556016"}, ["Alfa Gård AB"]),
        ({"helix": "company", "county": "01"}, []),
        ({"helix": "not-a-helix"}, ["Alfa Gård AB", "Beta Universitet", "Gamma Kommun"]),
    ],
)
def test_organisation_list_filters(
    client: Client, registry: dict[str, Organisation], params: dict[str, str], expected: list[str]
) -> None:
    assert names(client.get(LIST, params)) == expected


def test_organisation_list_htmx_returns_partial(
    client: Client, registry: dict[str, Organisation]
) -> None:
    response = client.get(LIST, {"helix": "public"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.strip().startswith('<div id="results"')
    assert "<html" not in html
    assert "Gamma Kommun" in html
    assert "Alfa Gård AB" not in html


def test_organisation_list_paginates(
    client: Client, make_organisation: Callable[..., Organisation]
) -> None:
    for n in range(30):
        make_organisation(f"Org {n:02d}")

    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})
    beyond = client.get(LIST, {"page": 99})

    assert names(first) == [f"Org {n:02d}" for n in range(25)]
    assert names(second) == [f"Org {n:02d}" for n in range(25, 30)]
    assert names(beyond) == names(second)
    assert 'href="?page=2"' in first.content.decode()


def test_organisation_list_pagination_keeps_filters(
    client: Client, make_organisation: Callable[..., Organisation]
) -> None:
    for n in range(27):
        make_organisation(f"Org {n:02d}", helix=Helix.ACADEMIA)

    html = client.get(LIST, {"helix": "academia"}).content.decode()

    assert 'href="?helix=academia&amp;page=2"' in html


def test_organisation_list_query_count_does_not_grow(
    client: Client,
    make_organisation: Callable[..., Organisation],
    focus_area: FocusArea,
    django_assert_max_num_queries: Any,
) -> None:
    make_organisation().focus_areas.add(focus_area)
    client.get(LIST)  # warm caches (content types, sessions) outside the measurement
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(20):
        org = make_organisation(municipality=Area.objects.get(code="0180" if n % 2 else "2380"))
        org.focus_areas.add(focus_area)

    with django_assert_max_num_queries(len(few)):
        response = client.get(LIST)

    assert len(names(response)) == 21


def test_organisation_list_export_csv(client: Client, registry: dict[str, Organisation]) -> None:
    response = client.get(LIST, {"county": "23", "export": "csv"})

    assert response["Content-Disposition"].startswith('attachment; filename="organisations-')
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows[0]) == 8
    assert [r[0] for r in rows[1:]] == ["Alfa Gård AB", "Gamma Kommun"]
    assert rows[1][1] == "556016-0680"
    assert rows[1][3:6] == ["2380", "Östersund", "Jämtlands län"]


def test_organisation_list_export_xlsx_unpaginated(
    client: Client, make_organisation: Callable[..., Organisation]
) -> None:
    for n in range(30):
        make_organisation(f"Org {n:02d}")

    response = client.get(LIST, {"export": "xlsx"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 31
    assert sheet["A2"].value == "Org 00"
    assert sheet["D2"].value == "2380"


def test_organisation_detail_shows_only_listed_people_to_public(
    client: Client, registry: dict[str, Organisation]
) -> None:
    org = registry["farm"]
    Person.objects.create(name="Lisa Listad", organisation=org, listing_consent=True)
    Person.objects.create(name="Olle Olistad", organisation=org)

    response = client.get(org.get_absolute_url())

    assert [p.name for p in response.context["people"]] == ["Lisa Listad"]
    assert "Olle Olistad" not in response.content.decode()
    assert response.context["can_edit"] is False


def test_organisation_detail_shows_all_people_to_its_manager(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    user, cluster = cluster_manager
    org = cluster.members.first()
    Person.objects.create(name="Olle Olistad", organisation=org)
    client.force_login(user)

    response = client.get(org.get_absolute_url())

    assert [p.name for p in response.context["people"]] == ["Olle Olistad"]
    assert response.context["can_edit"] is True


@pytest.fixture
def unlisted(cluster_manager: tuple[User, Cluster]) -> Person:
    return Person.objects.create(
        name="Hemlig Person",
        email="hemlig@example.se",
        organisation=cluster_manager[1].members.first(),
    )


def test_person_without_listing_consent_is_403_for_anonymous(
    client: Client, unlisted: Person
) -> None:
    response = client.get(unlisted.get_absolute_url())

    assert response.status_code == 403
    assert "hemlig@example.se" not in response.content.decode()


def test_person_without_listing_consent_is_403_for_other_manager(
    client: Client, unlisted: Person, make_user: Callable[..., User], make_cluster: Any
) -> None:
    other = make_user()
    make_cluster().managers.add(other)
    client.force_login(other)

    assert client.get(unlisted.get_absolute_url()).status_code == 403


def test_person_without_listing_consent_is_visible_to_manager(
    client: Client, unlisted: Person, cluster_manager: tuple[User, Cluster]
) -> None:
    client.force_login(cluster_manager[0])

    response = client.get(unlisted.get_absolute_url())

    assert response.status_code == 200
    assert "hemlig@example.se" in response.content.decode()


def test_listed_person_is_public_without_private_fields(
    client: Client, make_organisation: Callable[..., Organisation]
) -> None:
    person = Person.objects.create(
        name="Öppen Person",
        email="oppen@example.se",
        organisation=make_organisation(),
        listing_consent=True,
        gender="woman",
    )

    response = client.get(person.get_absolute_url())

    assert response.status_code == 200
    assert response.context["can_edit"] is False
    assert "oppen@example.se" in response.content.decode()


def test_organisation_create_by_manager_redirects_to_detail(
    client: Client, cluster_manager: tuple[User, Cluster], focus_area: FocusArea
) -> None:
    client.force_login(cluster_manager[0])

    response = client.post(
        reverse("actors:organisation-create"),
        {
            "name": "Skapat AB",
            "orgnr": "5560160680",
            "helix": "company",
            "municipality": Area.objects.get(code="2380").pk,
            "focus_areas": [focus_area.pk],
            "website": "https://skapat.se",
        },
    )

    org = Organisation.objects.get(name="Skapat AB")
    assert response["Location"] == org.get_absolute_url()
    assert (org.orgnr, org.municipality.code, org.website) == (
        "556016-0680",
        "2380",
        "https://skapat.se",
    )
    assert [fa.slug for fa in org.focus_areas.all()] == ["vallodling"]


def test_organisation_create_rejects_invalid_and_duplicate_orgnr(
    client: Client, cluster_manager: tuple[User, Cluster], make_organisation: Any
) -> None:
    make_organisation("Först AB", orgnr="556016-0680")
    client.force_login(cluster_manager[0])
    before = Organisation.objects.count()

    invalid = client.post(
        reverse("actors:organisation-create"),
        {"name": "X AB", "orgnr": "556000-0000", "helix": "company"},
    )
    duplicate = client.post(
        reverse("actors:organisation-create"),
        {"name": "Y AB", "orgnr": "556016-0680", "helix": "company"},
    )

    assert (invalid.status_code, duplicate.status_code) == (200, 200)
    assert list(invalid.context["form"].errors) == ["orgnr"]
    assert list(duplicate.context["form"].errors) == ["orgnr"]
    assert Organisation.objects.count() == before


def test_person_edit_sets_consent_timestamp(
    client: Client, unlisted: Person, cluster_manager: tuple[User, Cluster]
) -> None:
    client.force_login(cluster_manager[0])

    response = client.post(
        reverse("actors:person-edit", args=[unlisted.pk]),
        {
            "name": "Hemlig Person",
            "organisation": unlisted.organisation_id,
            "gender": "not_stated",
            "listing_consent": "on",
        },
    )

    unlisted.refresh_from_db()
    assert response["Location"] == unlisted.get_absolute_url()
    assert unlisted.listing_consent is True
    assert unlisted.listing_consent_at is not None
    assert client.logout() is None
    assert client.get(unlisted.get_absolute_url()).status_code == 200


def test_organisation_list_language(client: Client, registry: dict[str, Organisation]) -> None:
    english = client.get(LIST, headers={"Accept-Language": "en"}).content.decode()
    default = client.get(LIST).content.decode()

    assert '<html lang="en">' in english
    assert "<h1>Organisations</h1>" in english
    assert '<html lang="sv">' in default


def test_organisation_edit_is_audited_with_old_and_new_values(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    user, cluster = cluster_manager
    org = cluster.members.first()
    old_name = org.name
    client.force_login(user)

    client.post(
        reverse("actors:organisation-edit", args=[org.pk]),
        {"name": "Nytt Namn AB", "helix": "academia"},
    )

    entry = AuditEntry.objects.get(object_id=str(org.pk), action="organisation.changed")
    assert entry.actor == user
    assert entry.changes["name"] == [old_name, "Nytt Namn AB"]
    assert entry.changes["helix"] == ["company", "academia"]
