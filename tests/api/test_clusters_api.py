from __future__ import annotations

import datetime

import pytest
from api_builders import bearer, make_cluster, make_focus_area, make_org

from samverka.clusters.models import Cluster, Membership

pytestmark = pytest.mark.django_db


def _setup_cluster(n_members: int = 2) -> Cluster:
    forest = make_focus_area("skog")
    runner = make_org(name="Vreta AB", helix="company")
    members = [
        make_org(name=f"Member {i}", helix="academia" if i % 2 else "company")
        for i in range(n_members)
    ]
    return make_cluster(
        name="Vreta Kluster",
        slug="vreta",
        summary="Green innovation",
        website="https://vreta.example",
        organisation=runner,
        focus_areas=(forest,),
        regions=("05",),
        members=tuple(members),
        in_national_network=True,
    )


def test_cluster_list_returns_every_cluster_with_its_fields(client):
    _setup_cluster(n_members=3)
    make_cluster(name="FRODA", slug="froda")

    response = client.get("/api/v1/clusters")

    assert response.status_code == 200
    data = response.json()
    assert [c["slug"] for c in data] == ["froda", "vreta"]
    vreta = data[1]
    assert vreta["name"] == "Vreta Kluster"
    assert vreta["summary"] == "Green innovation"
    assert vreta["website"] == "https://vreta.example"
    assert vreta["regions"] == [{"code": "05", "name": "Östergötlands län"}]
    assert vreta["focus_areas"] == [{"slug": "skog", "name": "Fokus skog"}]
    assert vreta["member_count"] == 3
    assert vreta["in_national_network"] is True
    assert data[0]["member_count"] == 0


def test_cluster_list_query_count_does_not_grow_with_clusters(
    client, django_assert_max_num_queries
):
    for _i in range(3):
        make_cluster(focus_areas=(make_focus_area(),), members=(make_org(), make_org()))
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/clusters").json()) == 3
    for _i in range(10):
        make_cluster(focus_areas=(make_focus_area(),), members=(make_org(),))
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/clusters").json()) == 13


def test_cluster_detail_lists_members_and_helix_counts(client):
    cluster = _setup_cluster(n_members=3)
    Membership.objects.filter(cluster=cluster, organisation__name="Member 0").update(
        role="founder", since=datetime.date(2019, 5, 1)
    )

    response = client.get("/api/v1/clusters/vreta")

    assert response.status_code == 200
    data = response.json()
    assert data["organisation"]["name"] == "Vreta AB"
    assert [(m["name"], m["helix"], m["role"], m["since"]) for m in data["members"]] == [
        ("Member 0", "company", "founder", "2019-05-01"),
        ("Member 1", "academia", "member", None),
        ("Member 2", "company", "member", None),
    ]
    counts = {row["helix"]: row["count"] for row in data["members_by_helix"]}
    assert counts == {"company": 2, "academia": 1, "public": 0, "civil_society": 0, "other": 0}


def test_cluster_detail_query_count_does_not_grow_with_members(
    client, django_assert_max_num_queries
):
    cluster = _setup_cluster(n_members=2)
    with django_assert_max_num_queries(6):
        client.get("/api/v1/clusters/vreta")
    for _ in range(15):
        Membership.objects.create(cluster=cluster, organisation=make_org())
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/clusters/vreta").json()["members"]) == 17


