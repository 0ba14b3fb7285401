"""Data builders for the project import and API tests: plain ORM rows, built explicitly.

A uniquely named module (not conftest) so that test modules can import it unambiguously.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from samverka.actors.models import Organisation, Person
from samverka.api.models import ApiToken
from samverka.programmes.models import (
    Call,
    CallCriterion,
    FinancingLine,
    Measure,
    MeasureGoal,
    PriorityArea,
    Programme,
    Project,
    SelectionCriterion,
)

_seq = itertools.count(1)

PROJECT_HEADER = [
    "reference",
    "title",
    "programme",
    "measure",
    "applicant_name",
    "applicant_orgnr",
    "status",
    "start_date",
    "end_date",
    "municipalities",
    "description",
]
FINANCING_HEADER = [
    "project_reference",
    "financier_name",
    "financier_category",
    "year",
    "budget_sek",
    "decided_sek",
    "outcome_sek",
]


def csv_bytes(header: list[str], rows: list[list[Any]], *, delimiter: str = ",") -> io.BytesIO:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode("utf-8"))


def make_user(username: str | None = None, *, role: str | None = None, **extra: Any) -> Any:
    username = username or f"user{next(_seq)}"
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="pw", **extra
    )
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def make_applicant(organisation: Organisation, username: str | None = None) -> Any:
    """A user linked to a person in ``organisation``: someone who may apply for it."""
    user = make_user(username)
    Person.objects.create(name=f"Person {user.username}", organisation=organisation, user=user)
    return user


def bearer(user: Any) -> dict[str, str]:
    _, plain = ApiToken.issue(user=user, name="test")
    return {"Authorization": f"Bearer {plain}"}


def make_org(name: str | None = None, *, helix: str = "company", **fields: Any) -> Organisation:
    return Organisation.objects.create(name=name or f"Org {next(_seq)}", helix=helix, **fields)


def make_programme(
    code: str = "rtp",
    *,
    measures: tuple[str, ...] = ("1.1", "1.2"),
    start_year: int = 2008,
    end_year: int = 2010,
    criteria: tuple[tuple[str, str], ...] = (),
) -> Programme:
    """A programme with one priority area holding ``measures`` (flat), and optional criteria
    as (name, weight) pairs."""
    programme = Programme.objects.create(
        code=code, name=f"Programme {code}", start_year=start_year, end_year=end_year
    )
    area = PriorityArea.objects.create(programme=programme, number=1, name="Growth")
    for position, measure_code in enumerate(measures):
        Measure.objects.create(
            programme=programme,
            priority_area=area,
            code=measure_code,
            name=f"Measure {measure_code}",
            position=position,
        )
    for position, (name, weight) in enumerate(criteria):
        SelectionCriterion.objects.create(
            programme=programme, name=name, weight=Decimal(weight), position=position
        )
    return programme


def make_tree_programme(code: str = "rtp-vn") -> Programme:
    """Two priority areas; measure 3.4 with sub-measures 3.4a and 3.4b; goals; 2 criteria."""
    programme = Programme.objects.create(
        code=code, name="RTP Västernorrland", start_year=2008, end_year=2010
    )
    one = PriorityArea.objects.create(programme=programme, number=1, name="Företagande", goal="G1")
    three = PriorityArea.objects.create(programme=programme, number=3, name="Kompetens")
    m11 = Measure.objects.create(
        programme=programme, priority_area=one, code="1.1", name="Entreprenörskap", position=1
    )
    MeasureGoal.objects.create(measure=m11, text="Fler nya företag", deadline_year=2011)
    m34 = Measure.objects.create(
        programme=programme, priority_area=three, code="3.4", name="Utbildning", position=2
    )
    for position, suffix in enumerate(("a", "b")):
        sub = Measure.objects.create(
            programme=programme,
            priority_area=three,
            parent=m34,
            code=f"3.4{suffix}",
            name=f"Del {suffix}",
            position=3 + position,
        )
        MeasureGoal.objects.create(measure=sub, text=f"Mål {suffix}", deadline_year=2011)
    SelectionCriterion.objects.create(
        programme=programme, name="Innovation", weight=Decimal(2), position=0
    )
    SelectionCriterion.objects.create(
        programme=programme, name="Hållbarhet", weight=Decimal(1), position=1
    )
    return programme


def make_call(
    programme: Programme,
    slug: str | None = None,
    *,
    opens: datetime.date | None = None,
    closes: datetime.date | None = None,
    published: bool = True,
    assessors: tuple[Any, ...] = (),
) -> Call:
    today = datetime.date.today()
    call = Call.objects.create(
        programme=programme,
        slug=slug or f"call-{next(_seq)}",
        title=f"Call {slug}",
        opens=opens or today - datetime.timedelta(days=10),
        closes=closes or today + datetime.timedelta(days=10),
        published=published,
        max_support_share=Decimal("0.5"),
    )
    call.measures.set(programme.measures.all())
    for criterion in programme.criteria.all():
        CallCriterion.objects.create(call=call, criterion=criterion, weight=criterion.weight)
    call.assessors.set(assessors)
    return call


def make_project(
    programme: Programme,
    reference: str | None = None,
    *,
    status: str = "granted",
    applicant: Organisation | None = None,
    measures: tuple[str, ...] = (),
    municipalities: tuple[str, ...] = (),
    call: Call | None = None,
    financing: tuple[tuple[str, int, int, int, int], ...] = (),
    **fields: Any,
) -> Project:
    """``financing``: (category, year, budget, decided, outcome) lines with a fresh financier."""
    from samverka.geo.models import Area

    fields.setdefault("start_date", datetime.date(programme.start_year, 1, 1))
    fields.setdefault("end_date", datetime.date(programme.end_year, 12, 31))
    project = Project.objects.create(
        programme=programme,
        reference=reference or f"P-{next(_seq)}",
        title=fields.pop("title", f"Project {reference}"),
        applicant=applicant or make_org(),
        status=status,
        call=call,
        **fields,
    )
    project.measures.set(programme.measures.filter(code__in=measures))
    project.municipalities.set(Area.objects.filter(code__in=municipalities))
    for category, year, budget, decided, outcome in financing:
        FinancingLine.objects.create(
            project=project,
            financier=make_org(helix="public"),
            category=category,
            year=year,
            budget_sek=budget,
            decided_sek=decided,
            outcome_sek=outcome,
        )
    return project
