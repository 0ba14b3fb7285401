"""The audit log viewer (/audit/), its exports, the API (GET /api/v1/audit) and ``samverka audit``:
who may read it, the filters, and exports that parse back."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from samverka.core import audit
from samverka.core.exports import table_bytes
from samverka.core.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = "/audit/"


def at(day: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(day + "T12:00:00"))


@pytest.fixture
def log(make_user: Any) -> dict[str, Any]:
    """Five entries on three days by two users and the system (and nothing else)."""
    olle = make_user("olle")
    siv = make_user("siv")
    rows = [
        (
            "2026-03-01",
            olle,
            "project.changed",
            "programmes.project",
            "7",
            "Skogsprojektet",
            {"title": ["Skog", "Skogsprojektet"]},
        ),
        (
            "2026-03-01",
            siv,
            "project.decided",
            "programmes.project",
            "7",
            "Skogsprojektet",
            {"decision": [None, "granted"]},
        ),
        (
            "2026-03-05",
            siv,
            "assessment.scored",
            "programmes.assessment",
            "3",
            "Bedömning 3",
            {"12": [None, [4, "=SUM(A1)"]]},
        ),
        (
            "2026-03-09",
            None,
            "indicator.values_imported",
            "indicators.indicator",
            "2",
            "Befolkning",
            {"source": "befolkning.csv", "created": 5},
        ),
        (
            "2026-03-09",
            olle,
            "cluster.managers_changed",
            "clusters.cluster",
            "1",
            "Mjölkklustret",
            {"managers": [[], ["olle"]]},
        ),
    ]
    AuditEntry.objects.all().delete()
    for day, actor, action, kind, pk, name, changes in rows:
        entry = AuditEntry.objects.create(
            actor=actor,
            action=action,
            object_type=kind,
            object_id=pk,
            object_repr=name,
            changes=changes,
        )
        AuditEntry.objects.filter(pk=entry.pk).update(at=at(day))  # at is auto_now_add
    return {"olle": olle, "siv": siv}


@pytest.fixture
def admin_client(make_user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin = make_user("admin", role="platform_admin")
    AuditEntry.objects.filter(object_type="auth.user", object_id=str(admin.pk)).delete()
    client.force_login(admin)
    return client


def shown(response: Any) -> list[str]:
    return [e.action for e in response.context["page"].object_list]


def test_audit_viewer_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("role", [None, "programme_officer", "assessor"])
def test_audit_viewer_forbidden_for_others(make_user: Any, role: str | None) -> None:
    client = Client()
    client.force_login(make_user(role=role))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "?export=csv").status_code == 403


def test_audit_viewer_lists_newest_first_with_changes_table(
    log: dict[str, Any], admin_client: Client
) -> None:
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert shown(response) == [
        "cluster.managers_changed",
        "indicator.values_imported",
        "assessment.scored",
        "project.decided",
        "project.changed",
    ]
    html = response.content.decode()
    assert '<th scope="row">title</th><td>Skog</td>' in html
    assert "Skogsprojektet" in html
    assert "<em>system</em>" in html
    assert 'href="/audit/"' in html  # the nav link for platform admins


def test_audit_viewer_superuser_allowed_and_nav_hidden_from_others(
    make_user: Any, client: Client
) -> None:
    superuser = Client()
    superuser.force_login(make_user(role="platform_admin_superuser"))
    assert superuser.get(URL).status_code == 200
    client.force_login(make_user())
    assert 'href="/audit/"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=programmes.project", ["project.decided", "project.changed"]),
        ("type=programmes", ["assessment.scored", "project.decided", "project.changed"]),
        ("action=project.", ["project.decided", "project.changed"]),
        ("action=project.decided", ["project.decided"]),
        ("user=siv", ["assessment.scored", "project.decided"]),
        ("user=-", ["indicator.values_imported"]),
        ("since=2026-03-05&until=2026-03-05", ["assessment.scored"]),
        ("since=2026-03-09", ["cluster.managers_changed", "indicator.values_imported"]),
        ("until=2026-03-01", ["project.decided", "project.changed"]),
        ("type=programmes.project&object_id=7&user=olle", ["project.changed"]),
        ("q=mjölk", ["cluster.managers_changed"]),
        ("q=nothing-like-this", []),
    ],
)
def test_audit_viewer_filters(
    log: dict[str, Any], admin_client: Client, query: str, expected: list[str]
) -> None:
    response = admin_client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert shown(response) == expected


def test_audit_viewer_paginates(admin_client: Client) -> None:
    AuditEntry.objects.bulk_create(
        AuditEntry(action=f"x.{i:03d}", object_type="a.b", object_id=str(i), object_repr="x")
        for i in range(120)
    )
    first = admin_client.get(URL + "?type=a.b")
    third = admin_client.get(URL + "?type=a.b&page=3")
    assert len(shown(first)) == 50
    assert shown(third) == [f"x.{i:03d}" for i in range(19, -1, -1)]
    assert "type=a.b&amp;page=2" in first.content.decode()


def test_audit_export_csv_parses_back_streamed(log: dict[str, Any], admin_client: Client) -> None:
    response = admin_client.get(URL + "?type=programmes&export=csv")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == list(audit.EXPORT_HEADERS)
    assert [(r[1], r[2], r[4]) for r in rows[1:]] == [
        ("siv", "assessment.scored", "3"),
        ("siv", "project.decided", "7"),
        ("olle", "project.changed", "7"),
    ]
    # changes as JSON; formulas inside stay text
    assert json.loads(rows[3][6]) == {"title": ["Skog", "Skogsprojektet"]}
    assert json.loads(rows[1][6]) == {"12": [None, [4, "=SUM(A1)"]]}


def test_audit_export_xlsx_parses_back(log: dict[str, Any], admin_client: Client) -> None:
    response = admin_client.get(URL + "?user=olle&export=xlsx")
    assert response.status_code == 200
    assert "audit-log-" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == audit.EXPORT_HEADERS
    assert [(r[1], r[2], r[5]) for r in rows[1:]] == [
        ("olle", "cluster.managers_changed", "Mjölkklustret"),
        ("olle", "project.changed", "Skogsprojektet"),
    ]
    assert rows[2][0] == timezone.localtime(at("2026-03-01")).replace(tzinfo=None)


def test_audit_export_uses_the_shared_export_format(
    log: dict[str, Any], admin_client: Client
) -> None:
    """The streamed export follows core.exports' rules: the CSV is the bytes table_bytes
    builds for the same rows, the XLSX has the bold, frozen header of every export."""
    csv_response = admin_client.get(URL + "?export=csv")
    body = b"".join(csv_response.streaming_content)
    rows = list(audit.export_rows(audit.filter_entries()))
    assert len(rows) == 5
    assert body == table_bytes(audit.EXPORT_HEADERS, rows, "csv")
    assert body.startswith("\ufefftime;user;action;".encode())

    stamp = timezone.localdate().isoformat()
    assert csv_response["Content-Disposition"] == f'attachment; filename="audit-log-{stamp}.csv"'
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"

    xlsx = admin_client.get(URL + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert (sheet["A1"].font.bold, sheet.freeze_panes) == (True, "A2")
    assert xlsx["Content-Disposition"] == f'attachment; filename="audit-log-{stamp}.xlsx"'


def test_audit_api_for_platform_admins_only(
    log: dict[str, Any], admin_client: Client, make_user: Any, client: Client
) -> None:
    assert client.get("/api/v1/audit").status_code == 401
    officer = Client()
    officer.force_login(make_user(role="programme_officer"))
    assert officer.get("/api/v1/audit").status_code == 403

    response = admin_client.get("/api/v1/audit?type=programmes.project&user=siv")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["action"], item["user"], item["object_id"], item["object"]) == (
        "project.decided",
        "siv",
        "7",
        "Skogsprojektet",
    )
    assert item["changes"] == {"decision": [None, "granted"]}

    dated = admin_client.get("/api/v1/audit?since=2026-03-02&until=2026-03-08").json()
    assert [i["action"] for i in dated["items"]] == ["assessment.scored"]
    assert admin_client.get("/api/v1/audit?since=yesterday").status_code == 422


def test_audit_api_with_token(log: dict[str, Any], make_user: Any) -> None:
    from samverka.api.models import ApiToken

    admin = make_user(role="platform_admin_superuser")
    _token, key = ApiToken.issue(user=admin, name="audit")
    response = Client().get("/api/v1/audit?type=programmes", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    # the token's user became a superuser: that too is in the log
    created = Client().get(
        "/api/v1/audit?action=user.roles_changed", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert [i["object_id"] for i in created.json()["items"]] == [str(admin.pk)]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def test_audit_command_json_and_csv(log: dict[str, Any]) -> None:
    items = json.loads(run("--since", "2026-03-05", "--format", "json"))
    assert [i["action"] for i in items] == [
        "cluster.managers_changed",
        "indicator.values_imported",
        "assessment.scored",
    ]
    assert items[1]["user"] is None
    assert items[0]["changes"] == {"managers": [[], ["olle"]]}
    assert json.loads(run("--type", "nothing.here")) == []

    text = run("--type", "programmes.project", "--format", "csv")
    assert text.startswith("\ufeff")  # the web export's format: BOM, ';' and CRLF
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == list(audit.EXPORT_HEADERS)
    assert [r[2] for r in rows[1:]] == ["project.decided", "project.changed"]
    assert datetime.fromisoformat(rows[1][0]) == at("2026-03-01")


FORMULAS = ['=HYPERLINK("https://evil.example","klicka")', "+1+1", "-2+3", "@SUM(A1)"]


def test_audit_command_csv_guards_formulas(db: Any) -> None:
    """The command's CSV goes through the web exports' formula guard: no cell starts a formula."""
    for number, text in enumerate(FORMULAS):
        AuditEntry.objects.create(
            action=text, object_type="actors.organisation", object_id=str(number), object_repr=text
        )

    text = run("--format", "csv")

    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    guarded = sorted("'" + f for f in FORMULAS)
    assert sorted(r[2] for r in rows[1:]) == guarded  # the action
    assert sorted(r[5] for r in rows[1:]) == guarded  # the object


def test_audit_command_bad_date_exits_2(db: Any) -> None:
    with pytest.raises(CommandError, match="not a date") as error:
        run("--since", "1 March")
    assert error.value.returncode == 2


def test_audit_export_rows_are_lazy(log: dict[str, Any]) -> None:
    # export_rows reads through iterator(): the rows come lazily, in chunks
    rows = audit.export_rows(audit.filter_entries())
    assert not isinstance(rows, list)
    first = next(rows)
    assert first[2] == "cluster.managers_changed"
    assert len(list(rows)) == 4


def test_audit_history_links_on_project_and_organisation_pages(
    admin_client: Client, make_organisation: Any, client: Client
) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "programmes"))
    import test_programme_workflow_builders as b

    from samverka.programmes.enums import ProjectStatus

    organisation = make_organisation("Historiska AB")
    project = b.application(b.call(), applicant=organisation, status=ProjectStatus.GRANTED)
    project_url = reverse("programmes:project", args=[project.reference])
    link = f"/audit/?type=programmes.project&amp;object_id={project.pk}"
    assert link in admin_client.get(project_url).content.decode()
    public = client.get(project_url)
    assert public.status_code == 200
    assert project.title in public.content.decode()
    assert link not in public.content.decode()
    org_page = admin_client.get(reverse("actors:organisation", args=[organisation.pk]))
    assert f"/audit/?type=actors.organisation&amp;object_id={organisation.pk}" in (
        org_page.content.decode()
    )


def test_audit_viewer_bad_date_shows_error_keeps_other_filters(
    log: dict[str, Any], admin_client: Client
) -> None:
    response = admin_client.get(URL + "?since=not-a-date&user=siv")
    assert response.status_code == 200
    assert shown(response) == ["assessment.scored", "project.decided"]
    assert "Enter a valid date." in response.content.decode()
