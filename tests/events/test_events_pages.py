"""Event pages: permissions of editing, check-in, exports, counts, sharing, the calendar."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from samverka.actors.models import Person
from samverka.clusters.models import Membership
from samverka.events import services
from samverka.events.models import Event, EventShare, EventStatus, Registration
from samverka.geo.models import Area


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


@pytest.fixture
def other_manager(make_user: Any, make_cluster: Any) -> Any:
    user = make_user("other-manager")
    make_cluster("Other Cluster", slug="other").managers.add(user)
    return user


def _event_form(cluster: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "title": "Workshop om vall",
        "event_type": "workshop",
        "host": cluster.pk,
        "start": "2030-05-04T09:00",
        "end": "2030-05-05T15:00",
        "description": "<p>Två dagar</p><img src=x onerror=alert(1)>",
        "visibility": "public",
        "registration_open": "on",
    }
    data.update(extra)
    return data


def test_manager_creates_publishes_and_edits_through_pages(
    client: Any, cluster_manager: Any
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)
    response = client.post(reverse("events:create"), _event_form(cluster))
    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("events:detail", args=[event.uid])
    assert event.description.startswith("<p>Två dagar</p>")
    assert "onerror" not in event.description
    assert (event.status, event.sequence) == (EventStatus.DRAFT, 0)
    assert event.start.astimezone(dt.UTC) == dt.datetime(2030, 5, 4, 7, 0, tzinfo=dt.UTC)
    client.post(reverse("events:publish", args=[event.uid]))
    client.post(reverse("events:edit", args=[event.uid]), _event_form(cluster, title="Renamed"))
    event.refresh_from_db()
    assert (event.title, event.status, event.sequence) == ("Renamed", "published", 2)
    # Saving the form again unchanged is no new version for calendars.
    client.post(reverse("events:edit", args=[event.uid]), _event_form(cluster, title="Renamed"))
    event.refresh_from_db()
    assert event.sequence == 2
    edit_page = client.get(reverse("events:edit", args=[event.uid])).content.decode()
    assert 'value="2030-05-04T09:00"' in edit_page


def test_manager_cannot_host_on_other_cluster(
    client: Any, cluster_manager: Any, make_cluster: Any
) -> None:
    user, _cluster = cluster_manager
    client.force_login(user)
    response = client.post(reverse("events:create"), _event_form(make_cluster()))
    assert response.status_code == 200  # the form refuses a host outside its choices
    assert not Event.objects.exists()


def test_end_before_start_refused_by_form(client: Any, cluster_manager: Any) -> None:
    user, cluster = cluster_manager
    client.force_login(user)
    response = client.post(reverse("events:create"), _event_form(cluster, end="2030-05-03T09:00"))
    assert "The end must not be before the start." in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.parametrize("who", ["other", "member", "anonymous"])
def test_others_refused_on_event_writes(
    client: Any, published_event: Event, other_manager: Any, member_user: Any, who: str
) -> None:
    if who == "other":
        client.force_login(other_manager)
    elif who == "member":
        client.force_login(member_user[0])
    uid = published_event.uid
    expected = 302 if who == "anonymous" else 403
    assert client.get(reverse("events:edit", args=[uid])).status_code == expected
    assert client.get(reverse("events:manage", args=[uid])).status_code == expected
    for name in ("publish", "cancel", "edit"):
        response = client.post(reverse(f"events:{name}", args=[uid]), {"title": "Hacked"})
        assert response.status_code == expected, name
    if who == "member":
        assert client.get(reverse("events:create")).status_code == 403
    event = Event.objects.get(pk=published_event.pk)
    assert (event.title, event.status, event.sequence) == ("Nätverksträff", "published", 1)


def test_draft_hidden_from_others(
    client: Any, cluster_manager: Any, event_data: Any, other_manager: Any
) -> None:
    user, cluster = cluster_manager
    event = services.create_event(user, event_data(host=cluster))
    url = reverse("events:detail", args=[event.uid])
    assert client.get(url).status_code == 404
    client.force_login(other_manager)
    assert client.get(url).status_code == 404
    client.force_login(user)
    assert client.get(url).status_code == 200


def test_members_only_visibility(
    client: Any, published_event: Event, member_user: Any, make_user: Any
) -> None:
    Event.objects.filter(pk=published_event.pk).update(visibility="members")
    url = reverse("events:detail", args=[published_event.uid])
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(make_user("outsider"))
    assert client.get(url).status_code == 403
    client.force_login(member_user[0])
    assert client.get(url).status_code == 200
    client.logout()
    calendar = client.get(reverse("events:calendar"), {"month": "2030-03"})
    assert "Nätverksträff" not in calendar.content.decode()
    client.force_login(member_user[0])
    calendar = client.get(reverse("events:calendar"), {"month": "2030-03"})
    assert "Nätverksträff" in calendar.content.decode()


def _registrations(event: Event, make_organisation: Any) -> list[Registration]:
    academy = make_organisation("Universitetet", helix="academia")
    company = make_organisation("Företaget AB", helix="company")
    made = [
        services.register(
            event=event,
            name="Anna",
            email="anna@example.se",
            gender="woman",
            organisation_name="Universitetet",
        ),
        services.register(
            event=event,
            name="Bertil",
            email="bertil@example.se",
            gender="man",
            organisation=company,
        ),
        services.register(event=event, name="Cecilia", email="c@example.se", gender="woman"),
    ]
    assert made[0].registration.organisation == academy
    return [m.registration for m in made]


def test_check_in_by_htmx_and_counts(
    client: Any, cluster_manager: Any, published_event: Event, make_organisation: Any
) -> None:
    anna, _bertil, _cecilia = _registrations(published_event, make_organisation)
    client.force_login(cluster_manager[0])
    url = reverse("events:attendance", args=[published_event.uid, anna.pk])
    response = client.post(url, {"attended": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="registrant-{anna.pk}"' in response.content.decode()
    assert "Checked in" in response.content.decode()
    anna.refresh_from_db()
    assert anna.attended
    assert anna.checked_in_at is not None
    counts = services.attendance_counts(published_event)
    by_gender = {row["key"]: (row["registered"], row["attended"]) for row in counts["by_gender"]}
    assert by_gender["woman"] == (1, 1)
    assert by_gender["man"] == (1, 0)
    by_helix = {row["key"]: (row["registered"], row["attended"]) for row in counts["by_helix"]}
    assert by_helix["academia"] == (1, 1)
    assert by_helix["company"] == (1, 0)
    assert counts["waitlisted"] == 1
    page = client.get(reverse("events:manage", args=[published_event.uid]))
    content = page.content.decode()
    assert "Participants by gender and helix type" in content
    assert "Cecilia" in content
    client.post(url, {"attended": "0"})
    anna.refresh_from_db()
    assert not anna.attended


def test_attendee_exports(
    client: Any, cluster_manager: Any, published_event: Event, make_organisation: Any
) -> None:
    _registrations(published_event, make_organisation)
    client.force_login(cluster_manager[0])
    url = reverse("events:manage", args=[published_event.uid])
    response = client.get(url, {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(
        csv.reader(io.StringIO(text), delimiter=";" if ";" in text.splitlines()[0] else ",")
    )
    assert rows[0][:3] == ["name", "email", "organisation"]
    assert {r[0] for r in rows[1:]} == {"Anna", "Bertil", "Cecilia"}
    response = client.get(url, {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "name"
    anna = next(v for v in values if v[0] == "Anna")
    assert anna[2:4] == ("Universitetet", "academia")


def test_share_and_forward_once(
    client: Any,
    cluster_manager: Any,
    published_event: Event,
    other_manager: Any,
    make_organisation: Any,
) -> None:
    from samverka.clusters.models import Cluster

    other = Cluster.objects.get(slug="other")
    member_org = make_organisation("Medlemmen AB")
    Membership.objects.create(cluster=other, organisation=member_org)
    Person.objects.create(
        name="Yes", email="yes@example.se", organisation=member_org, newsletter_consent=True
    )
    Person.objects.create(name="No", email="no@example.se", organisation=member_org)
    client.force_login(cluster_manager[0])
    client.post(reverse("events:share", args=[published_event.uid]), {"clusters": [other.pk]})
    share = EventShare.objects.get()
    assert (share.event, share.cluster) == (published_event, other)
    # The other cluster's calendar shows the event marked with its host.
    page = client.get(reverse("events:cluster-calendar", args=["other"]), {"month": "2030-03"})
    assert "Shared by Managed Cluster" in page.content.decode()
    # The host's manager may not forward on the other cluster's behalf.
    forward = reverse("events:forward", args=[share.pk])
    assert client.post(forward).status_code == 403
    client.force_login(other_manager)
    detail = client.get(reverse("events:detail", args=[published_event.uid]))
    assert "Forward to the members of Other Cluster" in detail.content.decode()
    client.post(forward)
    client.post(forward)
    assert [m.to for m in mail.outbox] == [["yes@example.se"]]
    share.refresh_from_db()
    assert share.forwarded_at is not None
    assert services.forward_share(actor=other_manager, share=share) == 0
    assert len(mail.outbox) == 1


def test_calendar_month_and_list_with_filters(
    client: Any, cluster_manager: Any, event_data: Any, focus_area: Any, make_cluster: Any
) -> None:
    user, cluster = cluster_manager
    first = services.create_event(
        user, event_data(host=cluster, focus_areas=[focus_area], event_type="workshop")
    )
    services.publish_event(user, first)
    second = services.create_event(
        user,
        event_data(
            host=cluster,
            title="Webbinarium",
            event_type="webinar",
            rrule="FREQ=WEEKLY;COUNT=3",
            municipality=Area.objects.get(code="0180"),
        ),
    )
    services.publish_event(user, second)
    url = reverse("events:calendar")
    month = client.get(url, {"month": "2030-03"}).content.decode()
    assert '<table class="month-grid">' in month
    assert month.count("Webbinarium") == 3  # weekly, three times
    assert "Workshop" not in month  # the title of the first event is Nätverksträff
    assert "Nätverksträff" in month
    workshops = client.get(url, {"month": "2030-03", "type": "workshop"}).content.decode()
    assert "Nätverksträff" in workshops
    assert "Webbinarium" not in workshops
    focused = client.get(url, {"month": "2030-03", "focus": "vallodling"}).content.decode()
    assert "Nätverksträff" in focused
    assert "Webbinarium" not in focused
    stockholm = client.get(url, {"month": "2030-03", "county": "01"}).content.decode()
    assert "Webbinarium" in stockholm
    assert "Nätverksträff" not in stockholm
    other = make_cluster(slug="elsewhere")
    none = client.get(url, {"month": "2030-03", "cluster": other.slug}).content.decode()
    assert "Webbinarium" not in none
    listing = client.get(url, {"view": "list", "month": "2030-03"}, HTTP_HX_REQUEST="true")
    content = listing.content.decode()
    assert "<html" not in content  # the htmx partial only
    assert content.count("Webbinarium") == 3
    assert 'class="event-list"' in content


def test_cluster_profile_lists_upcoming_own_and_shared_events(
    client: Any, cluster_manager: Any, event_data: Any, make_cluster: Any
) -> None:
    user, cluster = cluster_manager
    other = make_cluster("Other Host", slug="other-host")
    soon = timezone.now() + dt.timedelta(days=10)
    when = {"start": soon, "end": soon + dt.timedelta(hours=2)}
    admin_event = services.create_event(None, event_data(host=other, title="Their meeting", **when))
    services.publish_event(None, admin_event)
    services.share_event(actor=None, event=admin_event, clusters=[cluster])
    own = services.create_event(user, event_data(host=cluster, title="Our workshop", **when))
    services.publish_event(user, own)
    hidden = services.create_event(user, event_data(host=cluster, title="Still a draft", **when))
    content = client.get(reverse("clusters:profile", args=[cluster.slug])).content.decode()
    assert "Upcoming events" in content
    assert "Our workshop" in content
    assert "Their meeting" in content
    assert "Shared by Other Host" in content
    assert hidden.title not in content
    assert reverse("events:cluster-calendar", args=[cluster.slug]) in content
    assert "webcal://" in content


def test_calendar_query_count_does_not_grow_with_events(
    client: Any,
    cluster_manager: Any,
    event_data: Any,
    focus_area: Any,
    make_cluster: Any,
    django_assert_max_num_queries: Any,
) -> None:
    user, cluster = cluster_manager

    def add(n: int) -> None:
        for i in range(n):
            event = services.create_event(
                user, event_data(host=cluster, title=f"E{i}", focus_areas=[focus_area])
            )
            services.publish_event(user, event)
            services.share_event(actor=user, event=event, clusters=[make_cluster()])

    add(2)
    url = reverse("events:cluster-calendar", args=[cluster.slug])
    with django_assert_max_num_queries(100) as few:
        client.get(url, {"month": "2030-03"})
    add(8)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"month": "2030-03", "view": "list"})
    assert response.content.decode().count('href="/events/') == 10


def test_national_calendar_queries_do_not_grow_with_recurring_events(
    client: Any,
    cluster_manager: Any,
    event_data: Any,
    focus_area: Any,
    django_assert_max_num_queries: Any,
) -> None:
    """A series' organisers and focus areas (its iCalendar categories) are fetched for all
    recurring events together, not once per series."""
    user, cluster = cluster_manager

    def add(n: int) -> None:
        for i in range(n):
            event = services.create_event(
                user,
                event_data(
                    host=cluster,
                    title=f"Series {i}",
                    rrule="FREQ=WEEKLY;COUNT=3",
                    focus_areas=[focus_area],
                ),
            )
            services.publish_event(user, event)

    add(1)
    url = reverse("events:calendar")
    with django_assert_max_num_queries(100) as few:
        client.get(url, {"month": "2030-03"})
    add(5)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"month": "2030-03"})
    assert response.content.decode().count("Series ") == 18


def test_co_organiser_manager_edits_but_keeps_host(
    client: Any, published_event: Event, other_manager: Any
) -> None:
    from samverka.clusters.models import Cluster

    other = Cluster.objects.get(slug="other")
    published_event.organisers.add(other)
    host = published_event.host
    client.force_login(other_manager)
    response = client.post(
        reverse("events:edit", args=[published_event.uid]),
        _event_form(host, title="Co-edited", organisers=[other.pk]),
    )
    assert response.status_code == 302
    event = Event.objects.get(pk=published_event.pk)
    assert (event.title, event.host, event.sequence) == ("Co-edited", host, 2)
    assert set(event.organisers.all()) == {host, other}


def test_recurring_event_page_lists_coming_dates(
    client: Any, cluster_manager: Any, event_data: Any
) -> None:
    user, cluster = cluster_manager
    start = timezone.now() + dt.timedelta(days=1)
    event = services.create_event(
        user,
        event_data(
            host=cluster,
            start=start,
            end=start + dt.timedelta(hours=1),
            rrule="FREQ=WEEKLY;COUNT=4",
        ),
    )
    services.publish_event(user, event)
    content = client.get(reverse("events:detail", args=[event.uid])).content.decode()
    dates = content.split('<details class="next-dates">')[1].split("</details>")[0]
    assert "Coming dates" in dates
    assert dates.count("<li><time datetime=") == 4