def test_cluster_detail_unknown_slug_is_404_json(client):
    response = client.get("/api/v1/clusters/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_cluster_patch_without_token_is_401(client):
    _setup_cluster()
    response = client.patch(
        "/api/v1/clusters/vreta", {"summary": "x"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert Cluster.objects.get(slug="vreta").summary == "Green innovation"


def test_cluster_patch_by_manager_of_another_cluster_is_403(client, manager, other_manager):
    _setup_cluster()
    make_cluster(slug="other", managers=(other_manager,))
    response = client.patch(
        "/api/v1/clusters/vreta",
        {"summary": "hijacked"},
        content_type="application/json",
        headers=bearer(other_manager),
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert Cluster.objects.get(slug="vreta").summary == "Green innovation"


def test_cluster_patch_by_manager_changes_profile(client, manager):
    cluster = _setup_cluster()
    cluster.managers.add(manager)
    make_focus_area("energi")

    response = client.patch(
        "/api/v1/clusters/vreta",
        {"summary": "New summary", "focus_areas": ["energi", "skog"], "regions": ["01", "05"]},
        content_type="application/json",
        headers=bearer(manager),
    )

    assert response.status_code == 200
    assert response.json()["summary"] == "New summary"
    cluster.refresh_from_db()
    assert cluster.summary == "New summary"
    assert cluster.website == "https://vreta.example"
    assert sorted(cluster.focus_areas.values_list("slug", flat=True)) == ["energi", "skog"]
    assert sorted(cluster.regions.values_list("code", flat=True)) == ["01", "05"]


def test_cluster_patch_by_admin_is_allowed(client, admin_user):
    _setup_cluster()
    response = client.patch(
        "/api/v1/clusters/vreta",
        {"website": "https://new.example"},
        content_type="application/json",
        headers=bearer(admin_user),
    )
    assert response.status_code == 200
    assert Cluster.objects.get(slug="vreta").website == "https://new.example"


def test_cluster_patch_invalid_data_is_422_and_changes_nothing(client, manager):
    cluster = _setup_cluster()
    cluster.managers.add(manager)
    response = client.patch(
        "/api/v1/clusters/vreta",
        {"summary": "Changed", "contact_email": "not an email", "focus_areas": ["nope"]},
        content_type="application/json",
        headers=bearer(manager),
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"focus_areas"}
    response = client.patch(
        "/api/v1/clusters/vreta",
        {"summary": "Changed", "contact_email": "not an email"},
        content_type="application/json",
        headers=bearer(manager),
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["contact_email"]
    cluster.refresh_from_db()
    assert cluster.summary == "Green innovation"
    assert list(cluster.focus_areas.values_list("slug", flat=True)) == ["skog"]


def test_member_put_adds_then_updates_membership(client, manager):
    cluster = _setup_cluster(n_members=0)
    cluster.managers.add(manager)
    org = make_org(name="Newcomer")

    url = f"/api/v1/clusters/vreta/members/{org.pk}"
    response = client.put(
        url,
        {"role": "partner", "since": "2024-01-15"},
        content_type="application/json",
        headers=bearer(manager),
    )
    assert response.status_code == 201
    assert response.json() == {
        "id": org.pk,
        "name": "Newcomer",
        "helix": "company",
        "role": "partner",
        "since": "2024-01-15",
    }

    response = client.put(
        url, {"role": "board"}, content_type="application/json", headers=bearer(manager)
    )
    assert response.status_code == 200
    membership = Membership.objects.get(cluster=cluster, organisation=org)
    assert (membership.role, membership.since) == ("board", datetime.date(2024, 1, 15))


def test_member_put_unknown_role_is_422(client, manager):
    cluster = _setup_cluster(n_members=0)
    cluster.managers.add(manager)
    org = make_org()
    response = client.put(
        f"/api/v1/clusters/vreta/members/{org.pk}",
        {"role": "king"},
        content_type="application/json",
        headers=bearer(manager),
    )
    assert response.status_code == 422
    assert "role" in response.json()["errors"]
    assert not Membership.objects.filter(organisation=org).exists()


def test_member_put_and_delete_denied_for_other_manager(client, other_manager):
    cluster = _setup_cluster(n_members=1)
    make_cluster(slug="other", managers=(other_manager,))
    member = cluster.members.get()
    outsider = make_org()

    put = client.put(
        f"/api/v1/clusters/vreta/members/{outsider.pk}",
        {},
        content_type="application/json",
        headers=bearer(other_manager),
    )
    delete = client.delete(
        f"/api/v1/clusters/vreta/members/{member.pk}", headers=bearer(other_manager)
    )

    assert (put.status_code, delete.status_code) == (403, 403)
    assert list(cluster.members.all()) == [member]


def test_member_delete_without_token_is_401(client):
    cluster = _setup_cluster(n_members=1)
    member = cluster.members.get()
    response = client.delete(f"/api/v1/clusters/vreta/members/{member.pk}")
    assert response.status_code == 401
    assert cluster.members.count() == 1


def test_member_delete_by_manager_removes_membership(client, manager):
    cluster = _setup_cluster(n_members=2)
    cluster.managers.add(manager)
    member = cluster.members.order_by("name").first()

    response = client.delete(f"/api/v1/clusters/vreta/members/{member.pk}", headers=bearer(manager))
    assert response.status_code == 204
    assert not cluster.members.filter(pk=member.pk).exists()
    assert cluster.members.count() == 1

    again = client.delete(f"/api/v1/clusters/vreta/members/{member.pk}", headers=bearer(manager))
    assert again.status_code == 404
    assert again.json()["detail"]
