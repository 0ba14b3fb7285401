"""The organisation import upload page: the same importer and report as the command."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from samverka.actors.models import Organisation
from samverka.clusters.models import Cluster

pytestmark = pytest.mark.django_db

URL = reverse("actors:organisation-import")
HEADER = "name;orgnr;helix;municipality_code;focus_areas;website;description"
GOOD = "Jämtkraft Test AB;556016-0680;company;2380;vallodling;;"
BAD = "Rymdbolaget AB;202100-5489;spaceship;9999;;;"


def upload(client: Client, *lines: str, name: str = "orgs.csv", **data: Any) -> Any:
    content = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **data})


def test_import_page_anonymous_is_redirected_to_login(client: Client) -> None:
    response = upload(client, HEADER, GOOD)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"
    assert Organisation.objects.filter(orgnr="556016-0680").exists() is False


def test_import_page_member_is_forbidden(
    client: Client, member_user: tuple[User, Organisation]
) -> None:
    client.force_login(member_user[0])
    before = Organisation.objects.count()

    get_response = client.get(URL)
    post_response = upload(client, HEADER, GOOD)

    assert (get_response.status_code, post_response.status_code) == (403, 403)
    assert Organisation.objects.count() == before


def test_import_page_manager_sees_form(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    client.force_login(cluster_manager[0])

    response = client.get(URL)

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_import_page_good_file_creates_organisations(
    client: Client, cluster_manager: tuple[User, Cluster], focus_area: Any
) -> None:
    client.force_login(cluster_manager[0])
    before = Organisation.objects.count()

    response = upload(client, HEADER, GOOD, "Kommunen Test;;public;0180;;;")

    assert response.status_code == 200
    assert Organisation.objects.count() == before + 2
    org = Organisation.objects.get(orgnr="556016-0680")
    assert (org.name, org.municipality.code) == ("Jämtkraft Test AB", "2380")
    assert [fa.slug for fa in org.focus_areas.all()] == ["vallodling"]
    report = response.context["report"]
    assert (report.ok, report.written, report.created, report.updated) == (True, True, 2, 0)
    assert len(list(response.context["messages"])) == 1


def test_import_page_bad_file_shows_row_errors_and_writes_nothing(
    client: Client, cluster_manager: tuple[User, Cluster], focus_area: Any
) -> None:
    client.force_login(cluster_manager[0])
    before = Organisation.objects.count()

    response = upload(client, HEADER, GOOD, BAD)

    assert response.status_code == 400
    html = response.content.decode()
    assert "<td>3</td><td><code>helix</code></td>" in html
    assert "<td>3</td><td><code>municipality_code</code></td>" in html
    assert [(e.row, e.column) for e in response.context["report"].errors] == [
        (3, "helix"),
        (3, "municipality_code"),
    ]
    assert Organisation.objects.count() == before


def test_import_page_non_utf8_file_is_400(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    client.force_login(cluster_manager[0])
    before = Organisation.objects.count()
    content = (HEADER + "\r\nÅre Bolag AB;;company;2321;;;\r\n").encode("latin-1")

    response = client.post(URL, {"file": SimpleUploadedFile("orgs.csv", content)})

    assert response.status_code == 400
    assert response.context["report"].file_error != ""
    assert response.context["report"].errors == []
    assert Organisation.objects.count() == before


def test_import_page_dry_run_writes_nothing(
    client: Client, cluster_manager: tuple[User, Cluster], focus_area: Any
) -> None:
    client.force_login(cluster_manager[0])
    before = Organisation.objects.count()

    response = upload(client, HEADER, GOOD, dry_run="on")

    assert response.status_code == 200
    assert (response.context["report"].dry_run, response.context["report"].created) == (True, 1)
    assert Organisation.objects.count() == before


def test_import_page_wrong_extension_is_rejected(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    client.force_login(cluster_manager[0])
    before = Organisation.objects.count()

    response = upload(client, HEADER, GOOD, name="orgs.pdf")

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["file"]
    assert Organisation.objects.count() == before


def test_import_page_platform_admin_can_import(
    client: Client, make_user: Any, focus_area: Any
) -> None:
    client.force_login(make_user(role="platform_admin_superuser"))

    response = upload(client, HEADER, GOOD)

    assert response.status_code == 200
    assert Organisation.objects.get(orgnr="556016-0680").name == "Jämtkraft Test AB"
