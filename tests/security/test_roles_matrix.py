"""Issue #8: every write view and API operation, tried by every role, with the expected outcome.

The matrix is data (``ACTIONS``): how to perform the write, a probe that reads the state the
write changes, and the roles that may do it. For each action × role:

- allowed: the answer is 2xx/3xx and the probe's value changed;
- denied: the answer is 401/403/404 (anonymous visitors of pages: a redirect to the login page),
  the probe is unchanged and no table gained or lost a row. Every action's payload is valid —
  the allowed roles prove it — so a denial can't be a validation error in disguise. The few rows
  whose denial is a form refusal name it in ``refused``: there the payload names a cluster the
  role does not manage, and the form offers only the role's own clusters.

``test_every_write_endpoint_is_in_the_matrix`` fails listing any write endpoint (URL pattern whose
view accepts a method other than GET/HEAD, or non-GET API operation) without a row here.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook
from security_world import ROLES, World

pytestmark = pytest.mark.django_db

ALL = frozenset(ROLES)
LOGGED_IN = ALL - {"anonymous"}
ADMIN = frozenset({"admin"})
MANAGER = frozenset({"manager", "admin"})  # of cluster A, which owns the object
ANY_MANAGER = MANAGER | {"other_manager"}
OFFICER = frozenset({"officer", "admin"})
APPLICANT = OFFICER | {"member"}  # the member's organisation applies
EDITOR_A1 = MANAGER | {"member"}  # the member's own organisation (org_a1, in cluster A)


@dataclass(frozen=True)
class Action:
    """One write: ``endpoint`` is a URL name (``app:name``) or ``"API <METHOD> <path>"``."""

    id: str
    endpoint: str
    send: Callable[[Client, World], HttpResponse]
    probe: Callable[[World], Any]
    allow: frozenset[str]
    refused: frozenset[str] = frozenset()  # roles refused by the form (400/200 re-render)


# Senders ----------------------------------------------------------------------------------------


def post(
    name: str,
    args: Callable[[World], list[Any]] | None = None,
    data: Callable[[World], dict[str, Any]] | None = None,
) -> Callable[[Client, World], HttpResponse]:
    def send(client: Client, w: World) -> HttpResponse:
        url = reverse(name, args=args(w) if args else [])
        return client.post(url, data(w) if data else {})

    return send


def api(
    method: str, path: Callable[[World], str], body: Callable[[World], Any] | None = None
) -> Callable[[Client, World], HttpResponse]:
    def send(client: Client, w: World) -> HttpResponse:
        payload = json.dumps(body(w)) if body else None
        return client.generic(
            method, "/api/v1" + path(w), payload or "", content_type="application/json"
        )

    return send


def upload(name: str, content: bytes, content_type: str = "text/plain") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# Probes -----------------------------------------------------------------------------------------


def value(label: str, attr: str, **lookup: Callable[[World], Any]) -> Callable[[World], Any]:
    """The attribute of one row, looked up afresh (``None`` once the row is gone)."""

    def probe(w: World) -> Any:
        model = apps.get_model(label)
        row = model.objects.filter(**{k: f(w) for k, f in lookup.items()}).first()
        if row is None:
            return None
        result = getattr(row, attr)
        return sorted(result.values_list("pk", flat=True)) if hasattr(result, "all") else result

    return probe


def count(label: str, **lookup: Callable[[World], Any] | Any) -> Callable[[World], int]:
    def probe(w: World) -> int:
        model = apps.get_model(label)
        return model.objects.filter(
            **{k: f(w) if callable(f) else f for k, f in lookup.items()}
        ).count()

    return probe


def pk_of(name: str) -> Callable[[World], int]:
    return lambda w: getattr(w, name).pk


# Payloads ---------------------------------------------------------------------------------------


def _staircase(w: World) -> dict[str, str]:
    from samverka.clusters.staircase_services import load_steps

    data = {"action": "save", "plan": "Vi tar fram en strategi."}
    for step in load_steps():
        for c in step.criteria.all():
            data[f"score_{c.code}"] = "not_met"
    return data


def _application(w: World) -> dict[str, Any]:
    return {
        "title": "Matrix ansökan",
        "applicant": w.org_a1.pk,
        "expected_jobs_women": 0,
        "expected_jobs_men": 0,
        "expected_companies": 0,
        "expected_participants_women": 0,
        "expected_participants_men": 0,
        "lines-TOTAL_FORMS": 0,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
    }


def _call(w: World) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "programme": w.programme.pk,
        "slug": "matrix-new-call",
        "title": "Matrix new call",
        "measures": [w.measure.pk],
        "opens": today.isoformat(),
        "closes": (today + dt.timedelta(days=20)).isoformat(),
        "max_support_share": "0.5",
        "published": "on",
        f"weight_{w.criterion.pk}": "1",
    }


def _event_form(w: World) -> dict[str, Any]:
    return {
        "title": "Matrix event",
        "event_type": "network_meeting",
        "host": w.alpha.pk,
        "start": "2031-03-10 09:00",
        "end": "2031-03-10 16:00",
        "visibility": "public",
        "registration_open": "on",
    }


ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//matrix//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:matrix-import@example.se\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20310401T080000Z\r\n"
    b"DTEND:20310401T100000Z\r\nSUMMARY:Imported matrix event\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
OPML = (
    b'<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
    b'<outline type="rss" text="Opml feed" xmlUrl="https://opml.example.se/feed.xml"/>'
    b"</body></opml>"
)
PROGRAMME_JSON = json.dumps(
    {
        "code": "matrix-imp",
        "name": "Imported",
        "period": {"start": 2021, "end": 2027},
        "criteria": [{"name": "Relevans", "weight": 1}],
        "priority_areas": [
            {"number": 1, "name": "Område", "measures": [{"code": "1.1", "name": "Åtgärd"}]}
        ],
    }
).encode()


def _listing(w: World) -> dict[str, Any]:
    return {
        "kind": "testbed",
        "title": "Matrix listing",
        "description": "Vi söker en testbädd.",
        "owner": w.org_a1.pk,
        "visibility": "public",
        "expires_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
    }


def _help(w: World) -> dict[str, Any]:
    return {
        "title": "Testing a new ley seed mix",
        "description": "We want trial plots for a seed mix that survives a late spring.",
        "kind": "testbed",
        "focus_area": str(w.focus.pk),
        "municipality": str(w.municipality.pk),
        "name": "Matrix Person",
        "email": "matrix-help@example.se",
        "organisation_name": "Matrix AB",
        "phone": "",
        "consent": "on",
        "website": "",
    }


# The matrix -------------------------------------------------------------------------------------

ACTIONS: list[Action] = [
    # Organisations and people
    Action(
        "organisation create",
        "actors:organisation-create",
        post("actors:organisation-create", data=lambda w: {"name": "Ny AB", "helix": "company"}),
        count("actors.Organisation", name="Ny AB"),
        ANY_MANAGER,  # a new organisation belongs to no cluster yet
    ),
    Action(
        "organisation edit",
        "actors:organisation-edit",
        post(
            "actors:organisation-edit",
            lambda w: [w.org_a1.pk],
            lambda w: {"name": "Omdöpt AB", "helix": "company"},
        ),
        value("actors.Organisation", "name", pk=pk_of("org_a1")),
        EDITOR_A1,
    ),
    Action(
        "organisation import",
        "actors:organisation-import",
        lambda c, w: c.post(
            reverse("actors:organisation-import"),
            {"file": upload("o.csv", b"name;orgnr;helix\r\nImporterad AB;202100-5489;company\r\n")},
        ),
        count("actors.Organisation", orgnr="202100-5489"),
        ANY_MANAGER,
    ),
    Action(
        "organisation import updating an existing one",
        "actors:organisation-import",
        lambda c, w: c.post(
            reverse("actors:organisation-import"),
            {
                "file": upload(
                    "o.csv", b"name;orgnr;helix\r\nAlfa Omd\xc3\xb6pt AB;556016-0680;company\r\n"
                )
            },
        ),
        value("actors.Organisation", "name", pk=pk_of("org_a1")),
        MANAGER,  # as on the edit page: not the manager of another cluster
        refused=frozenset({"other_manager"}),  # the report lists the row, nothing is written
    ),
    Action(
        "person create",
        "actors:person-create",
        post(
            "actors:person-create",
            data=lambda w: {"name": "Nils Ny", "organisation": w.org_a1.pk, "gender": "man"},
        ),
        count("actors.Person", name="Nils Ny"),
        EDITOR_A1,
        refused=frozenset({"other_manager"}),  # org_a1 is not among their organisations
    ),
    Action(
        "person edit",
        "actors:person-edit",
        post(
            "actors:person-edit",
            lambda w: [w.person_a2.pk],
            lambda w: {"name": "Per Omdöpt", "organisation": w.org_a2.pk, "gender": "man"},
        ),
        value("actors.Person", "name", pk=pk_of("person_a2")),
        MANAGER,
    ),
    Action(
        "relation add",
        "actors:relation-add",
        post(
            "actors:relation-add",
            lambda w: [w.org_a1.pk],
            lambda w: {"target": w.org_b.pk, "kind": "supplier"},
        ),
        count("actors.Relation", source=pk_of("org_a1")),
        EDITOR_A1,
    ),
    Action(
        "relation remove",
        "actors:relation-remove",
        post("actors:relation-remove", lambda w: [w.org_a2.pk, w.relation.pk]),
        count("actors.Relation", pk=pk_of("relation")),
        MANAGER,
    ),
    # Clusters
    Action(
        "cluster create",
        "clusters:create",
        post(
            "clusters:create",
            data=lambda w: {
                "name": "Gamma Cluster",
                "summary": "Ny",
                "regions": [w.alpha.regions.first().pk],
            },
        ),
        count("clusters.Cluster", name="Gamma Cluster"),
        ADMIN,
    ),
    Action(
        "cluster edit",
        "clusters:edit",
        post(
            "clusters:edit",
            lambda w: [w.alpha.slug],
            lambda w: {
                "name": "Alpha Renamed",
                "summary": "Ny",
                "regions": [w.alpha.regions.first().pk],
            },
        ),
        value("clusters.Cluster", "name", pk=pk_of("alpha")),
        MANAGER,
    ),
    Action(
        "cluster member add",
        "clusters:member-add",
        post(
            "clusters:member-add",
            lambda w: [w.alpha.slug],
            lambda w: {"organisation": w.org_x.pk, "role": "partner"},
        ),
        count("clusters.Membership", cluster=pk_of("alpha")),
        MANAGER,
    ),
    Action(
        "cluster member remove",
        "clusters:member-remove",
        post("clusters:member-remove", lambda w: [w.alpha.slug, w.org_a2.pk]),
        count("clusters.Membership", cluster=pk_of("alpha")),
        MANAGER,
    ),
    Action(
        "staircase assessment",
        "clusters:staircase-assess",
        post("clusters:staircase-assess", lambda w: [w.alpha.slug], _staircase),
        count("clusters.StaircaseAssessment", cluster=pk_of("alpha")),
        MANAGER,
    ),
    # Programmes: calls, applications, assessment, decisions, follow-up
    Action(
        "call create",
        "programmes:call-create",
        post("programmes:call-create", data=_call),
        count("programmes.Call", slug="matrix-new-call"),
        OFFICER,
    ),
    Action(
        "call edit",
        "programmes:call-edit",
        post(
            "programmes:call-edit",
            lambda w: [w.call.slug],
            lambda w: {**_call(w), "slug": w.call.slug, "title": "Matrix call renamed"},
        ),
        value("programmes.Call", "title", pk=pk_of("call")),
        OFFICER,
    ),
    Action(
        "call document add",
        "programmes:call-document-add",
        lambda c, w: c.post(
            reverse("programmes:call-document-add", args=[w.call.slug]),
            {"title": "Guide", "file": upload("guide.pdf", b"%PDF-1.4 guide", "application/pdf")},
        ),
        count("programmes.CallDocument", call=pk_of("call")),
        OFFICER,
    ),
    Action(
        "call assessor remove",
        "programmes:call-assessors",
        post(
            "programmes:call-assessors",
            lambda w: [w.call.slug],
            lambda w: {"remove": w.users["assessor"].pk},
        ),
        value("programmes.Call", "assessors", pk=pk_of("call")),
        OFFICER,
    ),
    Action(
        "application create",
        "programmes:application-create",
        post("programmes:application-create", lambda w: [w.call.slug], _application),
        count("programmes.Project", title="Matrix ansökan"),
        APPLICANT,
        # Without an organisation of their own they are sent back to the call: nothing written.
        refused=frozenset({"assessor", "other_manager", "manager"}),
    ),
    Action(
        "application edit",
        "programmes:application-edit",
        post(
            "programmes:application-edit",
            lambda w: [w.draft.reference],
            lambda w: {**_application(w), "title": "Matrix utkast omdöpt"},
        ),
        value("programmes.Project", "title", pk=pk_of("draft")),
        APPLICANT,
    ),
    Action(
        "application submit",
        "programmes:project-submit",
        post("programmes:project-submit", lambda w: [w.draft.reference]),
        value("programmes.Project", "status", pk=pk_of("draft")),
        APPLICANT,
    ),
    Action(
        "project status",
        "programmes:project-status",
        post(
            "programmes:project-status",
            lambda w: [w.granted.reference],
            lambda w: {"to_status": "running", "note": "Startat"},
        ),
        value("programmes.Project", "status", pk=pk_of("granted")),
        OFFICER,
    ),
    Action(
        "decision",
        "programmes:decision",
        post(
            "programmes:decision",
            lambda w: [w.in_assessment.reference],
            lambda w: {"decision": "reject", "motivation": "Uppfyller inte kriterierna."},
        ),
        value("programmes.Project", "status", pk=pk_of("in_assessment")),
        OFFICER,
    ),
    Action(
        "outcome",
        "programmes:outcome",
        post(
            "programmes:outcome",
            lambda w: [w.granted.reference],
            lambda w: {
                f"decided_{w.granted_line.pk}": 100_000,
                f"outcome_{w.granted_line.pk}": 40_000,
                "note": "Utbetalt",
            },
        ),
        value("programmes.FinancingLine", "outcome_sek", pk=pk_of("granted_line")),
        OFFICER,
    ),
    Action(
        "assessment scores",
        "programmes:assessment",
        post(
            "programmes:assessment",
            lambda w: [w.in_assessment.reference],
            lambda w: {f"score_{w.criterion.pk}": "3", "comment": "Bra"},
        ),
        count("programmes.Score", assessment__project=pk_of("in_assessment")),
        frozenset({"assessor"}),  # only the assigned assessor; officers read, never score
    ),
    Action(
        "assessment conflict",
        "programmes:assessment-conflict",
        post(
            "programmes:assessment-conflict",
            lambda w: [w.in_assessment.reference],
            lambda w: {"note": "Jag sitter i sökandens styrelse."},
        ),
        count(
            "programmes.Assessment",
            project=pk_of("in_assessment"),
            conflict_of_interest=True,
        ),
        frozenset({"assessor"}),
    ),
    Action(
        "follow-up report",
        "programmes:followup-report",
        post(
            "programmes:followup-report",
            lambda w: [w.granted.reference, w.report.pk],
            lambda w: {
                "jobs_women": 1,
                "jobs_men": 1,
                "new_companies": 0,
                "participants_women": 3,
                "participants_men": 2,
                "text": "Det går bra.",
            },
        ),
        value("programmes.FollowUpReport", "submitted_at", pk=pk_of("report")),
        APPLICANT,
    ),
    Action(
        "programme import",
        "programmes:import",
        lambda c, w: c.post(
            reverse("programmes:import"),
            {"file": upload("p.json", PROGRAMME_JSON, "application/json")},
        ),
        count("programmes.Programme"),
        OFFICER,
    ),
    # Events
    Action(
        "event create",
        "events:create",
        post("events:create", data=_event_form),
        count("events.Event", title="Matrix event"),
        MANAGER,
        refused=frozenset({"other_manager"}),  # host A is not among their clusters
    ),
    Action(
        "event edit",
        "events:edit",
        post(
            "events:edit",
            lambda w: [w.event.uid],
            lambda w: {**_event_form(w), "title": "Alpha meeting renamed"},
        ),
        value("events.Event", "title", pk=pk_of("event")),
        MANAGER,
    ),
    Action(
        "event publish",
        "events:publish",
        post("events:publish", lambda w: [w.draft_event.uid]),
        value("events.Event", "status", pk=pk_of("draft_event")),
        MANAGER,
    ),
    Action(
        "event cancel",
        "events:cancel",
        post("events:cancel", lambda w: [w.event.uid]),
        value("events.Event", "status", pk=pk_of("event")),
        MANAGER,
    ),
    Action(
        "event share",
        "events:share",
        post(
            "events:share",
            lambda w: [w.event.uid],
            lambda w: {"clusters": [w.beta.pk], "message": "Till er"},
        ),
        count("events.EventShare", event=pk_of("event")),
        MANAGER,
    ),
    Action(
        "event share forward",
        "events:forward",
        post("events:forward", lambda w: [w.share.pk]),
        value("events.EventShare", "forwarded_at", pk=pk_of("share")),
        frozenset({"other_manager", "admin"}),  # the receiving cluster's manager
    ),
    Action(
        "event attendance",
        "events:attendance",
        post(
            "events:attendance",
            lambda w: [w.event.uid, w.guest_registration.pk],
            lambda w: {"attended": "1"},
        ),
        value("events.Registration", "attended", pk=pk_of("guest_registration")),
        MANAGER,
    ),
    Action(
        "event register",
        "events:register",
        post(
            "events:register",
            lambda w: [w.event.uid],
            lambda w: {
                "name": "Ny Deltagare",
                "email": "new-registrant@example.se",
                "organisation": "Matrix AB",
                "gender": "woman",
            },
        ),
        count("events.Registration", email="new-registrant@example.se"),
        ALL,  # public
    ),
    Action(
        "registration cancel by token",
        "events:registration-cancel",
        post("events:registration-cancel", lambda w: [w.guest_registration.token]),
        value("events.Registration", "status", pk=pk_of("guest_registration")),
        ALL,  # the token is the authority
    ),
    Action(
        "calendar import",
        "events:import",
        lambda c, w: c.post(
            reverse("events:import"),
            {"file": upload("c.ics", ICS, "text/calendar"), "cluster": w.alpha.pk},
        ),
        count("events.Event", title="Imported matrix event"),
        MANAGER,
        refused=frozenset({"other_manager"}),
    ),
    Action(
        "calendar subscription add",
        "events:sources",
        post(
            "events:sources",
            data=lambda w: {
                "name": "Ny kalender",
                "url": "https://example.se/new.ics",
                "cluster": w.alpha.pk,
                "interval_minutes": 60,
            },
        ),
        count("events.CalendarSource", url="https://example.se/new.ics"),
        MANAGER,
        refused=frozenset({"other_manager"}),
    ),
    Action(
        "calendar subscription delete",
        "events:source-delete",
        post("events:source-delete", lambda w: [w.calendar_source.pk]),
        count("events.CalendarSource", pk=pk_of("calendar_source")),
        MANAGER,
    ),
    Action(
        "calendar subscription poll",
        "events:source-poll",
        post("events:source-poll", lambda w: [w.calendar_source.pk]),
        value("events.CalendarSource", "last_polled", pk=pk_of("calendar_source")),
        MANAGER,
    ),
    # Newsletters
    Action(
        "newsletter create",
        "newsletters:create",
        post(
            "newsletters:create",
            data=lambda w: {"name": "Matrix news", "slug": "matrix-news", "cluster": w.alpha.pk},
        ),
        count("newsletters.Newsletter", slug="matrix-news"),
        MANAGER,
        refused=frozenset({"other_manager"}),
    ),
    Action(
        "newsletter subscribe",
        "newsletters:newsletter",
        post(
            "newsletters:newsletter",
            lambda w: [w.newsletter.slug],
            lambda w: {"email": "new-reader@example.se", "consent": "on"},
        ),
        count("newsletters.Subscription", email="new-reader@example.se"),
        ALL,  # public, double opt-in
    ),
    Action(
        "newsletter confirm",
        "newsletters:confirm-post",
        post("newsletters:confirm-post", lambda w: [w.pending_subscription.token]),
        value("newsletters.Subscription", "status", pk=pk_of("pending_subscription")),
        ALL,  # the token is the authority
    ),
    Action(
        "newsletter unsubscribe",
        "newsletters:unsubscribe",
        post("newsletters:unsubscribe", lambda w: [w.subscription.token]),
        value("newsletters.Subscription", "status", pk=pk_of("subscription")),
        ALL,
    ),
    Action(
        "newsletter bounce webhook",
        "newsletters:bounces",
        lambda c, w: c.post(
            reverse("newsletters:bounces"),
            json.dumps({"email": "reader@example.se", "type": "hard"}),
            content_type="application/json",
            headers={"Authorization": "Bearer matrix-bounce-secret"},
        ),
        count("newsletters.Suppression", email="reader@example.se"),
        ALL,  # the shared secret is the authority
    ),
    Action(
        "newsletter issue create",
        "newsletters:manage",
        post(
            "newsletters:manage",
            lambda w: [w.newsletter.slug],
            lambda w: {"subject": "Matrix issue", "intro": "Hej"},
        ),
        count("newsletters.Issue", subject="Matrix issue"),
        MANAGER,
    ),
    Action(
        "newsletter subscribe members",
        "newsletters:subscribe-members",
        post("newsletters:subscribe-members", lambda w: [w.newsletter.slug]),
        count("newsletters.Subscription", newsletter=pk_of("newsletter")),
        MANAGER,
    ),
    Action(
        "newsletter compose",
        "newsletters:compose",
        post(
            "newsletters:compose",
            lambda w: [w.issue.pk],
            lambda w: {"action": "text", "kind": "text", "title": "Ny", "body": "Text"},
        ),
        count("newsletters.Block", issue=pk_of("issue")),
        MANAGER,
    ),
    Action(
        "newsletter test mail",
        "newsletters:test-mail",
        post("newsletters:test-mail", lambda w: [w.issue.pk]),
        lambda w: None,  # the mail outbox is part of every state
        MANAGER,
    ),
    Action(
        "newsletter send",
        "newsletters:send",
        post("newsletters:send", lambda w: [w.issue.pk]),
        value("newsletters.Issue", "status", pk=pk_of("issue")),
        MANAGER,
    ),
    # Horizon scanning
    Action(
        "feed item note",
        "scanning:item-note",
        post("scanning:item-note", lambda w: [w.item.pk], lambda w: {"rating": 4, "note": "Bra"}),
        count("scanning.ItemNote", item=pk_of("item")),
        LOGGED_IN,  # one's own note on a national item
    ),
    Action(
        "feed item to folder",
        "scanning:item-folder",
        post("scanning:item-folder", lambda w: [w.item.pk], lambda w: {"folder": w.folder.pk}),
        value("scanning.Folder", "items", pk=pk_of("folder")),
        MANAGER,
    ),
    Action(
        "feed item curate",
        "scanning:item-curate",
        post(
            "scanning:item-curate",
            lambda w: [w.item.pk],
            lambda w: {"cluster": w.alpha.pk, "curated": "1"},
        ),
        count("scanning.CuratedItem", cluster=pk_of("alpha")),
        MANAGER,
    ),
    Action(
        "feed item to newsletter",
        "scanning:item-newsletter",
        post("scanning:item-newsletter", lambda w: [w.item.pk], lambda w: {"cluster": w.alpha.pk}),
        count("newsletters.Block", kind="feed_item"),
        MANAGER,
    ),
    Action(
        "feed item to good example",
        "scanning:item-example",
        post("scanning:item-example", lambda w: [w.item.pk], lambda w: {"cluster": w.alpha.pk}),
        count("knowledge.GoodExample"),
        MANAGER,
    ),
    Action(
        "feed source add",
        "scanning:source-add",
        post(
            "scanning:source-add",
            data=lambda w: {
                "url": "https://new.example.se/feed.xml",
                "name": "New feed",
                "owner": w.alpha.pk,
                "interval_minutes": 60,
            },
        ),
        count("scanning.FeedSource", url="https://new.example.se/feed.xml"),
        MANAGER,
        refused=frozenset({"other_manager"}),
    ),
    Action(
        "feed source delete",
        "scanning:source-delete",
        post("scanning:source-delete", lambda w: [w.alpha_source.pk]),
        count("scanning.FeedSource", pk=pk_of("alpha_source")),
        MANAGER,
    ),
    Action(
        "opml import",
        "scanning:opml-import",
        lambda c, w: c.post(
            reverse("scanning:opml-import"),
            {"file": upload("f.opml", OPML, "text/x-opml"), "owner": w.alpha.pk},
        ),
        count("scanning.FeedSource", url="https://opml.example.se/feed.xml"),
        MANAGER,
        refused=frozenset({"other_manager"}),
    ),
    Action(
        "scanning folder create",
        "scanning:folders",
        post("scanning:folders", data=lambda w: {"cluster": w.alpha.pk, "name": "Ny mapp"}),
        count("scanning.Folder", name="Ny mapp"),
        MANAGER,
        refused=frozenset({"other_manager"}),
    ),
    Action(
        "scanning digest opt-in",
        "scanning:digest",
        post("scanning:digest", data=lambda w: {"active": "1"}),
        count("scanning.DigestSubscription", active=True),
        LOGGED_IN,  # one's own subscription
    ),
    # Knowledge hub
    Action(
        "good example create",
        "knowledge:create",
        post(
            "knowledge:create",
            data=lambda w: {
                "kind": "example",
                "title": "Matrix example",
                "summary": "Kort",
                "cluster": w.alpha.pk,
            },
        ),
        count("knowledge.GoodExample", title="Matrix example"),
        MANAGER,
        refused=frozenset({"other_manager"}),
    ),
    Action(
        "good example edit",
        "knowledge:edit",
        post(
            "knowledge:edit",
            lambda w: [w.example.slug],
            lambda w: {
                "kind": "example",
                "title": "Alpha example renamed",
                "summary": "Kort",
                "cluster": w.alpha.pk,
                "published": "on",
            },
        ),
        value("knowledge.GoodExample", "title", pk=pk_of("example")),
        MANAGER,
    ),
    Action(
        "good example delete",
        "knowledge:delete",
        post("knowledge:delete", lambda w: [w.example.slug]),
        count("knowledge.GoodExample", pk=pk_of("example")),
        MANAGER,
    ),
    Action(
        "good example attach",
        "knowledge:attach",
        lambda c, w: c.post(
            reverse("knowledge:attach", args=[w.example.slug]),
            {"file": upload("more.txt", b"more notes")},
        ),
        count("knowledge.Attachment", example=pk_of("example")),
        MANAGER,
    ),
    Action(
        "good example detach",
        "knowledge:detach",
        post("knowledge:detach", lambda w: [w.attachment.pk]),
        count("knowledge.Attachment", pk=pk_of("attachment")),
        MANAGER,
    ),
    # Get help (the sluice)
    Action(
        "get help",
        "sluice:get-help",
        post("sluice:get-help", data=_help),
        count("sluice.HelpCase", email="matrix-help@example.se"),
        ALL,  # public
    ),
    Action(
        "help case transition",
        "sluice:case-transition",
        post(
            "sluice:case-transition",
            lambda w: [w.case.pk],
            lambda w: {"to_stage": "screened", "outcome": "", "note": "Läst"},
        ),
        value("sluice.HelpCase", "stage", pk=pk_of("case")),
        MANAGER,
    ),
    Action(
        "help case note",
        "sluice:case-note",
        post("sluice:case-note", lambda w: [w.case.pk], lambda w: {"text": "Ringde upp."}),
        count("sluice.CaseNote", case=pk_of("case")),
        MANAGER,
    ),
    Action(
        "help case reassign",
        "sluice:case-reassign",
        post(
            "sluice:case-reassign",
            lambda w: [w.case.pk],
            lambda w: {"cluster": w.beta.pk, "note": "Passar Beta bättre"},
        ),
        value("sluice.HelpCase", "assigned_cluster_id", pk=pk_of("case")),
        MANAGER,
    ),
    Action(
        "help case to application",
        "sluice:case-application",
        post(
            "sluice:case-application",
            lambda w: [w.case.pk],
            lambda w: {
                "call": w.call.pk,
                "organisation_name": "Norrvall AB",
                "orgnr": "",
                "helix": "company",
            },
        ),
        value("sluice.HelpCase", "project_id", pk=pk_of("case")),
        MANAGER,
    ),
    Action(
        "routing rule create",
        "sluice:rule-new",
        post(
            "sluice:rule-new",
            data=lambda w: {
                "name": "Matrix rule",
                "focus_area": w.focus.pk,
                "priority": 10,
                "target_cluster": w.alpha.pk,
                "active": "on",
            },
        ),
        count("sluice.RoutingRule", name="Matrix rule"),
        MANAGER,
        refused=frozenset({"other_manager"}),
    ),
    Action(
        "routing rule edit",
        "sluice:rule-edit",
        post(
            "sluice:rule-edit",
            lambda w: [w.rule.pk],
            lambda w: {
                "name": "Alpha rule renamed",
                "focus_area": w.focus.pk,
                "priority": 10,
                "target_cluster": w.alpha.pk,
                "active": "on",
            },
        ),
        value("sluice.RoutingRule", "name", pk=pk_of("rule")),
        MANAGER,
    ),
    Action(
        "routing rule delete",
        "sluice:rule-delete",
        post("sluice:rule-delete", lambda w: [w.rule.pk]),
        count("sluice.RoutingRule", pk=pk_of("rule")),
        MANAGER,
    ),
    # Matchmaking
    Action(
        "need create",
        "matchmaking:need-create",
        post("matchmaking:need-create", data=_listing),
        count("matchmaking.Need", title="Matrix listing"),
        EDITOR_A1,
        refused=frozenset({"other_manager"}),  # org_a1 is not among their organisations
    ),
    Action(
        "need edit",
        "matchmaking:need-edit",
        post("matchmaking:need-edit", lambda w: [w.need.pk], _listing),
        value("matchmaking.Need", "title", pk=pk_of("need")),
        EDITOR_A1,
    ),
    Action(
        "need renew",
        "matchmaking:need-renew",
        post("matchmaking:need-renew", lambda w: [w.need.pk]),
        value("matchmaking.Need", "expires_on", pk=pk_of("need")),
        EDITOR_A1,
    ),
    Action(
        "offer create",
        "matchmaking:offer-create",
        post("matchmaking:offer-create", data=_listing),
        count("matchmaking.Offer", title="Matrix listing"),
        EDITOR_A1,
        refused=frozenset({"other_manager"}),
    ),
    Action(
        "offer edit",
        "matchmaking:offer-edit",
        post(
            "matchmaking:offer-edit",
            lambda w: [w.offer_b.pk],
            lambda w: {**_listing(w), "owner": w.org_b.pk},
        ),
        value("matchmaking.Offer", "title", pk=pk_of("offer_b")),
        frozenset({"other_manager", "admin"}),  # org_b is in cluster B
    ),
    Action(
        "offer renew",
        "matchmaking:offer-renew",
        post("matchmaking:offer-renew", lambda w: [w.offer_b.pk]),
        value("matchmaking.Offer", "expires_on", pk=pk_of("offer_b")),
        frozenset({"other_manager", "admin"}),
    ),
    Action(
        "interest create",
        "matchmaking:interest-create",
        post(
            "matchmaking:interest-create",
            data=lambda w: {"need": w.need.pk, "offer": w.offer.pk, "message": "Hej"},
        ),
        count("matchmaking.Interest", need=pk_of("need")),
        EDITOR_A1,  # one side must be theirs
    ),
    Action(
        "interest outcome",
        "matchmaking:interest-outcome",
        post(
            "matchmaking:interest-outcome",
            lambda w: [w.interest.pk],
            lambda w: {"outcome": "meeting"},
        ),
        value("matchmaking.Interest", "outcome", pk=pk_of("interest")),
        MANAGER,  # the need's side (org_a2, cluster A)
    ),
    # The API
    Action(
        "API cluster patch",
        "API PATCH /api/v1/clusters/{slug}",
        api("PATCH", lambda w: f"/clusters/{w.alpha.slug}", lambda w: {"summary": "API"}),
        value("clusters.Cluster", "summary", pk=pk_of("alpha")),
        MANAGER,
    ),
    Action(
        "API member put",
        "API PUT /api/v1/clusters/{slug}/members/{org_id}",
        api("PUT", lambda w: f"/clusters/{w.alpha.slug}/members/{w.org_x.pk}", lambda w: {}),
        count("clusters.Membership", cluster=pk_of("alpha")),
        MANAGER,
    ),
    Action(
        "API member delete",
        "API DELETE /api/v1/clusters/{slug}/members/{org_id}",
        api("DELETE", lambda w: f"/clusters/{w.alpha.slug}/members/{w.org_a2.pk}"),
        count("clusters.Membership", cluster=pk_of("alpha")),
        MANAGER,
    ),
    Action(
        "API organisation create",
        "API POST /api/v1/organisations",
        api("POST", lambda w: "/organisations", lambda w: {"name": "API AB", "helix": "company"}),
        count("actors.Organisation", name="API AB"),
        ANY_MANAGER,
    ),
    Action(
        "API organisation patch",
        "API PATCH /api/v1/organisations/{org_id}",
        api("PATCH", lambda w: f"/organisations/{w.org_a1.pk}", lambda w: {"description": "API"}),
        value("actors.Organisation", "description", pk=pk_of("org_a1")),
        EDITOR_A1,
    ),
    Action(
        "API application create",
        "API POST /api/v1/projects",
        api(
            "POST",
            lambda w: "/projects",
            lambda w: {"call": w.call.slug, "title": "API ansökan", "applicant": w.org_a1.pk},
        ),
        count("programmes.Project", title="API ansökan"),
        APPLICANT,
    ),
    Action(
        "API application patch",
        "API PATCH /api/v1/projects/{reference}",
        api("PATCH", lambda w: f"/projects/{w.draft.reference}", lambda w: {"title": "API ny"}),
        value("programmes.Project", "title", pk=pk_of("draft")),
        APPLICANT,
    ),
    Action(
        "API project transition",
        "API POST /api/v1/projects/{reference}/transitions",
        api(
            "POST",
            lambda w: f"/projects/{w.granted.reference}/transitions",
            lambda w: {"to_status": "running"},
        ),
        value("programmes.Project", "status", pk=pk_of("granted")),
        OFFICER,
    ),
    Action(
        "API financing put",
        "API PUT /api/v1/projects/{reference}/financing",
        api(
            "PUT",
            lambda w: f"/projects/{w.draft.reference}/financing",
            lambda w: {
                "lines": [
                    {
                        "financier": w.org_x.pk,
                        "category": "state",
                        "year": timezone.localdate().year,
                        "budget_sek": 50_000,
                    }
                ]
            },
        ),
        count("programmes.FinancingLine", project=pk_of("draft")),
        APPLICANT,
    ),
    Action(
        "API my assessment",
        "API PUT /api/v1/projects/{reference}/assessments/mine",
        api(
            "PUT",
            lambda w: f"/projects/{w.in_assessment.reference}/assessments/mine",
            lambda w: {"scores": [{"criterion": w.criterion.pk, "score": 3}], "comment": "Bra"},
        ),
        count("programmes.Score", assessment__project=pk_of("in_assessment")),
        frozenset({"assessor"}),
    ),
    Action(
        "API decision",
        "API POST /api/v1/projects/{reference}/decision",
        api(
            "POST",
            lambda w: f"/projects/{w.in_assessment.reference}/decision",
            lambda w: {"granted": False, "motivation": "Nej"},
        ),
        value("programmes.Project", "status", pk=pk_of("in_assessment")),
        OFFICER,
    ),
    Action(
        "API follow-up report",
        "API PUT /api/v1/projects/{reference}/reports/{report_id}",
        api(
            "PUT",
            lambda w: f"/projects/{w.granted.reference}/reports/{w.report.pk}",
            lambda w: {"jobs_women": 1, "text": "Det går bra."},
        ),
        value("programmes.FollowUpReport", "submitted_at", pk=pk_of("report")),
        APPLICANT,
    ),
    Action(
        "API indicator put",
        "API PUT /api/v1/indicators/{code}",
        api("PUT", lambda w: f"/indicators/{w.indicator.code}", lambda w: {"name_sv": "Ny"}),
        value("indicators.Indicator", "name_sv", pk=pk_of("indicator")),
        OFFICER,
    ),
    Action(
        "API event create",
        "API POST /api/v1/events",
        api(
            "POST",
            lambda w: "/events",
            lambda w: {
                "title": "API event",
                "start": "2031-05-01T09:00:00",
                "end": "2031-05-01T12:00:00",
                "host": w.alpha.slug,
            },
        ),
        count("events.Event", title="API event"),
        MANAGER,
    ),
    Action(
        "API event patch",
        "API PATCH /api/v1/events/{uid}",
        api("PATCH", lambda w: f"/events/{w.event.uid}", lambda w: {"title": "API renamed"}),
        value("events.Event", "title", pk=pk_of("event")),
        MANAGER,
    ),
    Action(
        "API register me",
        "API POST /api/v1/events/{uid}/registrations",
        api("POST", lambda w: f"/events/{w.shared_event.uid}/registrations", lambda w: {}),
        count("events.Registration", event=pk_of("shared_event")),
        LOGGED_IN,  # oneself
    ),
    Action(
        "API cancel my registration",
        "API DELETE /api/v1/registrations/{registration_id}",
        api("DELETE", lambda w: f"/registrations/{w.registration.pk}"),
        value("events.Registration", "status", pk=pk_of("registration")),
        frozenset({"member"}),  # only one's own: the member's
    ),
    Action(
        "API newsletter subscribe",
        "API POST /api/v1/newsletters/{slug}/subscriptions",
        api(
            "POST",
            lambda w: f"/newsletters/{w.newsletter.slug}/subscriptions",
            lambda w: {"email": "api-reader@example.se"},
        ),
        count("newsletters.Subscription", email="api-reader@example.se"),
        LOGGED_IN,  # as the public form (double opt-in), but the API needs an account
    ),
    Action(
        "API good example create",
        "API POST /api/v1/knowledge",
        api(
            "POST",
            lambda w: "/knowledge",
            lambda w: {"kind": "example", "title": "API example", "cluster": w.alpha.slug},
        ),
        count("knowledge.GoodExample", title="API example"),
        MANAGER,
    ),
    Action(
        "API good example patch",
        "API PATCH /api/v1/knowledge/{slug}",
        api("PATCH", lambda w: f"/knowledge/{w.example.slug}", lambda w: {"title": "API ny"}),
        value("knowledge.GoodExample", "title", pk=pk_of("example")),
        MANAGER,
    ),
    Action(
        "API get help",
        "API POST /api/v1/help/cases",
        api(
            "POST",
            lambda w: "/help/cases",
            lambda w: {
                **_help(w),
                "focus_area": w.focus.slug,
                "municipality": "2380",
                "consent": True,
            },
        ),
        count("sluice.HelpCase", email="matrix-help@example.se"),
        ALL,  # public
    ),
    Action(
        "API help case transition",
        "API POST /api/v1/help/cases/{case_id}/transitions",
        api(
            "POST",
            lambda w: f"/help/cases/{w.case.pk}/transitions",
            lambda w: {"to_stage": "screened"},
        ),
        value("sluice.HelpCase", "stage", pk=pk_of("case")),
        MANAGER,
    ),
    Action(
        "API need create",
        "API POST /api/v1/needs",
        api(
            "POST",
            lambda w: "/needs",
            lambda w: {"kind": "testbed", "title": "API need", "owner": w.org_a1.pk},
        ),
        count("matchmaking.Need", title="API need"),
        EDITOR_A1,
    ),
    Action(
        "API offer create",
        "API POST /api/v1/offers",
        api(
            "POST",
            lambda w: "/offers",
            lambda w: {"kind": "testbed", "title": "API offer", "owner": w.org_a1.pk},
        ),
        count("matchmaking.Offer", title="API offer"),
        EDITOR_A1,
    ),
    Action(
        "API interest create",
        "API POST /api/v1/interests",
        api("POST", lambda w: "/interests", lambda w: {"need": w.need.pk, "offer": w.offer.pk}),
        count("matchmaking.Interest", need=pk_of("need")),
        EDITOR_A1,
    ),
    Action(
        "API interest outcome",
        "API POST /api/v1/interests/{pk}/outcome",
        api(
            "POST",
            lambda w: f"/interests/{w.interest.pk}/outcome",
            lambda w: {"outcome": "meeting"},
        ),
        value("matchmaking.Interest", "outcome", pk=pk_of("interest")),
        MANAGER,
    ),
]

ROLE_IDS = list(ROLES)


def _snapshot() -> dict[str, int]:
    """Row counts of every table of the project's apps (one query)."""
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label not in {"sessions", "admin", "contenttypes", "geo"}
        and not m._meta.proxy
    ]
    quote = connection.ops.quote_name
    # Table names come from the models, not from input.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)  # noqa: S608
    sql = "SELECT " + counts
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(models, row, strict=True)}


