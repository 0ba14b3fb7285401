"""Models and domain operations of the actor registry."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from samverka.actors.enums import Helix
from samverka.actors.filters import filter_organisations
from samverka.actors.models import FocusArea, Organisation, Person, Relation
from samverka.actors.services import normalise_orgnr, save_organisation, save_person
from samverka.clusters.models import Cluster
from samverka.clusters.services import add_member, members_by_helix, remove_member
from samverka.core.models import AuditEntry
from samverka.geo.models import Area, AreaKind

pytestmark = pytest.mark.django_db


def test_geography_has_all_counties_and_municipalities() -> None:
    assert Area.objects.filter(kind=AreaKind.NATION).count() == 1
    assert Area.objects.counties().count() == 21
    assert Area.objects.municipalities().count() == 290
    assert Area.objects.get(code="2380").county == Area.objects.get(code="23")
    assert Area.objects.get(code="0180").name == "Stockholm"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("556016-0680", "556016-0680"), ("5560160680", "556016-0680"), (" ", None), (None, None)],
)
def test_normalise_orgnr_valid(value: str | None, expected: str | None) -> None:
    assert normalise_orgnr(value) == expected


@pytest.mark.parametrize("value", ["556000-0000", "123", "abcdef-ghij"])
def test_normalise_orgnr_invalid_raises(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalise_orgnr(value)

    assert excinfo.value.code == "invalid_orgnr"


def test_organisation_orgnr_unique_when_given(
    make_organisation: Callable[..., Organisation],
) -> None:
    make_organisation(orgnr="556016-0680")
    make_organisation(orgnr=None)
    make_organisation(orgnr=None)  # any number of organisations may lack a number

    with pytest.raises(IntegrityError), transaction.atomic():
        make_organisation(orgnr="556016-0680")

    assert Organisation.objects.filter(orgnr__isnull=True).count() == 2


def test_save_organisation_creates_with_audit(
    make_user: Callable[..., User], focus_area: FocusArea
) -> None:
    user = make_user()

    org = save_organisation(
        actor=user,
        data={
            "name": "Bolaget AB",
            "orgnr": "5560160680",
            "helix": Helix.COMPANY,
            "municipality": Area.objects.get(code="2380"),
            "description": "<script>alert(1)</script><p>Ok</p>",
        },
        focus_areas=[focus_area],
    )

    assert org.orgnr == "556016-0680"
    assert "<script>" not in org.description
    assert [fa.slug for fa in org.focus_areas.all()] == ["vallodling"]
    entry = AuditEntry.objects.get(object_id=str(org.pk))
    assert (entry.actor, entry.action) == (user, "organisation.created")


def test_save_organisation_rejects_invalid_helix() -> None:
    with pytest.raises(ValidationError) as excinfo:
        save_organisation(actor=None, data={"name": "X", "helix": "spaceship"})

    assert list(excinfo.value.message_dict) == ["helix"]
    assert Organisation.objects.count() == 0


def test_save_organisation_without_change_writes_no_audit(
    make_organisation: Callable[..., Organisation],
) -> None:
    org = make_organisation("Same AB")

    save_organisation(actor=None, organisation=org, data={"name": "Same AB"})

    assert AuditEntry.objects.filter(object_id=str(org.pk)).count() == 0


def test_save_person_sets_and_clears_consent_timestamps(
    make_organisation: Callable[..., Organisation],
) -> None:
    org = make_organisation()
    person = save_person(
        actor=None,
        data={"name": "Pia", "organisation": org, "gender": "woman", "listing_consent": True},
    )
    given_at = person.listing_consent_at

    save_person(actor=None, person=person, data={"listing_consent": True})
    kept_at = Person.objects.get(pk=person.pk).listing_consent_at
    save_person(actor=None, person=person, data={"listing_consent": False})
    person.refresh_from_db()

    assert given_at is not None
    assert kept_at == given_at
    assert (person.listing_consent, person.listing_consent_at) == (False, None)
    assert (person.newsletter_consent, person.newsletter_consent_at) == (False, None)


def test_focus_area_name_follows_language() -> None:
    fa = FocusArea(slug="skog", name_sv="Skogsbruk", name_en="Forestry")

    with translation.override("en"):
        english = fa.name
    with translation.override("sv"):
        swedish = fa.name

    assert (english, swedish, str(fa)) == ("Forestry", "Skogsbruk", fa.name)


def test_relation_to_itself_is_rejected(make_organisation: Callable[..., Organisation]) -> None:
    org = make_organisation()

    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(source=org, target=org, kind="partnership")

    assert Relation.objects.count() == 0


def test_filter_organisations_combines_filters(
    make_organisation: Callable[..., Organisation],
    make_cluster: Callable[..., Cluster],
    focus_area: FocusArea,
) -> None:
    match = make_organisation("Skogsgården AB", helix=Helix.COMPANY)
    match.focus_areas.add(focus_area)
    make_organisation("Skogsuniversitetet", helix=Helix.ACADEMIA).focus_areas.add(focus_area)
    make_organisation("Skogsbolaget Sthlm", municipality=Area.objects.get(code="0180"))
    cluster = make_cluster()
    add_member(actor=None, cluster=cluster, organisation=match)

    result = filter_organisations(
        Organisation.objects.all(),
        helix="company",
        focus="vallodling",
        county="23",
        municipality="2380",
        cluster=cluster.slug,
        q="skog",
    )

    assert list(result) == [match]


def test_filter_organisations_unknown_helix_gives_nothing(
    make_organisation: Callable[..., Organisation],
) -> None:
    make_organisation()

    assert list(filter_organisations(Organisation.objects.all(), helix="spaceship")) == []


def test_members_by_helix_lists_every_type(
    make_cluster: Callable[..., Cluster], make_organisation: Callable[..., Organisation]
) -> None:
    cluster = make_cluster(members=2)
    add_member(actor=None, cluster=cluster, organisation=make_organisation(helix=Helix.ACADEMIA))

    counts = {row["helix"]: row["count"] for row in members_by_helix(cluster)}

    assert counts == {
        "company": 2,
        "academia": 1,
        "public": 0,
        "civil_society": 0,
        "other": 0,
    }


def test_add_member_twice_updates_role(
    make_cluster: Callable[..., Cluster], make_organisation: Callable[..., Organisation]
) -> None:
    cluster, org = make_cluster(), make_organisation()

    _m, first = add_member(actor=None, cluster=cluster, organisation=org)
    membership, second = add_member(actor=None, cluster=cluster, organisation=org, role="board")

    assert (first, second, membership.role) == (True, False, "board")
    assert cluster.memberships.count() == 1


def test_add_member_unknown_role_raises(
    make_cluster: Callable[..., Cluster], make_organisation: Callable[..., Organisation]
) -> None:
    cluster = make_cluster()

    with pytest.raises(ValidationError):
        add_member(actor=None, cluster=cluster, organisation=make_organisation(), role="king")

    assert cluster.memberships.count() == 0


def test_remove_member_without_membership_returns_false(
    make_cluster: Callable[..., Cluster], make_organisation: Callable[..., Organisation]
) -> None:
    assert remove_member(actor=None, cluster=make_cluster(), organisation=make_organisation()) is (
        False
    )


def test_get_absolute_urls(
    make_organisation: Callable[..., Organisation], make_cluster: Callable[..., Cluster]
) -> None:
    org = make_organisation()
    person = Person.objects.create(name="P", organisation=org)

    assert (org.get_absolute_url(), person.get_absolute_url()) == (
        f"/organisations/{org.pk}/",
        f"/people/{person.pk}/",
    )
    assert make_cluster(slug="vreta").get_absolute_url() == "/clusters/vreta/"


def test_organisation_queryset_search_matches_orgnr_prefix(
    make_organisation: Callable[..., Organisation],
) -> None:
    org = make_organisation("Alfa AB", orgnr="556016-0680")
    make_organisation("Beta AB")

    assert list(Organisation.objects.search("556016")) == [org]
    assert list(Organisation.objects.search("alfa")) == [org]
    assert Organisation.objects.search("  ").count() == 2
