from __future__ import annotations

import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from stdnum.se import orgnr as se_orgnr

from samverka.actors.enums import Gender, Helix
from samverka.actors.models import FocusArea, Organisation, Person
from samverka.clusters.models import Cluster, Membership
from samverka.core.demo import DEMO_SUFFIX, FOCUS_AREAS, demo_loaded, load_demo
from samverka.core.models import DemoMarker
from samverka.geo.models import AreaKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> dict[str, int]:
    return load_demo()


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_load_demo_creates_the_national_network_and_gront_center(demo):
    clusters = Cluster.objects.all()

    assert clusters.count() == 18
    assert clusters.filter(in_national_network=True).count() == 18
    assert not clusters.filter(name="Grönt Center Ås").exists()  # the same centre as seed 000
    assert clusters.filter(name="Vreta Kluster").exists()
    assert clusters.filter(name__contains="FRODA").exists()
    gront_center = clusters.get(name="Grönt Center Jämtland Härjedalen")
    assert gront_center.in_national_network is True
    assert [r.code for r in gront_center.regions.all()] == ["23"]
    assert sorted(fa.slug for fa in gront_center.focus_areas.all()) == sorted(
        spec.slug for spec in FOCUS_AREAS
    )
    assert demo["clusters"] == 18
    assert demo_loaded()


def test_load_demo_creates_the_focus_areas_of_seed_000(demo):
    names = set(FocusArea.objects.values_list("name_sv", flat=True))

    assert len(names) == 10
    assert {"Vallodling", "Trähusbyggande", "Variationsrikt skogsbruk"} <= names
    assert not FocusArea.objects.filter(name_en="").exists()
    assert not FocusArea.objects.filter(description="").exists()


def test_demo_clusters_each_have_a_county_focus_areas_text_and_at_least_three_members(demo):
    for cluster in Cluster.objects.prefetch_related("regions", "focus_areas"):
        regions = list(cluster.regions.all())
        assert len(regions) == 1, cluster.name
        assert regions[0].kind == AreaKind.COUNTY
        assert cluster.focus_areas.exists(), cluster.name
        assert 3 <= cluster.memberships.count() <= 10, cluster.name
        assert cluster.summary, cluster.name
        assert cluster.description, cluster.name
        assert cluster.organisation is not None, cluster.name
        assert cluster.is_demo


def test_demo_clusters_are_in_the_counties_of_seed_001(demo):
    county = {c.slug: c.regions.get().code for c in Cluster.objects.all()}

    assert county["vreta-kluster"] == "05"
    assert county["froda-dalarna"] == "20"
    assert county["slu-partnerskap-alnarp"] == "12"
    assert county["green-innovation-park-ultuna"] == "03"
    assert county["gront-center-jamtland-harjedalen"] == "23"
    assert county["gotlands-gront-centrum"] == "09"


def test_demo_organisations_are_marked_and_named_as_demo_except_cluster_operators(demo):
    operators = set(Cluster.objects.values_list("organisation", flat=True))

    assert not Organisation.objects.filter(is_demo=False).exists()
    members = Organisation.objects.exclude(pk__in=operators)
    assert members.count() >= 60
    for org in members:
        assert org.name.endswith(DEMO_SUFFIX), org.name
        assert org.website.startswith("https://example.se/"), org.name
        assert org.municipality is not None, org.name
        assert org.municipality.kind == AreaKind.MUNICIPALITY
        assert org.description
        assert org.focus_areas.exists(), org.name
    for org in Organisation.objects.filter(pk__in=operators):
        assert not org.name.endswith(DEMO_SUFFIX)
        assert org.orgnr is None


def test_demo_organisations_cover_every_helix_type_and_several_counties(demo):
    members = Organisation.objects.filter(clusters_run__isnull=True)

    assert set(members.values_list("helix", flat=True)) == set(Helix.values)
    helix = list(members.values_list("helix", flat=True))
    assert max(set(helix), key=helix.count) == Helix.COMPANY
    assert members.values("municipality__parent").distinct().count() >= 14


def test_demo_org_numbers_are_valid_and_every_company_has_one(demo):
    numbers = list(Organisation.objects.exclude(orgnr=None).values_list("orgnr", flat=True))

    assert len(numbers) == Organisation.objects.filter(helix=Helix.COMPANY).count()
    for number in numbers:
        assert se_orgnr.is_valid(number), number
        assert se_orgnr.format(number) == number


