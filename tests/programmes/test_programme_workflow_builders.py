"""Data builders for the call/application/assessment tests: plain ORM rows.

A uniquely named module (imported as ``test_programme_workflow_builders``) so that the workflow,
assessment, financing and browser tests share them; it holds no tests itself.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation, Person
from samverka.geo.models import Area
from samverka.programmes.enums import FinancierCategory, ProjectStatus
from samverka.programmes.models import (
    Call,
    CallCriterion,
    FinancingLine,
    Measure,
    PriorityArea,
    Programme,
    Project,
    SelectionCriterion,
)

_seq = itertools.count(1)
PASSWORD = "pw-Test-1234"

ANSWERS = {
    "sustainability_economic": "Lönsamma företag.",
    "sustainability_ecological": "Mindre transporter.",
    "sustainability_social": "Fler jobb på landsbygden.",
    "gender_equality": "Lika många kvinnor som män.",
    "youth": "Praktikplatser för unga.",
    "integration": "Språkstöd för nyanlända.",
}


def user(role: str | None = None, *, username: str | None = None, org: Any = None) -> User:
    """A user with an optional role group, linked to ``org`` through a Person when given."""
    n = next(_seq)
    made = User.objects.create_user(username or f"wfuser{n}", f"wfuser{n}@example.se", PASSWORD)
    if role:
        made.groups.add(Group.objects.get_or_create(name=role)[0])
    if org is not None:
        Person.objects.create(name=f"Person {n}", organisation=org, user=made)
    return made


def organisation(name: str | None = None) -> Organisation:
    return Organisation.objects.create(
        name=name or f"Org {next(_seq)} AB",
        helix=Helix.COMPANY,
        municipality=Area.objects.get(code="2281"),  # Sundsvall
    )


def programme(*, weights: tuple[str, ...] = ("1", "1", "1")) -> Programme:
    """A programme with one priority area, measures 1.1 and 1.2 and criteria A, B, C..."""
    n = next(_seq)
    prog = Programme.objects.create(
        code=f"rtp-{n}", name=f"RTP {n}", start_year=2008, end_year=2010
    )
    area = PriorityArea.objects.create(programme=prog, number=1, name="Företagande")
    for i, code in enumerate(["1.1", "1.2", "1.3"]):
        Measure.objects.create(
            programme=prog, priority_area=area, code=code, name=f"Åtgärd {code}", position=i
        )
    for i, weight in enumerate(weights):
        SelectionCriterion.objects.create(
            programme=prog, name=f"Kriterium {chr(65 + i)}", weight=Decimal(weight), position=i
        )
    return prog


def call(
    prog: Programme | None = None,
    *,
    opens: date | None = None,
    closes: date | None = None,
    max_support_share: str = "0.5",
    weights: dict[int, str] | None = None,
    measures: tuple[str, ...] = ("1.1", "1.2"),
) -> Call:
    """A published call open today, for measures 1.1 and 1.2, with the programme's weights
    (or ``weights`` by criterion position)."""
    prog = prog or programme()
    today = timezone.localdate()
    made = Call.objects.create(
        programme=prog,
        slug=f"call-{next(_seq)}",
        title="Utlysning gröna näringar",
        opens=opens or today - timedelta(days=10),
        closes=closes or today + timedelta(days=20),
        max_support_share=Decimal(max_support_share),
        published=True,
    )
    made.measures.set(prog.measures.filter(code__in=measures))
    for i, criterion in enumerate(prog.criteria.all()):
        weight = (weights or {}).get(i, criterion.weight)
        CallCriterion.objects.create(call=made, criterion=criterion, weight=Decimal(weight))
    return made


def application(
    the_call: Call,
    *,
    applicant: Organisation | None = None,
    created_by: User | None = None,
    status: str = ProjectStatus.DRAFT,
    lines: list[tuple[str, int, int]] | None = None,
    start: date = date(2026, 1, 1),
    end: date = date(2027, 12, 31),
    **fields: Any,
) -> Project:
    """A complete application (answers, measure 1.1, two years) with financing lines given as
    ``(category, year, budget_sek)``; defaults to 50 % public, 50 % private each year."""
    applicant = applicant or organisation()
    project = Project.objects.create(
        reference=f"{the_call.slug.upper()}-{next(_seq):03d}",
        programme=the_call.programme,
        call=the_call,
        title=fields.pop("title", "Lokal mat i Västernorrland"),
        applicant=applicant,
        created_by=created_by,
        start_date=start,
        end_date=end,
        status=status,
        submitted_at=timezone.now() if status != ProjectStatus.DRAFT else None,
        **{**ANSWERS, **fields},
    )
    project.measures.set(the_call.measures.filter(code="1.1"))
    if lines is None:
        lines = [
            (FinancierCategory.STATE, 2026, 100_000),
            (FinancierCategory.PRIVATE, 2026, 100_000),
            (FinancierCategory.STATE, 2027, 50_000),
            (FinancierCategory.PRIVATE, 2027, 50_000),
        ]
    financiers: dict[str, Organisation] = {}
    for category, year, budget in lines:
        financier = financiers.get(category) or organisation(f"Finansiär {category} {next(_seq)}")
        financiers[category] = financier
        FinancingLine.objects.create(
            project=project, financier=financier, category=category, year=year, budget_sek=budget
        )
    return project