@pytest.mark.parametrize("role", ROLE_IDS)
@pytest.mark.parametrize("action", ACTIONS, ids=[a.id for a in ACTIONS])
def test_write_by_role(client: Client, world: World, action: Action, role: str) -> None:
    world.login(client, role)
    before_probe, before_counts = (action.probe(world), len(mail.outbox)), _snapshot()

    response = action.send(client, world)

    after_probe = (action.probe(world), len(mail.outbox))
    status = response.status_code
    if role in action.allow:
        assert status < 400, f"{action.id} by {role}: {status}"
        assert after_probe != before_probe, f"{action.id} by {role}: nothing changed ({status})"
        return
    if role in action.refused:
        assert status in {200, 302, 400, 403, 404, 422}, f"{action.id} by {role}: {status}"
    elif role == "anonymous" and not action.endpoint.startswith("API "):
        assert status == 302, f"{action.id} by anonymous: {status}"
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert status in {401, 403, 404}, f"{action.id} by {role}: {status}"
    assert after_probe == before_probe, f"{action.id} by {role}: the write happened"
    assert _snapshot() == before_counts, f"{action.id} by {role}: rows changed"


# Reads of applications --------------------------------------------------------------------------
# A draft is read by its applicant's people and the programme office only; the call's assessors
# read applications from submission on (``Project.objects.visible_to``, the one rule of the API,
# the pages and the exports). The draft is the member's own; the application in assessment is
# another organisation's.


