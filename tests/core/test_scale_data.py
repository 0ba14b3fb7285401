"""The scale-data generator (``samverka bench generate``) at the small scale."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models, transaction

from samverka.actors.models import FocusArea, Organisation, Person, Relation
from samverka.clusters.models import Cluster, Membership
from samverka.core import scale_data
from samverka.core.models import DemoMarker
from samverka.events.models import Event, Registration
from samverka.indicators.models import Indicator, Value
from samverka.knowledge.models import SearchDocument
from samverka.programmes.models import FinancingLine, Measure, PriorityArea, Programme, Project

SMALL = scale_data.SCALES["small"]
GENERATED: list[type[models.Model]] = [
    Organisation,
    Organisation.focus_areas.through,
    Person,
    Relation,
    Membership,
    Project,
    Project.partners.through,
    Project.measures.through,
    FinancingLine,
    Indicator,
    Value,
    Event,
    Event.organisers.through,
    Registration,
]


def _bench(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("bench", "generate", *args, "--format", "json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def _checksum() -> str:
    """A digest of every generated table's rows in insertion order, without the auto ids of
    tables whose ids come from a sequence (PostgreSQL does not roll sequences back)."""
    digest = hashlib.sha256()
    for model in GENERATED:
        names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        for row in model._default_manager.order_by("pk").values_list(*names):
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.mark.django_db
def test_bench_generate_small_writes_the_counts_then_nothing(
    make_cluster: Callable[..., Cluster], focus_area: FocusArea
) -> None:
    # The base data the demo would bring (loading the demo itself takes longer than the test).
    _minimal_base(make_cluster, focus_area)
    DemoMarker.objects.create(key="demo")
    before = {model: model._default_manager.count() for model in GENERATED}
    result = _bench("--scale", "small", "--seed", "3")

    assert result["scale"] == "small"
    assert result["seed"] == 3
    after = {model: model._default_manager.count() for model in GENERATED}
    added = {model: after[model] - before[model] for model in GENERATED}
    assert added[Organisation] == result["organisations"] == SMALL.organisations
    assert added[Person] == result["people"] == SMALL.people
    assert added[Project] == result["projects"] == SMALL.projects
    assert added[Value] == result["indicator_values"] == SMALL.values
    assert added[Event] == result["events"] == SMALL.events
    assert added[Relation] == result["relations"] == SMALL.organisations * 3 // 2
    assert added[Membership] == result["memberships"] > 0
    assert added[Registration] == result["registrations"] > 0
    assert added[FinancingLine] == result["financing_lines"]
    # every project has one to four financing lines
    lines = (
        FinancingLine.objects.filter(project__reference__startswith="BENCH-")
        .values("project")
        .annotate(n=models.Count("pk"))
    )
    assert {row["n"] for row in lines} <= {1, 2, 3, 4}
    assert len(lines) == SMALL.projects
    # the search finds the new organisations
    assert (
        SearchDocument.objects.filter(
            kind="organisation", object_id__in=[str(pk) for pk in added_ids(Organisation)]
        ).count()
        == SMALL.organisations
    )
    assert DemoMarker.objects.filter(key="scale:small:3").exists()

    again = _bench("--scale", "regional")

    assert again == {
        "already_generated": True,
        "requested_scale": "regional",
        "scale": "small",
        "seed": 3,
    }
    assert {model: model._default_manager.count() for model in GENERATED} == after


def added_ids(model: type[models.Model]) -> list[int]:
    return list(
        model._default_manager.order_by("-pk").values_list("pk", flat=True)[: SMALL.organisations]
    )


def _minimal_base(make_cluster: Callable[..., Cluster], focus_area: FocusArea) -> None:
    """The least the generator builds on (the demo is slower to load): two clusters, a focus
    area and a programme with two measures."""
    make_cluster(slug="bench-a")
    make_cluster(slug="bench-b")
    programme = Programme.objects.create(code="bench", name="Bench", start_year=2014, end_year=2027)
    priority = PriorityArea.objects.create(programme=programme, number=1, name="Tillväxt")
    for code in ("1.1", "1.2"):
        Measure.objects.create(programme=programme, priority_area=priority, code=code, name=code)


@pytest.mark.django_db
def test_bench_generate_same_seed_gives_identical_rows(
    make_cluster: Callable[..., Cluster], focus_area: FocusArea
) -> None:
    _minimal_base(make_cluster, focus_area)
    tiny = scale_data.Scale(organisations=300, people=600, projects=40, values=4000, events=5)
    sums = []
    for _ in range(2):
        # Each run in a transaction rolled back afterwards: two generations into the same
        # starting database, as into two fresh databases.
        with transaction.atomic():
            scale_data.generate("small", seed=7, index=False, size=tiny)
            sums.append(_checksum())
            transaction.set_rollback(True)
    with transaction.atomic():
        scale_data.generate("small", seed=8, index=False, size=tiny)
        other = _checksum()
        transaction.set_rollback(True)

    assert sums[0] == sums[1]
    assert other != sums[0]


@pytest.mark.django_db
def test_bench_generate_unknown_scale_exits_2() -> None:
    with pytest.raises(CommandError) as raised:
        _bench("--scale", "planetary")

    assert raised.value.returncode == 2
    assert "planetary" in str(raised.value)
    assert not DemoMarker.objects.filter(key__startswith="scale:").exists()


@pytest.mark.django_db
def test_bench_generate_without_base_data_writes_nothing() -> None:
    with pytest.raises(scale_data.MissingBaseData):
        scale_data.generate("small", seed=1)

    assert Organisation.objects.count() == 0
    assert not DemoMarker.objects.filter(key__startswith="scale:").exists()


@pytest.mark.django_db
def test_analyse_gives_the_planner_statistics(make_organisation: Callable[..., Any]) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the planner's row estimates are PostgreSQL's")
    for n in range(13):
        make_organisation(f"Statistik {n} AB")
    table = Organisation._meta.db_table
    rows = Organisation.objects.count()

    def estimate() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cursor.fetchone()[0]

    # Never analysed (-1), or analysed by an earlier test with other rows (ANALYZE's estimate
    # outlives the rolled-back test transaction).
    assert estimate() != rows
    scale_data.analyse()
    assert estimate() == rows  # a table this small is read whole
