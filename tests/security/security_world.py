"""One world for the roles × actions matrix: two clusters, every role, every object a write acts on.

Cluster A ("alpha") is managed by ``manager``; cluster B ("beta") by ``other_manager``. The
member user belongs to a person of ``org_a1``, a member of A. The assessor is assigned to the
call; the programme officer and the platform admin hold those groups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone

from samverka.actors.models import FocusArea, Organisation, Person, Relation
from samverka.clusters.models import Cluster, Membership
from samverka.events.models import CalendarSource, Event, EventShare, Registration
from samverka.geo.models import Area
from samverka.indicators.models import Indicator
from samverka.knowledge.models import Attachment, GoodExample
from samverka.matchmaking.models import Interest, Need, Offer
from samverka.newsletters.models import Block, Issue, Newsletter, Subscription
from samverka.programmes.models import (
    Call,
    CallCriterion,
    FinancingLine,
    FollowUpReport,
    Measure,
    PriorityArea,
    Programme,
    Project,
    SelectionCriterion,
)
from samverka.programmes.services.workflow import REQUIRED_ANSWERS
from samverka.scanning.models import FeedItem, FeedSource, Folder
from samverka.sluice.models import CaseTransition, HelpCase, RoutingRule

ROLES = (
    "anonymous",
    "member",
    "assessor",
    "officer",
    "other_manager",
    "manager",
    "admin",
)
PASSWORD = "pw-Matrix-1234"


@dataclass
class World:
    users: dict[str, User | None]
    objects: dict[str, Any] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # role: session key

    def login(self, client: Any, role: str) -> None:
        """Let ``client`` act as ``role`` (anonymous: nothing to do)."""
        from django.conf import settings

        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


def _user(name: str, group: str | None = None) -> User:
    user = User.objects.create_user(name, f"{name}@example.se", PASSWORD)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def build_world() -> World:
    """Create the world; every object is reachable as ``world.<name>``."""
    o: dict[str, Any] = {}
    today = timezone.localdate()
    ostersund = Area.objects.get(code="2380")
    o["municipality"] = ostersund
    o["focus"] = FocusArea.objects.create(slug="vall", name_sv="Vall", name_en="Ley")

    def org(name: str) -> Organisation:
        return Organisation.objects.create(name=name, helix="company", municipality=ostersund)

    alpha = Cluster.objects.create(name="Alpha Cluster", slug="alpha")
    beta = Cluster.objects.create(name="Beta Cluster", slug="beta")
    for cluster in (alpha, beta):
        cluster.regions.add(Area.objects.get(code="23"))
    o.update(alpha=alpha, beta=beta)
    o["org_a1"], o["org_a2"], o["org_b"], o["org_x"] = (
        org("Alfa Ett AB"),
        org("Alfa Två AB"),
        org("Beta AB"),
        org("Utanför AB"),
    )
    Organisation.objects.filter(pk=o["org_a1"].pk).update(orgnr="556016-0680")
    Membership.objects.create(cluster=alpha, organisation=o["org_a1"])
    Membership.objects.create(cluster=alpha, organisation=o["org_a2"])
    Membership.objects.create(cluster=beta, organisation=o["org_b"])

    users: dict[str, User | None] = {
        "anonymous": None,
        "member": _user("member"),
        "assessor": _user("assessor", "assessor"),
        "officer": _user("officer", "programme_officer"),
        "other_manager": _user("other_manager"),
        "manager": _user("manager"),
        "admin": _user("admin", "platform_admin"),
    }
    alpha.managers.add(users["manager"])
    beta.managers.add(users["other_manager"])
    o["member_person"] = Person.objects.create(
        name="Mia Medlem",
        email="member@example.se",
        organisation=o["org_a1"],
        user=users["member"],
        listing_consent=True,
        newsletter_consent=True,
    )
    o["person_a2"] = Person.objects.create(name="Per Person", organisation=o["org_a2"])
    o["relation"] = Relation.objects.create(
        source=o["org_a2"], target=o["org_b"], kind="partnership"
    )

    _programmes(o, users, today)
    _events(o, users)
    _newsletters(o, users)
    _scanning(o, users)
    _knowledge(o, users)
    _sluice(o)
    _matchmaking(o, users, today)
    _read_only_pages(o)
    o["indicator"] = Indicator.objects.create(code="matrix-ind", name_sv="Matrisindikator")
    return World(users=users, objects=o)


def _programmes(o: dict[str, Any], users: dict[str, Any], today: dt.date) -> None:
    programme = Programme.objects.create(
        code="matrix", name="Matrix programme", start_year=2020, end_year=2030
    )
    area = PriorityArea.objects.create(programme=programme, number=1, name="Area")
    measure = Measure.objects.create(
        programme=programme, priority_area=area, code="1.1", name="Measure"
    )
    criterion = SelectionCriterion.objects.create(programme=programme, name="Relevance")
    call = Call.objects.create(
        programme=programme,
        slug="matrix-call",
        title="Matrix call",
        opens=today - dt.timedelta(days=10),
        closes=today + dt.timedelta(days=30),
        published=True,
        max_support_share=Decimal("0.5"),
    )
    call.measures.add(measure)
    CallCriterion.objects.create(call=call, criterion=criterion, weight=Decimal("1"))
    call.assessors.add(users["assessor"])
    o.update(programme=programme, measure=measure, criterion=criterion, call=call)

    def project(ref: str, status: str, applicant: Organisation, **extra: Any) -> Project:
        p = Project.objects.create(
            reference=ref,
            programme=programme,
            call=call,
            title=f"Project {ref}",
            applicant=applicant,
            status=status,
            **extra,
        )
        p.measures.add(measure)
        return p

    answers = {name: "Ett svar." for name in REQUIRED_ANSWERS}
    o["draft"] = project(
        "MATRIX-1",
        "draft",
        o["org_a1"],
        created_by=users["member"],
        description="Beskrivning",
        start_date=today,
        end_date=today.replace(month=12, day=31),
        **answers,
    )
    for category, financier in (("state", o["org_x"]), ("private", o["org_a1"])):
        FinancingLine.objects.create(
            project=o["draft"],
            financier=financier,
            category=category,
            year=today.year,
            budget_sek=50_000,
        )
    o["in_assessment"] = project(
        "MATRIX-2",
        "in_assessment",
        o["org_a2"],
        submitted_at=timezone.now(),
        description="Beskrivning",
    )
    o["granted"] = project(
        "MATRIX-3",
        "granted",
        o["org_a1"],
        created_by=users["member"],
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
    )
    o["assess_line"] = FinancingLine.objects.create(
        project=o["in_assessment"],
        financier=o["org_x"],
        category="state",
        year=today.year,
        budget_sek=100_000,
    )
    o["granted_line"] = FinancingLine.objects.create(
        project=o["granted"],
        financier=o["org_x"],
        category="state",
        year=today.year,
        budget_sek=100_000,
        decided_sek=100_000,
    )
    o["report"] = FollowUpReport.objects.create(
        project=o["granted"], kind="progress", due_date=today + dt.timedelta(days=30)
    )


def _events(o: dict[str, Any], users: dict[str, Any]) -> None:
    start = timezone.now() + dt.timedelta(days=30)
    event = Event.objects.create(
        title="Alpha meeting",
        start=start,
        end=start + dt.timedelta(hours=3),
        host=o["alpha"],
        status="published",
        created_by=users["manager"],
    )
    o["event"] = event
    o["draft_event"] = Event.objects.create(
        title="Alpha draft",
        start=start,
        end=start + dt.timedelta(hours=3),
        host=o["alpha"],
        status="draft",
        created_by=users["manager"],
    )
    o["shared_event"] = Event.objects.create(
        title="Alpha shared",
        start=start,
        end=start + dt.timedelta(hours=3),
        host=o["alpha"],
        status="published",
        created_by=users["manager"],
    )
    o["share"] = EventShare.objects.create(
        event=o["shared_event"], cluster=o["beta"], shared_by=users["manager"]
    )
    o["registration"] = Registration.objects.create(
        event=event,
        name="Mia Medlem",
        email="member@example.se",
        user=users["member"],
        status="confirmed",
        token="matrix-registration-token",
    )
    o["guest_registration"] = Registration.objects.create(
        event=event,
        name="Gäst",
        email="guest@example.se",
        status="confirmed",
        token="matrix-guest-token",
    )
    o["calendar_source"] = CalendarSource.objects.create(
        name="Alpha calendar", url="http://127.0.0.1:9/alpha.ics", cluster=o["alpha"]
    )


def _newsletters(o: dict[str, Any], users: dict[str, Any]) -> None:
    newsletter = Newsletter.objects.create(name="Alpha news", slug="alpha-news", cluster=o["alpha"])
    o["newsletter"] = newsletter
    o["issue"] = Issue.objects.create(
        newsletter=newsletter, subject="Alpha issue", created_by=users["manager"]
    )
    Block.objects.create(
        issue=o["issue"], kind="text", title="Nytt", body="<p>Text</p>", position=1
    )
    o["subscription"] = Subscription.objects.create(
        newsletter=newsletter,
        email="reader@example.se",
        status="active",
        token="matrix-subscription-token",
        consent_at=timezone.now(),
        confirmed_at=timezone.now(),
    )
    o["pending_subscription"] = Subscription.objects.create(
        newsletter=newsletter,
        email="pending@example.se",
        status="pending",
        token="matrix-pending-token",
    )


def _scanning(o: dict[str, Any], users: dict[str, Any]) -> None:
    national = FeedSource.objects.create(url="https://example.se/feed.xml", name="National feed")
    o["national_source"] = national
    o["alpha_source"] = FeedSource.objects.create(
        url="https://alpha.example.se/feed.xml", name="Alpha feed", cluster=o["alpha"]
    )
    o["item"] = FeedItem.objects.create(
        source=national,
        guid="matrix-item",
        url="https://example.se/item",
        content_hash="matrix-hash",
        title="A national item",
        summary="News about ley farming.",
    )
    o["folder"] = Folder.objects.create(cluster=o["alpha"], name="Alpha folder")


def _knowledge(o: dict[str, Any], users: dict[str, Any]) -> None:
    from django.core.files.base import ContentFile

    example = GoodExample.objects.create(
        title="Alpha example", slug="alpha-example", cluster=o["alpha"], published=True
    )
    o["example"] = example
    attachment = Attachment(example=example, name="notes.txt", content_type="text/plain", size=5)
    attachment.file.save("notes.txt", ContentFile(b"notes"), save=True)
    o["attachment"] = attachment


def _sluice(o: dict[str, Any]) -> None:
    now = timezone.now()
    case = HelpCase.objects.create(
        token="matrix-case-token",
        title="Help with ley",
        description="We need trial plots.",
        kind="testbed",
        name="Lina Berg",
        email="lina@example.se",
        organisation_name="Norrvall AB",
        consent_version="test",
        consent_text="I agree.",
        consent_at=now,
        assigned_cluster=o["alpha"],
        focus_area=o["focus"],
        municipality=o["municipality"],
    )
    CaseTransition.objects.create(case=case, from_stage="", to_stage="received", at=now)
    o["case"] = case
    o["rule"] = RoutingRule.objects.create(
        name="Alpha rule", focus_area=o["focus"], target_cluster=o["alpha"]
    )


def _matchmaking(o: dict[str, Any], users: dict[str, Any], today: dt.date) -> None:
    expires = today + dt.timedelta(days=60)
    o["need"] = Need.objects.create(
        kind="testbed", title="Alpha needs a test bed", owner=o["org_a1"], expires_on=expires
    )
    o["offer"] = Offer.objects.create(
        kind="testbed", title="Outsider offers a test bed", owner=o["org_x"], expires_on=expires
    )
    o["offer_b"] = Offer.objects.create(
        kind="testbed", title="Beta offers a test bed", owner=o["org_b"], expires_on=expires
    )
    o["need_a2"] = Need.objects.create(
        kind="testbed", title="Alpha two needs a test bed", owner=o["org_a2"], expires_on=expires
    )
    o["interest"] = Interest.objects.create(
        need=o["need_a2"], offer=o["offer"], created_by=users["manager"]
    )


def _read_only_pages(o: dict[str, Any]) -> None:
    """Objects only read pages show (test_get_never_writes): a call's document."""
    from django.core.files.base import ContentFile

    from samverka.programmes.models import CallDocument

    document = CallDocument(call=o["call"], title="Matrix call text")
    document.file.save("matrix-call.txt", ContentFile(b"call text"), save=True)
    o["call_document"] = document
