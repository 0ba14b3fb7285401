"""Every change to projects, financing, assessments, decisions, indicator values and roles
leaves an audit entry with who, when and what changed: each change made through the real
service, view or the Django admin, then the entry read back."""

from __future__ import annotations

import io
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samverka.core.models import AuditEntry
from samverka.indicators.models import Value
from samverka.indicators.services.importers import import_indicators
from samverka.programmes.enums import ProjectStatus as S
from samverka.programmes.services import assessment as assessment_svc
from samverka.programmes.services import financing as financing_svc
from samverka.programmes.services import workflow

# the programme tests' data builders (a uniquely named module beside those tests)
sys.path.insert(0, str(Path(__file__).parents[1] / "programmes"))
import test_programme_workflow_builders as b

pytestmark = pytest.mark.django_db


def only_entry(**lookup: Any) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(**lookup))
    assert len(entries) == 1, [(e.action, e.changes) for e in entries]
    assert timezone.now() - entries[0].at < timedelta(minutes=1)
    return entries[0]


@pytest.fixture
def setup() -> dict[str, Any]:
    call = b.call()
    assessor = b.user("assessor")
    call.assessors.add(assessor)
    org = b.organisation()
    owner = b.user(org=org)
    AuditEntry.objects.all().delete()  # the roles given above are logged too; start clean
    return {
        "call": call,
        "assessor": assessor,
        "officer": b.user("programme_officer"),
        "owner": owner,
        "org": org,
        "criteria": list(call.programme.criteria.all()),
    }


def test_audit_project_change_records_fields_old_and_new(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], applicant=setup["org"], created_by=setup["owner"])

    workflow.update_application(project=project, actor=setup["owner"], data={"title": "Ny titel"})

    entry = only_entry(action="project.changed", object_id=str(project.pk))
    assert entry.object_type == "programmes.project"
    assert entry.actor == setup["owner"]
    assert entry.changes == {"title": ["Lokal mat i Västernorrland", "Ny titel"]}


def test_audit_financing_lines_replaced_records_before_and_after(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], applicant=setup["org"], created_by=setup["owner"])
    lines = [
        {
            "financier": ln.financier_id,
            "category": ln.category,
            "year": ln.year,
            "budget_sek": ln.budget_sek,
        }
        for ln in project.financing_lines.order_by("year", "category")
    ]
    lines[0]["budget_sek"] = 123_000

    financing_svc.save_financing_lines(project=project, actor=setup["owner"], lines=lines)

    entry = only_entry(action="project.financing_changed", object_id=str(project.pk))
    assert entry.actor == setup["owner"]
    before, after = entry.changes["financing_lines"]
    assert sorted(line["budget_sek"] for line in before) == [50_000, 50_000, 100_000, 100_000]
    assert sorted(line["budget_sek"] for line in after) == [50_000, 50_000, 100_000, 123_000]


def test_audit_assessment_scores_and_decision(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], applicant=setup["org"], status=S.IN_ASSESSMENT)
    assessment = assessment_svc.start_assessment(project=project, assessor=setup["assessor"])
    first = setup["criteria"][0]

    assessment_svc.save_scores(assessment=assessment, scores={first.pk: (4, "Bra")})

    scored = only_entry(action="assessment.scored", object_id=str(assessment.pk))
    assert scored.actor == setup["assessor"]
    assert scored.changes == {str(first.pk): [None, [4, "Bra"]]}

    lines = list(project.financing_lines.order_by("year", "category"))
    assessment_svc.decide(
        project=project,
        actor=setup["officer"],
        granted=True,
        decided_amounts={lines[0].pk: 80_000},
        motivation="Hög rankning.",
    )

    decided = only_entry(action="project.decided", object_id=str(project.pk))
    assert decided.actor == setup["officer"]
    assert decided.changes["decision"] == [None, S.GRANTED.value]
    line = lines[0]
    key = f"line {line.pk} ({line.financier_id}, {line.category}, {line.year})"
    assert decided.changes["decided_sek"][key][1] == 80_000


def test_audit_indicator_import_is_one_entry_with_counts_file_name_and_user(
    make_user: Any,
) -> None:
    user = make_user("statistician")
    rows = "indicator;area;period;gender;value\n" + "".join(
        f"befolkning;{code};2024;T;{1000 + i}\n"
        for i, code in enumerate(["2260", "2262", "2280", "2281", "2282"])
    )

    report = import_indicators(
        io.BytesIO(rows.encode()), filename="befolkning-2024.csv", actor=user
    )
    assert report.ok, report.as_dict()
    assert Value.objects.filter(indicator__code="befolkning").count() == 5

    entry = only_entry(action="indicator.values_imported")
    assert entry.actor == user
    assert entry.changes["source"] == "befolkning-2024.csv"
    assert (entry.changes["created"], entry.changes["updated"]) == (5, 0)

    # a single changed value (a revision) is one more entry, counting it
    again = rows.replace(";1000\n", ";999\n")
    import_indicators(io.BytesIO(again.encode()), filename="rättelse.csv", actor=user)
    revision = AuditEntry.objects.filter(action="indicator.values_imported").first()
    assert revision.changes == {"source": "rättelse.csv", "created": 0, "updated": 1, "revised": 1}


