"""Pages: create/edit round trips, permissions, expiry and renewal, visibility, exports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from samverka.actors.models import Person
from samverka.core.models import AuditEntry
from samverka.matchmaking.models import Need, Offer, add_months


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


def _form(owner: Any, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "expertise",
        "title": "Hjälp med vallodling",
        "description": "Vi söker expertis.",
        "owner": owner.pk,
        "county": "",
        "visibility": "public",
        "expires_on": "",
    } | extra


def test_create_need_by_person_of_the_organisation(
    client: Any, member_user: Any, focus_area: Any
) -> None:
    user, organisation = member_user
    client.force_login(user)
    response = client.post(
        reverse("matchmaking:need-create"), _form(organisation, focus_areas=[focus_area.pk])
    )
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == need.get_absolute_url()
    assert need.owner == organisation
    assert need.created_by == user
    assert need.expires_on == add_months(timezone.localdate(), 12)
    assert list(need.focus_areas.all()) == [focus_area]
    assert need.stems == "hjälp vallodling sök expertis"
    assert AuditEntry.objects.filter(action="matchmaking.need.created").count() == 1
    page = client.get(need.get_absolute_url())
    assert "Hjälp med vallodling" in page.content.decode()


def test_edit_offer_by_cluster_manager_of_the_owner(
    client: Any, cluster_manager: Any, make_listing: Any
) -> None:
    user, cluster = cluster_manager
    owner = cluster.members.first()
    offer = make_listing(Offer, "Gammal", owner=owner)
    client.force_login(user)
    url = reverse("matchmaking:offer-edit", args=[offer.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(owner, title="Ny titel", kind="testbed"))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.title == "Ny titel"
    entry = AuditEntry.objects.get(action="matchmaking.offer.changed")
    assert entry.changes["title"] == ["Gammal", "Ny titel"]


def test_edit_refused_to_other_cluster_manager_and_unrelated_member(
    client: Any, cluster_manager: Any, member_user: Any, make_listing: Any, make_cluster: Any
) -> None:
    need = make_listing(Need, "Privat")
    url = reverse("matchmaking:need-edit", args=[need.pk])
    manager, _cluster = cluster_manager
    member, _org = member_user
    for user in (manager, member):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, _form(need.owner, title="Hack")).status_code == 403
        assert client.post(reverse("matchmaking:need-renew", args=[need.pk])).status_code == 403
    need.refresh_from_db()
    assert need.title == "Privat"


def test_create_refused_for_an_organisation_the_user_cannot_edit(
    client: Any, member_user: Any, make_organisation: Any
) -> None:
    user, _organisation = member_user
    stranger = make_organisation()
    client.force_login(user)
    response = client.post(reverse("matchmaking:need-create"), _form(stranger))
    assert response.status_code == 200  # the form refuses the choice
    assert Need.objects.count() == 0


def test_anonymous_is_sent_to_login(client: Any, make_listing: Any) -> None:
    need = make_listing(Need)
    for url in (
        reverse("matchmaking:need-create"),
        reverse("matchmaking:need-edit", args=[need.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]
    response = client.post(reverse("matchmaking:need-renew", args=[need.pk]))
    assert response.status_code == 302
    assert Need.objects.get().expires_on == need.expires_on


def test_expired_hidden_from_list_and_renew_brings_it_back(
    client: Any, member_user: Any, make_listing: Any
) -> None:
    user, organisation = member_user
    old = timezone.localdate() - timedelta(days=3)
    need = make_listing(Need, "Utgånget behov", owner=organisation, expires_on=old)
    listing_url = reverse("matchmaking:need-list")
    assert "Utgånget behov" not in client.get(listing_url).content.decode()
    assert client.get(need.get_absolute_url()).status_code == 200  # kept, still reachable
    client.force_login(user)
    response = client.post(reverse("matchmaking:need-renew", args=[need.pk]))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.expires_on == add_months(timezone.localdate(), 12)
    assert "Utgånget behov" in client.get(listing_url).content.decode()
    assert AuditEntry.objects.filter(action="matchmaking.need.renewed").count() == 1


def test_renew_extends_by_twelve_months_from_the_expiry(
    client: Any, member_user: Any, make_listing: Any
) -> None:
    user, organisation = member_user
    later = timezone.localdate() + timedelta(days=30)
    offer = make_listing(Offer, owner=organisation, expires_on=later)
    client.force_login(user)
    client.post(reverse("matchmaking:offer-renew", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.expires_on == add_months(later, 12)


def test_members_only_visible_to_members_not_to_the_public(
    client: Any, make_listing: Any, make_user: Any, member_user: Any
) -> None:
    offer = make_listing(Offer, "Hemligt erbjudande", visibility="members")
    url = reverse("matchmaking:offer-list")
    assert "Hemligt erbjudande" not in client.get(url).content.decode()
    assert client.get(offer.get_absolute_url()).status_code == 404
    client.force_login(make_user())  # logged in, but in no cluster
    assert client.get(offer.get_absolute_url()).status_code == 404
    client.force_login(member_user[0])
    assert "Hemligt erbjudande" in client.get(url).content.decode()
    assert client.get(offer.get_absolute_url()).status_code == 200


def test_list_filters_kind_focus_county_and_own(
    client: Any, make_listing: Any, member_user: Any, focus_area: Any
) -> None:
    user, organisation = member_user
    make_listing(Need, "Alfa", kind="capital", county="01")
    make_listing(Need, "Beta", kind="testbed", focus=[focus_area], county="23")
    make_listing(Need, "Gamma", kind="testbed", owner=organisation, county="23")
    url = reverse("matchmaking:need-list")

    def titles(**params: str) -> list[str]:
        html = client.get(url, params).content.decode()
        return [t for t in ("Alfa", "Beta", "Gamma") if t in html]

    assert titles() == ["Alfa", "Beta", "Gamma"]
    assert titles(kind="capital") == ["Alfa"]
    assert titles(focus=focus_area.slug) == ["Beta"]
    assert titles(county="23") == ["Beta", "Gamma"]
    client.force_login(user)
    assert titles(own="on") == ["Gamma"]


def test_list_exports_csv_and_xlsx(client: Any, make_listing: Any) -> None:
    make_listing(Offer, "Exporterad", kind="market")
    csv = client.get(reverse("matchmaking:offer-list"), {"export": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Title;Kind;Organisation")
    assert lines[1].startswith("Exporterad;market;")
    xlsx = client.get(reverse("matchmaking:offer-list"), {"export": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_detail_shows_ranked_matches_with_reasons(
    client: Any, make_listing: Any, focus_area: Any
) -> None:
    need = make_listing(Need, "Vallodling testbädd", focus=[focus_area])
    make_listing(Offer, "Försöksgård för vallodling", focus=[focus_area])
    html = client.get(need.get_absolute_url()).content.decode()
    assert "Försöksgård för vallodling" in html
    assert "Shared focus areas: Ley farming." in html


def test_index_lists_latest(client: Any, make_listing: Any) -> None:
    make_listing(Need, "Senaste behovet")
    make_listing(Offer, "Senaste erbjudandet")
    html = client.get(reverse("matchmaking:index")).content.decode()
    assert "Senaste behovet" in html
    assert "Senaste erbjudandet" in html


def test_person_without_cluster_can_edit_own_organisation_listing(
    client: Any, make_user: Any, make_organisation: Any, make_listing: Any
) -> None:
    user = make_user()
    organisation = make_organisation()
    Person.objects.create(name="Ägare", organisation=organisation, user=user)
    need = make_listing(Need, owner=organisation)
    client.force_login(user)
    assert client.get(reverse("matchmaking:need-edit", args=[need.pk])).status_code == 200