def test_demo_memberships_mix_roles_and_some_organisations_are_in_several_clusters(demo):
    roles = set(Membership.objects.values_list("role", flat=True))

    assert len(roles) >= 4
    assert not Membership.objects.filter(since=None).exists()
    in_several = [org for org in Organisation.objects.all() if org.memberships.count() >= 2]
    assert len(in_several) >= 5


def test_demo_people_are_fictional_and_consent_has_a_timestamp(demo):
    people = Person.objects.all()

    assert people.count() >= 30
    assert all(p.is_demo and p.email.endswith("@example.org") for p in people)
    assert {Gender.WOMAN, Gender.MAN} <= set(people.values_list("gender", flat=True))
    assert people.filter(newsletter_consent=True).exists()
    assert people.filter(listing_consent=False).exists()
    for person in people:
        assert person.newsletter_consent == (person.newsletter_consent_at is not None)
        assert person.listing_consent == (person.listing_consent_at is not None)
        assert person.organisation is not None


def test_load_demo_twice_creates_and_changes_nothing(demo):
    before = _row_counts()
    stamps = sorted(Organisation.objects.values_list("pk", "updated"))

    again = load_demo()

    assert _row_counts() == before
    assert sorted(Organisation.objects.values_list("pk", "updated")) == stamps
    assert again["created"] == 0
    assert again["updated"] == 0
    assert {k: v for k, v in again.items() if k not in {"created", "updated"}} == {
        k: v for k, v in demo.items() if k not in {"created", "updated"}
    }


def test_load_demo_gives_the_same_data_on_every_database(demo):
    first = sorted(Organisation.objects.values_list("name", "orgnr", "municipality__code"))
    Cluster.objects.all().delete()
    Person.objects.all().delete()
    Organisation.objects.all().delete()
    DemoMarker.objects.all().delete()

    load_demo()

    assert sorted(Organisation.objects.values_list("name", "orgnr", "municipality__code")) == first


def test_load_demo_again_restores_missing_rows_but_keeps_edits(demo):
    vreta = Cluster.objects.get(slug="vreta-kluster")
    members = sorted(vreta.memberships.values_list("organisation__name", "role", "since"))
    vreta.memberships.first().delete()
    vreta.summary = "Redigerad sammanfattning"
    vreta.save()

    again = load_demo()

    vreta.refresh_from_db()
    assert again["created"] == 1
    assert sorted(vreta.memberships.values_list("organisation__name", "role", "since")) == members
    assert vreta.summary == "Redigerad sammanfattning"


def test_load_demo_with_a_newer_version_brings_demo_rows_up_to_date(demo):
    vreta = Cluster.objects.get(slug="vreta-kluster")
    original = vreta.summary
    vreta.summary = "Redigerad sammanfattning"
    vreta.save()
    DemoMarker.objects.update(version=0)

    again = load_demo()

    vreta.refresh_from_db()
    assert vreta.summary == original
    assert again["updated"] == 1
    assert DemoMarker.objects.get().version >= 1


def test_load_demo_leaves_rows_that_are_not_demo_data_alone():
    own = Cluster.objects.create(name="Vår egen kluster", slug="vreta-kluster")
    FocusArea.objects.create(slug="vallodling", name_sv="Vall", name_en="Ley")

    counts = load_demo()

    own.refresh_from_db()
    assert own.name == "Vår egen kluster"
    assert not own.is_demo
    assert not own.memberships.exists()
    assert FocusArea.objects.get(slug="vallodling").name_sv == "Vall"
    assert counts["skipped"] == 1
    assert counts["clusters"] == 17


def test_demo_command_prints_only_json_on_stdout():
    out, err = io.StringIO(), io.StringIO()

    call_command("demo", "--format", "json", stdout=out, stderr=err)

    counts = json.loads(out.getvalue())
    assert counts["clusters"] == 18
    assert counts["created"] > 0
    assert "18 clusters" in err.getvalue()


def test_demo_command_is_safe_to_run_twice():
    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())
    before = _row_counts()
    out, err = io.StringIO(), io.StringIO()

    call_command("demo", stdout=out, stderr=err)

    assert _row_counts() == before
    assert out.getvalue() == ""
    assert "0 created" in err.getvalue()


def test_demo_command_with_verbosity_zero_prints_nothing():
    out, err = io.StringIO(), io.StringIO()

    call_command("demo", verbosity=0, stdout=out, stderr=err)

    assert (out.getvalue(), err.getvalue()) == ("", "")
    assert Cluster.objects.count() == 18