def test_audit_role_group_membership_both_directions(make_user: Any) -> None:
    user = make_user("pelle")
    officers = Group.objects.get_or_create(name="programme_officer")[0]
    plain = Group.objects.create(name="book club")

    user.groups.add(officers, plain)
    entry = only_entry(action="user.roles_changed", object_id=str(user.pk))
    assert entry.object_type == "auth.user"
    assert entry.changes == {"roles": [[], ["programme_officer"]]}
    assert entry.actor is None  # no request: the system

    AuditEntry.objects.all().delete()
    officers.user_set.remove(user)
    assert only_entry(action="user.roles_changed").changes == {"roles": [["programme_officer"], []]}

    AuditEntry.objects.all().delete()
    user.groups.clear()  # only the non-role group is left: nothing to log
    assert not AuditEntry.objects.exists()


def test_audit_cluster_managers_add_and_remove(make_user: Any, make_cluster: Any) -> None:
    cluster = make_cluster("Skogskluster")
    anna, bo = make_user("anna"), make_user("bo")

    cluster.managers.add(anna)
    bo.managed_clusters.add(cluster)
    cluster.managers.remove(anna)

    changes = [
        e.changes["managers"]
        for e in AuditEntry.objects.filter(action="cluster.managers_changed").order_by("id")
    ]
    assert changes == [[[], ["anna"]], [["anna"], ["anna", "bo"]], [["anna", "bo"], ["bo"]]]
    assert set(
        AuditEntry.objects.filter(action="cluster.managers_changed").values_list(
            "object_type", "object_id"
        )
    ) == {("clusters.cluster", str(cluster.pk))}


def test_audit_superuser_flag_and_groups_through_the_admin(make_user: Any) -> None:
    admin = make_user("root", role="platform_admin_superuser")
    target = make_user("karin")
    officers = Group.objects.get_or_create(name="programme_officer")[0]
    AuditEntry.objects.all().delete()
    client = Client()
    client.force_login(admin)

    response = client.post(
        reverse("admin:auth_user_change", args=[target.pk]),
        {
            "username": "karin",
            "first_name": "",
            "last_name": "",
            "email": target.email,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [officers.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": target.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": target.date_joined.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.is_superuser
    flags = only_entry(action="user.roles_changed", changes__has_key="is_superuser")
    assert flags.actor == admin
    assert flags.changes == {"is_superuser": [False, True], "is_staff": [False, True]}
    groups = only_entry(action="user.roles_changed", changes__has_key="roles")
    assert groups.actor == admin
    assert groups.changes == {"roles": [[], ["programme_officer"]]}


def test_audit_created_superuser_is_logged(db: Any) -> None:
    user = User.objects.create_superuser("boss", "boss@example.se", "pw-Test-1234")

    entry = only_entry(action="user.created", object_id=str(user.pk))
    assert entry.changes == {"is_superuser": [None, True], "is_staff": [None, True]}


def _admin_form_data(client: Client, url: str) -> dict[str, Any]:
    """The admin change form's current values, as the browser would post them back."""
    form = client.get(url).context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, (list, tuple)) or hasattr(value, "all"):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = getattr(value, "pk", value)
    return data


def test_audit_changes_made_in_the_admin(
    make_user: Any, make_organisation: Any, setup: dict[str, Any]
) -> None:
    admin = make_user("root", role="platform_admin_superuser")
    client = Client()
    client.force_login(admin)
    organisation = make_organisation("Gamla namnet AB")
    url = reverse("admin:actors_organisation_change", args=[organisation.pk])
    data = _admin_form_data(client, url)
    data["name"] = "Nya namnet AB"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    changed = only_entry(action="organisation.changed_in_admin")
    assert (changed.actor, changed.object_id) == (admin, str(organisation.pk))
    assert changed.changes == {"name": ["Gamla namnet AB", "Nya namnet AB"]}

    project = b.application(setup["call"], applicant=setup["org"])
    line_ids = {str(pk) for pk in project.financing_lines.values_list("pk", flat=True)}
    response = client.post(
        reverse("admin:programmes_project_delete", args=[project.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    deleted = only_entry(action="project.deleted_in_admin")
    assert deleted.actor == admin
    assert deleted.changes["title"] == ["Lokal mat i Västernorrland", None]
    assert (
        set(
            AuditEntry.objects.filter(action="financingline.deleted_in_admin").values_list(
                "object_id", flat=True
            )
        )
        == line_ids
    )
    # outside the admin the services write their own entries: no second one from the signals
    workflow.update_application(
        project=b.application(setup["call"], applicant=setup["org"]),
        actor=setup["officer"],
        data={"title": "Utanför admin"},
    )
    assert not AuditEntry.objects.filter(action="project.changed_in_admin").exists()
