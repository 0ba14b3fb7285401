"""Cluster staircase: figures pre-filled from the platform's data."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone, translation

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.clusters.models import Cluster, MeasureKey, Membership
from samverka.clusters.staircase_services import compute_measures, save_assessment
from samverka.geo.models import Area
from samverka.programmes.enums import ProjectStatus
from samverka.programmes.models import Programme, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixture(
    make_cluster: Callable[..., Cluster], make_organisation: Callable[..., Organisation]
) -> dict[str, Any]:
    """A Jämtland cluster with two companies in Östersund, a university in Umeå and a public body
    without a municipality; one granted project with an outside academic partner."""
    cluster = make_cluster("Trappklustret", county="23")
    company_a = make_organisation("Företag A")
    company_b = make_organisation("Företag B")
    university = make_organisation(
        "Umeå universitet", helix=Helix.ACADEMIA, municipality=Area.objects.get(code="2480")
    )
    public = make_organisation("Kommunen", helix=Helix.PUBLIC, municipality=None)
    for org in (company_a, company_b, university, public):
        Membership.objects.create(cluster=cluster, organisation=org)
    outside_academia = make_organisation("Forskningsinstitutet", helix=Helix.ACADEMIA)
    outsider = make_organisation("Utomstående AB")
    programme = Programme.objects.create(code="lb", name="LB", start_year=2014, end_year=2027)

    def project(ref: str, status: str, applicant: Organisation, *partners: Organisation) -> None:
        p = Project.objects.create(
            reference=ref, programme=programme, title=ref, applicant=applicant, status=status
        )
        p.partners.set(partners)

    project("P1", ProjectStatus.GRANTED, company_a, outside_academia)  # counts
    project("P2", ProjectStatus.RUNNING, outside_academia, company_b, outsider)  # counts
    project("P3", ProjectStatus.DRAFT, company_a, outside_academia)  # not granted
    project("P4", ProjectStatus.GRANTED, company_a, company_b)  # no academia
    project("P5", ProjectStatus.GRANTED, outsider, outside_academia)  # no member
    return {"cluster": cluster}


def test_helix_measure_counts_members_per_type(fixture: dict[str, Any]) -> None:
    with translation.override("en"):
        measure = compute_measures(cluster=fixture["cluster"])[MeasureKey.HELIX_TYPES]

    assert measure.figure == 3.0
    assert measure.value == (
        "3 of 5 helix types present "
        "(company 2, academia 1, public sector 1, civil society 0, other 0)"
    )
    assert measure.source.startswith("Samverka: the cluster's member list")


def test_outside_home_counties_measure_shares_known_municipalities(
    fixture: dict[str, Any],
) -> None:
    with translation.override("en"):
        measure = compute_measures(cluster=fixture["cluster"])[MeasureKey.OUTSIDE_HOME_COUNTIES]

    assert measure.figure == 33.3
    assert measure.value == (
        "1 of 3 members (33 %) are outside the home counties (1 without a municipality)"
    )


def test_academic_projects_measure_counts_granted_projects_with_member_and_academia(
    fixture: dict[str, Any],
) -> None:
    measure = compute_measures(cluster=fixture["cluster"])[MeasureKey.ACADEMIC_PROJECTS]

    assert measure.figure == 2.0


def _event(title: str, *, days_ago: int, organisers: list[Cluster], **fields: Any) -> Any:
    from samverka.events.models import Event, EventStatus

    start = timezone.now() - datetime.timedelta(days=days_ago)
    fields.setdefault("status", EventStatus.PUBLISHED)
    event = Event.objects.create(
        title=title, start=start, end=start + datetime.timedelta(hours=2), **fields
    )
    event.organisers.set(organisers)
    return event


def test_co_organised_events_counts_recent_published_events_with_another_cluster(
    fixture: dict[str, Any], make_cluster: Callable[..., Cluster]
) -> None:
    from samverka.events.models import EventStatus

    cluster = fixture["cluster"]
    other = make_cluster("Grannklustret")
    third = make_cluster("Tredje klustret")
    _event("Together", days_ago=30, organisers=[cluster, other])  # counts
    _event("Three of us", days_ago=400, organisers=[cluster, other, third])  # counts
    _event("Hosted by the other", days_ago=10, organisers=[cluster], host=other)  # counts
    _event("Alone", days_ago=20, organisers=[cluster])  # no other cluster
    _event("Alone, hosting", days_ago=20, organisers=[cluster], host=cluster)
    _event("Too old", days_ago=800, organisers=[cluster, other])
    _event("Not ours", days_ago=5, organisers=[other, third])
    _event("Draft", days_ago=5, organisers=[cluster, other], status=EventStatus.DRAFT)
    _event("Cancelled", days_ago=5, organisers=[cluster, other], status=EventStatus.CANCELLED)
    _event("Upcoming", days_ago=-30, organisers=[cluster, other])

    with translation.override("en"):
        measure = compute_measures(cluster=cluster)[MeasureKey.CO_ORGANISED_EVENTS]

    assert measure.figure == 3.0
    assert measure.value == (
        "3 published events co-organised with other clusters in the last 2 years"
    )
    assert measure.source.startswith("Samverka event calendar: organiser and host clusters")
    assert timezone.localdate().isoformat() in measure.source


def test_international_members_counts_members_outside_sweden(
    fixture: dict[str, Any], make_organisation: Callable[..., Organisation]
) -> None:
    cluster = fixture["cluster"]
    for name, country in (("Norsk AS", "NO"), ("Suomi Oy", "FI"), ("Okänt land AB", "")):
        Membership.objects.create(
            cluster=cluster, organisation=make_organisation(name, country=country)
        )
    make_organisation("Dansk ApS", country="DK")  # not a member

    with translation.override("en"):
        measure = compute_measures(cluster=cluster)[MeasureKey.INTERNATIONAL_MEMBERS]

    assert measure.figure == 2.0
    assert measure.value == "2 of 7 members are based outside Sweden (FI, NO) (1 without a country)"
    assert measure.source.startswith("Samverka: the cluster's member list and each organisation")


def test_all_measures_are_available(fixture: dict[str, Any]) -> None:
    measures = compute_measures(cluster=fixture["cluster"])

    assert all(m.available for m in measures.values())
    assert measures[MeasureKey.INTERNATIONAL_MEMBERS].figure == 0.0
    assert measures[MeasureKey.CO_ORGANISED_EVENTS].figure == 0.0


def test_new_draft_stores_figures_and_sources(
    fixture: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    cluster = fixture["cluster"]
    with translation.override("en"):
        assessment = save_assessment(actor=make_user(), cluster=cluster, answers={})

    answers = {a.criterion.code: a for a in assessment.answers.select_related("criterion")}
    assert answers["mapping"].prefilled_value.startswith("3 of 5 helix types present")
    assert answers["cross-regional"].prefilled_value.startswith("1 of 3 members")
    assert answers["innovation-links"].prefilled_value == (
        "2 granted projects with a member and an academic partner"
    )
    assert answers["global-links"].prefilled_value == "0 of 4 members are based outside Sweden"
    assert answers["global-links"].prefilled_source.startswith("Samverka: the cluster's member")
    assert answers["trust"].prefilled_source == ""


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""


def test_imported_country_counts_as_international(fixture: dict[str, Any]) -> None:
    import io

    from samverka.actors.importers import import_organisations

    data = (
        "name;helix;country\n"
        "Norsk Skog AS;company;no\n"
        "Svensk Skog AB;company;\n"
        "Fel Land AB;company;Norway\n"
    )
    bad = import_organisations(io.BytesIO(data.encode()), filename="orgs.csv")
    assert not bad.ok
    assert not Organisation.objects.filter(name="Norsk Skog AS").exists()  # atomic

    good = import_organisations(
        io.BytesIO(data.replace("Norway", "").encode()), filename="orgs.csv"
    )
    assert good.created == 3
    assert Organisation.objects.get(name="Norsk Skog AS").country == "NO"
    assert Organisation.objects.get(name="Svensk Skog AB").country == "SE"  # the default
    for org in Organisation.objects.filter(name__endswith="Skog AS"):
        Membership.objects.create(cluster=fixture["cluster"], organisation=org)

    measure = compute_measures(cluster=fixture["cluster"])[MeasureKey.INTERNATIONAL_MEMBERS]
    assert measure.figure == 1.0
