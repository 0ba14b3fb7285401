from __future__ import annotations

import pytest
from api_builders import bearer, make_cluster, make_focus_area, make_org

from samverka.actors.models import Organisation
from samverka.clusters.models import Membership

pytestmark = pytest.mark.django_db


def test_organisation_list_is_paged_with_items_and_count(client):
    forest = make_focus_area("skog")
    make_org(
        name="Alpha AB", orgnr="556016-0680", focus_areas=(forest,), website="https://alpha.example"
    )
    make_org(name="Beta", helix="academia", municipality=None)

    response = client.get("/api/v1/organisations")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    alpha, beta = data["items"]
    assert alpha["name"] == "Alpha AB"
    assert alpha["orgnr"] == "556016-0680"
    assert alpha["helix"] == "company"
    assert alpha["focus_areas"] == [{"slug": "skog", "name": "Fokus skog"}]
    assert alpha["municipality"] == {"code": "0380", "name": "Uppsala"}
    assert alpha["county"] == {"code": "03", "name": "Uppsala län"}
    assert alpha["url"].endswith(f"/organisations/{alpha['id']}/")
    assert (beta["municipality"], beta["county"]) == (None, None)


def test_organisation_list_filters(client):
    forest, energy = make_focus_area("skog"), make_focus_area("energi")
    a = make_org(name="Skogsbolaget", focus_areas=(forest, energy), municipality="0380")
    b = make_org(name="Uni", helix="academia", focus_areas=(forest,), municipality="0180")
    c = make_org(name="Kommunen", helix="public", municipality="0381")
    make_cluster(slug="vreta", members=(a, c))

    def names(**params):
        response = client.get("/api/v1/organisations", params)
        assert response.status_code == 200, response.json()
        return [item["name"] for item in response.json()["items"]]

    assert names(helix="academia") == ["Uni"]
    assert names(focus="skog") == ["Skogsbolaget", "Uni"]
    assert names(county="03") == ["Kommunen", "Skogsbolaget"]
    assert names(municipality="0180") == ["Uni"]
    assert names(cluster="vreta") == ["Kommunen", "Skogsbolaget"]
    assert names(q="skogs") == ["Skogsbolaget"]
    assert names(focus="skog", county="01") == ["Uni"]
    assert names(cluster="nope") == []
    assert b.pk  # used above


def test_organisation_list_unknown_helix_is_422(client):
    response = client.get("/api/v1/organisations", {"helix": "pirate"})
    assert response.status_code == 422
    assert "helix" in response.json()["errors"]


def test_organisation_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    fa = make_focus_area()
    for _ in range(3):
        make_org(focus_areas=(fa,))
    with django_assert_max_num_queries(4):
        client.get("/api/v1/organisations")
    for _ in range(20):
        make_org(focus_areas=(fa, make_focus_area()))
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/organisations").json()["items"]) == 23