@dataclass(frozen=True)
class Read:
    """A GET that shows the project ``target`` (a world object) to the roles in ``allow``."""

    id: str
    fetch: Callable[[Client, World], HttpResponse]
    target: str
    allow: frozenset[str]


def page(name: str, args: Callable[[World], list[Any]], **query: str) -> Any:
    return lambda client, w: client.get(reverse(name, args=args(w)), query)


def api_get(path: Callable[[World], str], **query: str) -> Any:
    return lambda client, w: client.get("/api/v1" + path(w), query)


IN_ASSESSMENT_READERS = OFFICER | {"assessor"}
READS = [
    Read(
        "API project draft", api_get(lambda w: f"/projects/{w.draft.reference}"), "draft", APPLICANT
    ),
    Read(
        "API projects status=draft",
        api_get(lambda w: "/projects", status="draft"),
        "draft",
        APPLICANT,
    ),
    Read("API projects", api_get(lambda w: "/projects"), "draft", APPLICANT),
    Read(
        "project page draft",
        page("programmes:project", lambda w: [w.draft.reference]),
        "draft",
        APPLICANT,
    ),
    Read(
        "call applications export draft",
        page("programmes:call", lambda w: [w.call.slug], export="csv"),
        "draft",
        OFFICER,
    ),
    Read(
        "API project in assessment",
        api_get(lambda w: f"/projects/{w.in_assessment.reference}"),
        "in_assessment",
        IN_ASSESSMENT_READERS,
    ),
    Read(
        "API projects status=in_assessment",
        api_get(lambda w: "/projects", status="in_assessment"),
        "in_assessment",
        IN_ASSESSMENT_READERS,
    ),
    Read(
        "project page in assessment",
        page("programmes:project", lambda w: [w.in_assessment.reference]),
        "in_assessment",
        IN_ASSESSMENT_READERS,
    ),
    Read(
        "call applications export in assessment",
        page("programmes:call", lambda w: [w.call.slug], export="xlsx"),
        "in_assessment",
        OFFICER,
    ),
]


