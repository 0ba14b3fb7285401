"""Demo data of the events app (loaded by ``samverka demo``; idempotent).

Nine events in 2026-2027 across the demo clusters: a national network meeting co-organised by
three clusters, a workshop on the cluster staircase, a study visit, a weekly webinar (RRULE), a
cancelled seminar, a conference over the October change from summer time, a members-only
meeting, a national meeting without a host cluster and a draft; a few shares with other clusters
and registrations (with gender, organisation and attendance) by the demo people.

Events are matched on their fixed UID, shares on (event, cluster), registrations on (event,
email): what exists is left as it is, so a second run writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TextIO
from zoneinfo import ZoneInfo

from django.db import transaction

from samverka.actors.models import FocusArea, Person
from samverka.clusters.models import Cluster
from samverka.core.demo import (
    AGS,
    AOR,
    BESOK,
    FOSSIL,
    FRO,
    GCJ,
    GIU,
    GNV,
    GRON,
    LOKAL,
    NUN,
    OAP,
    SKOG,
    SLU,
    TRAHUS,
    VALL,
    VRK,
)
from samverka.events.models import Event, EventShare, Registration, RegistrationStatus
from samverka.geo.models import Area

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


@dataclass(frozen=True)
class EventSpec:
    key: str
    title: str
    event_type: str
    start: str
    end: str
    host: str | None
    description: str
    organisers: tuple[str, ...] = ()
    focus_areas: tuple[str, ...] = ()
    place: str = ""
    municipality: str | None = None
    online_url: str = ""
    capacity: int | None = None
    deadline: str | None = None
    visibility: str = "public"
    status: str = "published"
    sequence: int = 1
    rrule: str = ""
    shared_with: tuple[str, ...] = ()
    registrants: int = 0
    attended: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def uid(self) -> str:
        return f"demo-{self.key}@samverka"


EVENTS: tuple[EventSpec, ...] = (
    EventSpec(
        "natverkstraff-2026",
        "Nationell nätverksträff för de gröna klustren 2026",
        "network_meeting",
        "2026-03-17T09:30",
        "2026-03-18T15:00",
        GCJ,
        "<p>Två dagar om samverkan i de gröna näringarna: erfarenheter från klustren, "
        "klustertrappan och gemensamma ansökningar. Med studiebesök i Ås.</p>",
        organisers=(GCJ, VRK, FRO),
        focus_areas=(GRON, VALL),
        place="Campus Östersund, Kunskapsvägen 8",
        municipality="2380",
        capacity=80,
        deadline="2026-03-03T23:59",
        shared_with=(OAP, GNV),
        registrants=12,
        attended=10,
    ),
    EventSpec(
        "workshop-klustertrappan",
        "Workshop: klustertrappan steg för steg",
        "workshop",
        "2026-04-22T13:00",
        "2026-04-22T16:30",
        VRK,
        "<p>Vi går igenom klustertrappans steg och gör en självskattning tillsammans. "
        "Ta med klustrets senaste verksamhetsplan.</p>",
        focus_areas=(GRON,),
        place="Vreta Utbildningscentrum",
        municipality="0580",
        capacity=25,
        shared_with=(AGS, AOR),
        registrants=6,
        attended=5,
    ),
    EventSpec(
        "studiebesok-ojebyn",
        "Studiebesök: nordliga fältförsök i Öjebyn",
        "study_visit",
        "2026-08-19T10:00",
        "2026-08-19T15:00",
        OAP,
        "<p>Visning av försöksodlingar av vall och grönsaker anpassade till nordligt klimat.</p>",
        focus_areas=(VALL, LOKAL),
        place="Öjebyn Agro Park, Öjebyn",
        municipality="2581",
        capacity=30,
        registrants=4,
        attended=4,
    ),
    EventSpec(
        "webbinarier-fossilfritt",
        "Webbinarieserie: fossilfritt lantbruk",
        "webinar",
        "2026-09-03T12:00",
        "2026-09-03T13:00",
        GNV,
        "<p>Åtta lunchwebbinarier, varje torsdag, om biogas, el-traktorer och "
        "energieffektiva gårdar.</p>",
        focus_areas=(FOSSIL,),
        online_url="https://example.org/webbinarium/fossilfritt",
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=8",
        shared_with=(GCJ,),
    ),
    EventSpec(
        "seminarium-skogens-varden",
        "Seminarium: skogens många värden",
        "seminar",
        "2026-05-12T09:00",
        "2026-05-12T12:00",
        FRO,
        "<p>Seminariet är inställt och ersätts av en webbsänd träff i höst.</p>",
        focus_areas=(SKOG,),
        place="Falun",
        municipality="2080",
        status="cancelled",
        sequence=2,
    ),
    EventSpec(
        "hostkonferens-livsmedel",
        "Höstkonferens: hållbar livsmedelskedja",
        "seminar",
        "2026-10-24T10:00",
        "2026-10-26T15:00",
        SLU,
        "<p>Tre dagar över helgen då sommartiden slutar (natten till 25 oktober). "
        "Om lokal mat, förädling och besöksnäring.</p>",
        focus_areas=(LOKAL, BESOK),
        place="Alnarp, Lomma",
        municipality="1262",
        capacity=120,
        registrants=8,
        attended=7,
    ),
    EventSpec(
        "medlemsmote-gcjh-2027",
        "Medlemsmöte i Grönt Center",
        "network_meeting",
        "2027-02-10T18:00",
        "2027-02-10T20:00",
        GCJ,
        "<p>Årets första medlemsmöte: verksamhetsplan och projektidéer.</p>",
        place="Ås, Krokom",
        municipality="2309",
        capacity=3,
        visibility="members",
        registrants=4,
    ),
    EventSpec(
        "natverkstraff-2027",
        "Nationell nätverksträff 2027",
        "network_meeting",
        "2027-03-16T10:00",
        "2027-03-17T15:00",
        None,
        "<p>Nätverkets årliga träff, i år i Uppsala med besök på Green Innovation Park.</p>",
        organisers=(GIU, NUN),
        focus_areas=(GRON,),
        place="Ultuna, Uppsala",
        municipality="0380",
        capacity=100,
        deadline="2027-03-01T23:59",
        registrants=5,
    ),
    EventSpec(
        "tradagen-2027",
        "Trähusdagen 2027",
        "seminar",
        "2027-05-20T09:00",
        "2027-05-20T16:00",
        GCJ,
        "<p>Utkast: program kommer.</p>",
        focus_areas=(TRAHUS,),
        place="Östersund",
        municipality="2380",
        status="draft",
        sequence=0,
    ),
)


@transaction.atomic
def load_events_demo(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Load the events demo data; a second run writes nothing. Returns counts."""
    clusters = {c.slug: c for c in Cluster.objects.all()}
    focus = {f.slug: f for f in FocusArea.objects.all()}
    areas = {a.code: a for a in Area.objects.filter(kind="municipality")}
    people = list(
        Person.objects.filter(is_demo=True)
        .exclude(email="")
        .select_related("organisation")
        .order_by("pk")
    )
    created = {"events": 0, "shares": 0, "registrations": 0}
    for index, spec in enumerate(EVENTS):
        if spec.host and spec.host not in clusters:
            continue  # the cluster demo was not loaded
        event = Event.objects.filter(uid=spec.uid).first()
        if event is None:
            event = Event.objects.create(
                uid=spec.uid,
                sequence=spec.sequence,
                title=spec.title,
                event_type=spec.event_type,
                description=spec.description,
                start=_at(spec.start),
                end=_at(spec.end),
                place=spec.place,
                municipality=areas.get(spec.municipality or ""),
                online_url=spec.online_url,
                host=clusters.get(spec.host or ""),
                capacity=spec.capacity,
                registration_deadline=_at(spec.deadline) if spec.deadline else None,
                visibility=spec.visibility,
                status=spec.status,
                rrule=spec.rrule,
                is_demo=True,
            )
            organisers = [clusters[s] for s in (spec.host, *spec.organisers) if s in clusters]
            event.organisers.set(organisers)
            event.focus_areas.set([focus[s] for s in spec.focus_areas if s in focus])
            created["events"] += 1
        for slug in spec.shared_with:
            if slug in clusters:
                _share, new = EventShare.objects.get_or_create(event=event, cluster=clusters[slug])
                created["shares"] += new
        chosen = people[index * 3 : index * 3 + spec.registrants] if people else []
        if len(chosen) < spec.registrants:
            chosen = people[: spec.registrants]
        existing = set(event.registrations.values_list("email", flat=True))
        confirmed = event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
        for n, person in enumerate(chosen):
            if person.email.lower() in existing:
                continue
            full = spec.capacity is not None and confirmed >= spec.capacity
            Registration.objects.create(
                event=event,
                name=person.name,
                email=person.email.lower(),
                organisation=person.organisation,
                organisation_name=person.organisation.name if person.organisation else "",
                person=person,
                gender=person.gender or "",
                contact_consent=n % 2 == 0,
                consent_at=event.start - dt.timedelta(days=20) if n % 2 == 0 else None,
                status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED,
                attended=not full and n < spec.attended,
                checked_in_at=event.start if not full and n < spec.attended else None,
            )
            confirmed += not full
            created["registrations"] += 1
    counts = {
        "events": Event.objects.filter(is_demo=True).count(),
        "shares": EventShare.objects.filter(event__is_demo=True).count(),
        "registrations": Registration.objects.filter(event__is_demo=True).count(),
        "created": sum(created.values()),
    }
    if stdout is not None:
        stdout.write(
            "events demo: {events} events, {shares} shares, {registrations} registrations "
            "({created} created)\n".format(**counts)
        )
    return counts