def test_organisation_detail_includes_clusters(client):
    org = make_org(name="Alpha", description="<p>Hi</p>")
    make_cluster(name="Vreta Kluster", slug="vreta", members=(org,))
    response = client.get(f"/api/v1/organisations/{org.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["description"] == "<p>Hi</p>"
    assert data["clusters"] == [{"slug": "vreta", "name": "Vreta Kluster", "role": "member"}]


def test_organisation_detail_unknown_id_is_404(client):
    response = client.get("/api/v1/organisations/999999")
    assert response.status_code == 404
    assert "999999" in response.json()["detail"]


def test_organisation_create_without_token_is_401(client):
    response = client.post(
        "/api/v1/organisations", {"name": "X", "helix": "company"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert not Organisation.objects.exists()


def test_organisation_create_by_plain_user_is_403(client, django_user_model):
    user = django_user_model.objects.create_user(username="plain", password="pw")
    response = client.post(
        "/api/v1/organisations",
        {"name": "X", "helix": "company"},
        content_type="application/json",
        headers=bearer(user),
    )
    assert response.status_code == 403
    assert not Organisation.objects.exists()


def test_organisation_create_by_manager(client, manager):
    make_cluster(managers=(manager,))
    make_focus_area("skog")
    response = client.post(
        "/api/v1/organisations",
        {
            "name": "Nybolaget",
            "helix": "company",
            "orgnr": "5560160680",
            "municipality": "0180",
            "focus_areas": ["skog"],
            "website": "https://ny.example",
        },
        content_type="application/json",
        headers=bearer(manager),
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["orgnr"] == "556016-0680"
    assert data["municipality"]["code"] == "0180"
    org = Organisation.objects.get(pk=data["id"])
    assert (org.name, org.orgnr, org.website) == ("Nybolaget", "556016-0680", "https://ny.example")
    assert list(org.focus_areas.values_list("slug", flat=True)) == ["skog"]


def test_organisation_create_invalid_orgnr_is_422_with_field_error(client, admin_user):
    response = client.post(
        "/api/v1/organisations",
        {"name": "Bad", "helix": "company", "orgnr": "556000-0000"},
        content_type="application/json",
        headers=bearer(admin_user),
    )
    assert response.status_code == 422
    body = response.json()
    assert list(body["errors"]) == ["orgnr"]
    assert "556000-0000" in body["errors"]["orgnr"][0]
    assert "556000-0000" in body["detail"]
    assert not Organisation.objects.exists()


def test_organisation_create_duplicate_orgnr_is_422(client, admin_user):
    make_org(name="First", orgnr="556016-0680")
    response = client.post(
        "/api/v1/organisations",
        {"name": "Second", "helix": "company", "orgnr": "556016-0680"},
        content_type="application/json",
        headers=bearer(admin_user),
    )
    assert response.status_code == 422
    assert response.json()["errors"]
    assert list(Organisation.objects.values_list("name", flat=True)) == ["First"]


def test_organisation_create_missing_name_and_unknown_references_are_422(client, admin_user):
    missing = client.post(
        "/api/v1/organisations",
        {"helix": "company"},
        content_type="application/json",
        headers=bearer(admin_user),
    )
    assert missing.status_code == 422
    assert "name" in missing.json()["errors"]
    unknown = client.post(
        "/api/v1/organisations",
        {"name": "X", "helix": "company", "municipality": "9999", "focus_areas": ["nope"]},
        content_type="application/json",
        headers=bearer(admin_user),
    )
    assert unknown.status_code == 422
    assert set(unknown.json()["errors"]) == {"municipality", "focus_areas"}
    assert not Organisation.objects.exists()


def test_organisation_patch_by_manager_of_its_cluster(client, manager):
    org = make_org(name="Alpha", website="https://old.example")
    make_cluster(managers=(manager,), members=(org,))
    response = client.patch(
        f"/api/v1/organisations/{org.pk}",
        {"website": "https://new.example"},
        content_type="application/json",
        headers=bearer(manager),
    )
    assert response.status_code == 200
    assert response.json()["website"] == "https://new.example"
    org.refresh_from_db()
    assert (org.name, org.website) == ("Alpha", "https://new.example")


def test_organisation_patch_by_manager_of_another_cluster_is_403(client, manager, other_manager):
    org = make_org(name="Alpha")
    make_cluster(managers=(manager,), members=(org,))
    make_cluster(managers=(other_manager,))
    response = client.patch(
        f"/api/v1/organisations/{org.pk}",
        {"name": "Taken"},
        content_type="application/json",
        headers=bearer(other_manager),
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    org.refresh_from_db()
    assert org.name == "Alpha"


def test_organisation_patch_invalid_orgnr_changes_nothing(client, admin_user):
    org = make_org(name="Alpha", orgnr="556016-0680")
    response = client.patch(
        f"/api/v1/organisations/{org.pk}",
        {"name": "Renamed", "orgnr": "556000-0000"},
        content_type="application/json",
        headers=bearer(admin_user),
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["orgnr"]
    org.refresh_from_db()
    assert (org.name, org.orgnr) == ("Alpha", "556016-0680")


def test_focus_areas_and_areas_lists(client):
    make_focus_area("skog")
    focus = client.get("/api/v1/focus-areas").json()
    assert [f["slug"] for f in focus] == ["skog"]
    counties = client.get("/api/v1/areas", {"kind": "county"}).json()
    assert len(counties) == 21
    assert {"code": "03", "name": "Uppsala län", "kind": "county", "parent": "00"} in counties
    uppsala = client.get("/api/v1/areas", {"county": "03"}).json()
    assert {a["code"] for a in uppsala} >= {"0380", "0381"}
    assert all(a["parent"] == "03" for a in uppsala)


def test_membership_count_unchanged_by_org_writes(client, admin_user):
    org = make_org()
    make_cluster(members=(org,))
    client.patch(
        f"/api/v1/organisations/{org.pk}",
        {"name": "Renamed"},
        content_type="application/json",
        headers=bearer(admin_user),
    )
    assert Membership.objects.filter(organisation=org).count() == 1