@pytest.mark.parametrize("role", ROLE_IDS)
@pytest.mark.parametrize("read", READS, ids=[r.id for r in READS])
def test_read_by_role(client: Client, world: World, read: Read, role: str) -> None:
    world.login(client, role)
    reference = world.objects[read.target].reference

    response = read.fetch(client, world)

    body = response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        body = b"".join(
            str(cell).encode()
            for row in load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(
                values_only=True
            )
            for cell in row
        )
    shown = response.status_code == 200 and reference.encode() in body  # a 404 names it too
    if role in read.allow:
        assert (response.status_code, shown) == (200, True), f"{read.id} by {role}"
    else:
        assert response.status_code in {200, 302, 404}, f"{read.id} by {role}"
        assert not shown, f"{read.id} by {role}: {reference} is shown"


# Completeness -----------------------------------------------------------------------------------

SKIPPED_PREFIXES = ("admin/", "accounts/", "i18n/", "jsi18n/", "static/", "media/", "api/v1/")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

#: Views that accept any method but only render (a POST writes nothing, as the test below checks).
READ_ONLY_ANY_METHOD = {
    "events:feed",
    "events:cluster-feed",
    "newsletters:rss",
    "newsletters:atom",
}


def _methods(callback: Any) -> set[str] | None:
    """The methods a view accepts: a class view's handlers, or the narrowest ``require_*``
    decorator in its wrapper chain; ``None`` when nothing restricts them."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    found: set[str] | None = None
    func = callback
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars and func.__closure__:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            allowed = {m.upper() for m in cell.cell_contents}
            found = allowed if found is None else found & allowed
        func = getattr(func, "__wrapped__", None)
    return found


def _patterns(patterns: list[Any], prefix: str = "", namespace: str = "") -> Any:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or ""), pattern.callback


def write_endpoints() -> set[str]:
    """Every URL name whose view accepts an unsafe method (or does not restrict methods), and
    every non-GET operation of the API, as ``"API <METHOD> <path>"``."""
    from samverka.api.urls import api as ninja_api

    found = set()
    for route, name, callback in _patterns(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or name in READ_ONLY_ANY_METHOD:
            continue
        methods = _methods(callback)
        if methods is None or methods - SAFE_METHODS:
            found.add(name or route)
    schema = ninja_api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method in operations:
            if method.upper() not in SAFE_METHODS:
                found.add(f"API {method.upper()} {path}")
    return found


def test_every_write_endpoint_is_in_the_matrix() -> None:
    covered = {a.endpoint for a in ACTIONS}

    missing = sorted(write_endpoints() - covered)

    assert missing == [], "write endpoints without a row in the matrix: " + ", ".join(missing)


def test_matrix_rows_name_real_endpoints() -> None:
    stale = sorted({a.endpoint for a in ACTIONS} - write_endpoints())

    assert stale == []


@pytest.mark.parametrize("name", sorted(READ_ONLY_ANY_METHOD))
def test_read_only_views_write_nothing_on_post(client: Client, world: World, name: str) -> None:
    client.force_login(world.users["admin"])
    args = [world.alpha.slug] if name == "events:cluster-feed" else []
    if name.startswith("newsletters:"):
        args = [world.newsletter.slug]
    before = _snapshot()

    response = client.post(reverse(name, args=args), {"title": "x"})

    assert response.status_code in {200, 405}
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [("https://evil.example.com/", None), ("/scanning/?q=ley", "/scanning/?q=ley")],
)
def test_folder_redirect_stays_on_site(
    client: Client, world: World, next_url: str, expected: str | None
) -> None:
    """Filing an item returns to the page it was filed from, but never to another site."""
    client.force_login(world.users["manager"])

    response = client.post(
        reverse("scanning:item-folder", args=[world.item.pk]),
        {"folder": world.folder.pk, "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == (expected or world.item.get_absolute_url())


# Escalation through the payload -----------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    """A role allowed to make a write tries to reach, through the payload, what it may not."""

    id: str
    role: str
    send: Callable[[Client, World], HttpResponse]
    probe: Callable[[World], Any]
    rest_may_change: bool = False  # the write itself is allowed; only the probed part is not


ESCALATIONS = [
    Escalation(
        "member applies for another organisation (API)",
        "member",
        api(
            "POST",
            lambda w: "/projects",
            lambda w: {"call": w.call.slug, "title": "Kapad ansökan", "applicant": w.org_b.pk},
        ),
        count("programmes.Project", title="Kapad ansökan"),
    ),
    Escalation(
        "member moves a draft to another organisation (API)",
        "member",
        api(
            "PATCH", lambda w: f"/projects/{w.draft.reference}", lambda w: {"applicant": w.org_b.pk}
        ),
        value("programmes.Project", "applicant_id", pk=pk_of("draft")),
    ),
    Escalation(
        "member moves a draft to another organisation (page)",
        "member",
        post(
            "programmes:application-edit",
            lambda w: [w.draft.reference],
            lambda w: {**_application(w), "applicant": w.org_b.pk},
        ),
        value("programmes.Project", "applicant_id", pk=pk_of("draft")),
    ),
    Escalation(
        "member sets decided amounts (API)",
        "member",
        api(
            "PUT",
            lambda w: f"/projects/{w.draft.reference}/financing",
            lambda w: {
                "lines": [
                    {
                        "financier": w.org_x.pk,
                        "category": "state",
                        "year": timezone.localdate().year,
                        "budget_sek": 50_000,
                        "decided_sek": 50_000,
                    }
                ]
            },
        ),
        count("programmes.FinancingLine", project=pk_of("draft"), decided_sek__gt=0),
        rest_may_change=True,  # the budget lines are the applicant's; the decision is not
    ),
    Escalation(
        "member publishes a need for another organisation (API)",
        "member",
        api(
            "POST",
            lambda w: "/needs",
            lambda w: {"kind": "testbed", "title": "Kapat behov", "owner": w.org_b.pk},
        ),
        count("matchmaking.Need", title="Kapat behov"),
    ),
    Escalation(
        "manager hands a need to another cluster's organisation (page)",
        "manager",
        post(
            "matchmaking:need-edit",
            lambda w: [w.need.pk],
            lambda w: {**_listing(w), "owner": w.org_b.pk},
        ),
        value("matchmaking.Need", "owner_id", pk=pk_of("need")),
    ),
    Escalation(
        "manager creates a good example for another cluster (API)",
        "manager",
        api(
            "POST",
            lambda w: "/knowledge",
            lambda w: {"kind": "example", "title": "Kapat exempel", "cluster": w.beta.slug},
        ),
        count("knowledge.GoodExample", title="Kapat exempel"),
    ),
    Escalation(
        "manager moves a good example to another cluster (API)",
        "manager",
        api("PATCH", lambda w: f"/knowledge/{w.example.slug}", lambda w: {"cluster": w.beta.slug}),
        value("knowledge.GoodExample", "cluster_id", pk=pk_of("example")),
    ),
    Escalation(
        "manager moves a good example to another cluster (page)",
        "manager",
        post(
            "knowledge:edit",
            lambda w: [w.example.slug],
            lambda w: {"kind": "example", "title": "Alpha example", "cluster": w.beta.pk},
        ),
        value("knowledge.GoodExample", "cluster_id", pk=pk_of("example")),
    ),
    Escalation(
        "manager creates an event hosted by another cluster (API)",
        "manager",
        api(
            "POST",
            lambda w: "/events",
            lambda w: {
                "title": "Kapat evenemang",
                "start": "2031-05-01T09:00:00",
                "end": "2031-05-01T12:00:00",
                "host": w.beta.slug,
            },
        ),
        count("events.Event", title="Kapat evenemang"),
    ),
    Escalation(
        "manager moves an event to another cluster (API)",
        "manager",
        api("PATCH", lambda w: f"/events/{w.event.uid}", lambda w: {"host": w.beta.slug}),
        value("events.Event", "host_id", pk=pk_of("event")),
    ),
    Escalation(
        "manager moves an event to another cluster (page)",
        "manager",
        post(
            "events:edit", lambda w: [w.event.uid], lambda w: {**_event_form(w), "host": w.beta.pk}
        ),
        value("events.Event", "host_id", pk=pk_of("event")),
    ),
    Escalation(
        "manager makes an event national (API)",
        "manager",
        api("PATCH", lambda w: f"/events/{w.event.uid}", lambda w: {"host": None}),
        value("events.Event", "host_id", pk=pk_of("event")),
    ),
    Escalation(
        "manager of B imports a calendar overwriting A's event by its UID",
        "other_manager",
        lambda c, w: c.post(
            reverse("events:import"),
            {
                "file": upload(
                    "c.ics", ICS.replace(b"matrix-import@example.se", w.event.uid.encode())
                ),
                "cluster": w.beta.pk,
            },
        ),
        value("events.Event", "title", pk=pk_of("event")),
    ),
    Escalation(
        "manager of B imports organisations overwriting A's member",
        "other_manager",
        lambda c, w: c.post(
            reverse("actors:organisation-import"),
            {"file": upload("o.csv", b"name;orgnr;helix\r\nKapad AB;556016-0680;company\r\n")},
        ),
        value("actors.Organisation", "name", pk=pk_of("org_a1")),
    ),
    Escalation(
        "manager adds a member to another cluster (API)",
        "manager",
        api("PUT", lambda w: f"/clusters/{w.beta.slug}/members/{w.org_x.pk}", lambda w: {}),
        count("clusters.Membership", cluster=pk_of("beta")),
    ),
    Escalation(
        "manager files a rule for another cluster (page)",
        "manager",
        post(
            "sluice:rule-edit",
            lambda w: [w.rule.pk],
            lambda w: {
                "name": "Alpha rule",
                "focus_area": w.focus.pk,
                "priority": 10,
                "target_cluster": w.beta.pk,
                "active": "on",
            },
        ),
        value("sluice.RoutingRule", "target_cluster_id", pk=pk_of("rule")),
    ),
    Escalation(
        "manager curates into another cluster's feed",
        "manager",
        post(
            "scanning:item-curate",
            lambda w: [w.item.pk],
            lambda w: {"cluster": w.beta.pk, "curated": "1"},
        ),
        count("scanning.CuratedItem", cluster=pk_of("beta")),
    ),
    Escalation(
        "member registers for a draft event (API)",
        "member",
        api("POST", lambda w: f"/events/{w.draft_event.uid}/registrations", lambda w: {}),
        count("events.Registration", event=pk_of("draft_event")),
    ),
    Escalation(
        "member cancels a stranger's registration (API)",
        "member",
        api("DELETE", lambda w: f"/registrations/{w.guest_registration.pk}"),
        value("events.Registration", "status", pk=pk_of("guest_registration")),
    ),
    Escalation(
        "member registers for a draft event (page)",
        "member",
        post(
            "events:register",
            lambda w: [w.draft_event.uid],
            lambda w: {"name": "Mia", "email": "member@example.se", "gender": "woman"},
        ),
        count("events.Registration", event=pk_of("draft_event")),
    ),
    Escalation(
        "member edits their organisation's person into another organisation (API-free page)",
        "member",
        post(
            "actors:person-edit",
            lambda w: [w.member_person.pk],
            lambda w: {"name": "Mia Medlem", "organisation": w.org_b.pk, "gender": "woman"},
        ),
        value("actors.Person", "organisation_id", pk=pk_of("member_person")),
    ),
]


@pytest.mark.parametrize("case", ESCALATIONS, ids=[e.id for e in ESCALATIONS])
def test_payload_cannot_reach_beyond_role(client: Client, world: World, case: Escalation) -> None:
    world.login(client, case.role)
    before_probe, before_counts = case.probe(world), _snapshot()

    response = case.send(client, world)

    assert case.probe(world) == before_probe, (
        f"{case.id}: the write happened ({response.status_code})"
    )
    if not case.rest_may_change:
        assert _snapshot() == before_counts
    assert response.status_code in {200, 302, 400, 401, 403, 404, 422}


@pytest.mark.parametrize(
    ("verified", "status", "after"), [(False, 404, "confirmed"), (True, 204, "cancelled")]
)
def test_registration_under_email_is_own_only_when_verified(
    client: Client, world: World, verified: bool, status: int, after: str
) -> None:
    """A registration made without an account belongs to whoever has *verified* its address; an
    account merely claiming the address (unverified) neither sees nor cancels it."""
    from allauth.account.models import EmailAddress

    user = world.users["assessor"]
    user.email = world.guest_registration.email
    user.save(update_fields=["email"])
    EmailAddress.objects.create(user=user, email=user.email, verified=verified, primary=True)
    client.force_login(user)

    listed = client.get("/api/v1/registrations").json()
    response = client.delete(f"/api/v1/registrations/{world.guest_registration.pk}")

    assert (len(listed), response.status_code) == (int(verified), status)
    assert value("events.Registration", "status", pk=pk_of("guest_registration"))(world) == after
