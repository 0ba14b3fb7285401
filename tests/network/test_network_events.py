"""Edges from published events: co-organising clusters and attendance."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from samverka.actors.enums import Helix
from samverka.events.models import Event, EventStatus, Registration, RegistrationStatus
from samverka.network.services import build_graph

pytestmark = pytest.mark.django_db


def _event(title, *, year, organisers=(), host=None, status=EventStatus.PUBLISHED, future=False):
    if future:
        start = timezone.now() + datetime.timedelta(days=30)
    else:
        start = datetime.datetime(year, 5, 4, 10, tzinfo=datetime.UTC)
    event = Event.objects.create(
        title=title,
        start=start,
        end=start + datetime.timedelta(hours=3),
        status=status,
        host=host,
    )
    event.organisers.add(*organisers)
    return event


def _register(event, org, *, attended=False, status=RegistrationStatus.CONFIRMED):
    n = Registration.objects.count()
    return Registration.objects.create(
        event=event,
        name=f"Person {n}",
        email=f"p{n}@example.se",
        organisation=org,
        attended=attended,
        status=status,
    )


@pytest.fixture
def orgs(make_organisation):
    return {
        name: make_organisation(name, helix=helix)
        for name, helix in (
            ("Alpha", Helix.COMPANY),
            ("Beta", Helix.ACADEMIA),
            ("Gamma", Helix.PUBLIC),
            ("Delta", Helix.CIVIL_SOCIETY),
            ("Epsilon", Helix.COMPANY),
        )
    }


def test_co_organising_clusters_link_the_organisations_that_run_them(orgs, make_cluster):
    one = make_cluster("One", organisation=orgs["Alpha"])
    two = make_cluster("Two", organisation=orgs["Beta"])
    three = make_cluster("Three", organisation=orgs["Gamma"])
    _event("Joint 2023", year=2023, organisers=[one, two])
    _event("Joint 2025", year=2025, organisers=[two], host=one)
    _event("Hosted", year=2024, organisers=[three], host=two)
    _event("Draft", year=2024, organisers=[one, three], status=EventStatus.DRAFT)
    _event("Cancelled", year=2024, organisers=[one, three], status=EventStatus.CANCELLED)

    graph = build_graph(kinds=["event_coorganisers"])

    a, b, c = orgs["Alpha"].pk, orgs["Beta"].pk, orgs["Gamma"].pk
    assert sorted(tuple(sorted(e)) for e in graph.edges()) == sorted(
        [tuple(sorted((a, b))), tuple(sorted((b, c)))]
    )
    ab = graph.edges[a, b]
    assert ab["weights"] == {"event_coorganisers": 2}
    assert ab["weight"] == 2
    assert ab["years"] == frozenset({2023, 2025})
    assert graph.edges[b, c]["years"] == frozenset({2024})
    # Only published events: no Alpha–Gamma link from the draft or the cancelled event.
    assert not graph.has_edge(a, c)


def test_attendance_uses_check_in_data_when_there_is_some(orgs):
    checked = _event("Checked in", year=2024)
    _register(checked, orgs["Alpha"], attended=True)
    _register(checked, orgs["Beta"], attended=True)
    _register(checked, orgs["Gamma"], attended=False)  # registered, did not come
    unchecked = _event("No check-in", year=2022)
    _register(unchecked, orgs["Alpha"])
    _register(unchecked, orgs["Delta"])
    _register(unchecked, orgs["Beta"], status=RegistrationStatus.WAITLISTED)
    _register(unchecked, orgs["Epsilon"], status=RegistrationStatus.CANCELLED)
    future = _event("Coming", year=0, future=True)
    _register(future, orgs["Gamma"])
    _register(future, orgs["Delta"])
    draft = _event("Draft", year=2024, status=EventStatus.DRAFT)
    _register(draft, orgs["Gamma"], attended=True)
    _register(draft, orgs["Delta"], attended=True)

    graph = build_graph(kinds=["event_attendance"])
    a, b, d = (orgs[n].pk for n in ("Alpha", "Beta", "Delta"))

    assert {tuple(sorted(e)) for e in graph.edges()} == {
        tuple(sorted((a, b))),  # both checked in
        tuple(sorted((a, d))),  # confirmed for a past event without check-in data
    }
    assert graph.edges[a, b]["years"] == frozenset({2024})
    assert graph.edges[a, d]["years"] == frozenset({2022})
    assert graph.edges[a, d]["weights"] == {"event_attendance": 1}


def test_shared_events_add_up_and_filter_by_year_and_kind(orgs, make_cluster):
    one = make_cluster("One", organisation=orgs["Alpha"])
    two = make_cluster("Two", organisation=orgs["Beta"])
    for year in (2021, 2023):
        event = _event(f"Meet {year}", year=year, organisers=[one, two])
        _register(event, orgs["Alpha"], attended=True)
        _register(event, orgs["Beta"], attended=True)
    a, b = orgs["Alpha"].pk, orgs["Beta"].pk

    both = build_graph()
    assert both.edges[a, b]["weights"] == {"event_attendance": 2, "event_coorganisers": 2}
    assert both.edges[a, b]["weight"] == 4
    assert both.edges[a, b]["kinds"] == ("event_attendance", "event_coorganisers")

    in_2023 = build_graph(year=2023)
    assert in_2023.edges[a, b]["weights"] == {"event_attendance": 1, "event_coorganisers": 1}
    assert not build_graph(year=2022).has_edge(a, b)
    assert build_graph(kinds=["relation"]).number_of_edges() == 0


def test_ego_network_is_built_from_the_neighbourhood(orgs, make_cluster):
    one = make_cluster("One", organisation=orgs["Alpha"])
    two = make_cluster("Two", organisation=orgs["Beta"])
    _event("Joint", year=2024, organisers=[one, two])
    visit = _event("Visit", year=2024)
    for name in ("Beta", "Gamma"):
        _register(visit, orgs[name], attended=True)
    lonely = _event("Elsewhere", year=2024)
    for name in ("Delta", "Epsilon"):
        _register(lonely, orgs[name], attended=True)
    a, b, c = orgs["Alpha"].pk, orgs["Beta"].pk, orgs["Gamma"].pk

    ego = build_graph(organisation=a, radius=1)
    assert set(ego) == {a, b}
    wider = build_graph(organisation=a, radius=2)
    assert set(wider) == {a, b, c}
    assert wider.edges[b, c]["kinds"] == ("event_attendance",)
    # The same as cutting the ego network out of the whole graph.
    import networkx as nx

    whole = build_graph()
    cut = nx.ego_graph(whole, a, radius=2)
    assert set(cut) == set(wider)
    assert {tuple(sorted(e)) for e in cut.edges()} == {tuple(sorted(e)) for e in wider.edges()}
    assert build_graph(organisation=a, year=2023).number_of_nodes() == 1
