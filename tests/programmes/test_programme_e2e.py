"""One application through the whole pipeline in the UI (Django test client): the call with its
weights, the draft, the submission, two assessors, the ranking, the decision, follow-up, outcome
and closing; the same pipeline through the API; and the budget report's exports for the demo."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import timedelta
from typing import Any

import pytest
import test_programme_workflow_builders as b
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from imports_builders import bearer
from openpyxl import load_workbook

from samverka.core.models import AuditEntry
from samverka.programmes import demo, demo_projects
from samverka.programmes.enums import ReportKind
from samverka.programmes.models import Call, Project, StatusChange

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year + 1


def logged_in(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def ok(response: Any, to: str | None = None) -> Any:
    """A form POST that succeeded: a redirect (to ``to`` when given), not a page with errors."""
    assert response.status_code == 302, response.content.decode()[:3000]
    if to is not None:
        assert response.url == to
    return response


@pytest.fixture
def people() -> dict[str, Any]:
    applicant_org = b.organisation("Timrå Skogsteknik AB")
    return {
        "applicant_org": applicant_org,
        "applicant": b.user(username="sara", org=applicant_org),
        "officer": b.user("programme_officer", username="olle"),
        # Ranking columns are ordered by username: anna, then bo.
        "anna": b.user("assessor", username="anna", org=b.organisation("Mittuniversitetet")),
        "bo": b.user("assessor", username="bo"),
        "region": b.organisation("Region Västernorrland"),
    }


def test_whole_pipeline_through_the_ui(people: dict[str, Any]) -> None:
    prog = b.programme(weights=("1", "1", "1"))
    a, bb, c = prog.criteria.order_by("position")
    officer = logged_in(people["officer"])

    # The officer creates a call, then gives the criteria their weights 3, 2 and 1.
    ok(
        officer.post(
            reverse("programmes:call-create"),
            {
                "programme": prog.pk,
                "slug": "skog-2026",
                "title": "Skogens nya jobb",
                "description": "<p>Utlysning för skogsnäringen.</p>",
                "measures": [m.pk for m in prog.measures.filter(code__in=["1.1", "1.2"])],
                "opens": (TODAY - timedelta(days=5)).isoformat(),
                "closes": (TODAY + timedelta(days=30)).isoformat(),
                "max_support_share": "0.5",
                "published": "on",
            },
        ),
        "/programmes/calls/skog-2026/",
    )
    call = Call.objects.get(slug="skog-2026")
    ok(
        officer.post(
            reverse("programmes:call-edit", args=[call.slug]),
            {
                "slug": call.slug,
                "title": call.title,
                "description": call.description,
                "measures": list(call.measures.values_list("pk", flat=True)),
                "opens": call.opens.isoformat(),
                "closes": call.closes.isoformat(),
                "max_support_share": "0.5",
                "published": "on",
                f"weight_{a.pk}": "3",
                f"weight_{bb.pk}": "2",
                f"weight_{c.pk}": "1",
            },
        )
    )
    assert {cc.criterion.name: str(cc.weight) for cc in call.call_criteria.all()} == {
        "Kriterium A": "3.00",
        "Kriterium B": "2.00",
        "Kriterium C": "1.00",
    }

    # The applicant drafts an application with four financing lines over two years.
    applicant = logged_in(people["applicant"])
    org, region = people["applicant_org"], people["region"]
    lines = [
        (region, "county_council", YEAR, 300_000),
        (org, "private", YEAR, 300_000),
        (region, "county_council", YEAR + 1, 200_000),
        (org, "private", YEAR + 1, 200_000),
    ]
    data = {
        "title": "Digital skogsplanering",
        "applicant": org.pk,
        "measures": [call.measures.get(code="1.1").pk],
        "description": "Planering av gallring med drönare.",
        "start_date": f"{YEAR}-01-01",
        "end_date": f"{YEAR + 1}-12-31",
        "expected_jobs_women": 3,
        "expected_jobs_men": 2,
        "expected_companies": 1,
        "expected_participants_women": 20,
        "expected_participants_men": 20,
        **b.ANSWERS,
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 60,
    }
    for i, (financier, category, year, budget) in enumerate(lines):
        data |= {
            f"lines-{i}-financier": financier.pk,
            f"lines-{i}-category": category,
            f"lines-{i}-year": year,
            f"lines-{i}-budget_sek": budget,
        }
    ok(applicant.post(reverse("programmes:application-create", args=[call.slug]), data))
    project = Project.objects.get(title="Digital skogsplanering")
    assert (project.status, project.created_by) == ("draft", people["applicant"])
    assert sorted(project.financing_lines.values_list("year", "category", "budget_sek")) == [
        (YEAR, "county_council", 300_000),
        (YEAR, "private", 300_000),
        (YEAR + 1, "county_council", 200_000),
        (YEAR + 1, "private", 200_000),
    ]
    ok(applicant.post(reverse("programmes:project-submit", args=[project.reference])))
    project.refresh_from_db()
    assert project.status == "submitted"

    # The officer starts the assessment and assigns two assessors.
    status_url = reverse("programmes:project-status", args=[project.reference])
    ok(officer.post(status_url, {"to_status": "in_assessment", "note": ""}))
    for assessor in (people["anna"], people["bo"]):
        ok(
            officer.post(
                reverse("programmes:call-assessors", args=[call.slug]), {"user": assessor.pk}
            )
        )
    assert set(call.assessors.values_list("username", flat=True)) == {"anna", "bo"}

    # Both assessors score; Bo marks criterion B as not applicable.
    assessment_url = reverse("programmes:assessment", args=[project.reference])
    for user, given in ((people["anna"], ("4", "3", "5")), (people["bo"], ("2", "na", "5"))):
        scores = {f"score_{cr.pk}": s for cr, s in zip((a, bb, c), given, strict=True)}
        comments = {f"comment_{cr.pk}": f"Motivering {cr.name}" for cr in (a, bb, c)}
        ok(
            logged_in(user).post(
                assessment_url, {**scores, **comments, "comment": "Bra", "submit": "1"}
            ),
            project.get_absolute_url(),
        )

    # Anna: (3·4 + 2·3 + 1·5) / (3 + 2 + 1) = 23/6 = 3.83; Bo: (3·2 + 1·5) / (3 + 1) = 11/4
    # = 2.75; their mean (3.83 + 2.75) / 2 = 3.29.
    ranking_url = reverse("programmes:call-ranking", args=[call.slug])
    html = officer.get(ranking_url).content.decode()
    start = html.index(f'<a href="{project.get_absolute_url()}">', html.index("<tbody>"))
    row = html[start : html.index("</tr>", start)]
    assert [cell for cell in ("3.83", "2.75", "3.29") if cell in row] == ["3.83", "2.75", "3.29"]
    assert row.index("3.83") < row.index("2.75") < row.index("3.29")
    table = list(
        csv.reader(
            io.StringIO(officer.get(ranking_url, {"export": "csv"}).content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert table[0][-3:] == ["anna", "bo", "Mean"]
    assert table[1][1] == project.reference
    assert [float(v) for v in table[1][-3:]] == [3.83, 2.75, 3.29]

    # The officer grants, with a lower amount from the region the first year.
    decision_url = reverse("programmes:decision", args=[project.reference])
    stored = {(ln.category, ln.year): ln for ln in project.financing_lines.all()}
    decided = {
        ("county_council", YEAR): 250_000,
        ("private", YEAR): 300_000,
        ("county_council", YEAR + 1): 200_000,
        ("private", YEAR + 1): 200_000,
    }
    ok(
        officer.post(
            decision_url,
            {
                "decision": "grant",
                "motivation": "Högst rankad; regionens första år sänkt.",
                **{f"amount_{stored[k].pk}": v for k, v in decided.items()},
            },
        ),
        project.get_absolute_url(),
    )
    project.refresh_from_db()
    assert (project.status, project.decided_by) == ("granted", people["officer"])
    assert {(ln.category, ln.year): ln.decided_sek for ln in project.financing_lines.all()} == (
        decided
    )

    # The project runs; the applicant reports progress, then (in the final stage) the end.
    ok(officer.post(status_url, {"to_status": "running", "note": "Startmöte hållet"}))
    reports = {r.kind: r for r in project.reports.all()}
    assert set(reports) == {ReportKind.PROGRESS, ReportKind.FINAL}
    report_data = {
        "jobs_women": 1,
        "jobs_men": 1,
        "new_companies": 0,
        "participants_women": 8,
        "participants_men": 7,
        "text": "Första året: pilot i Timrå.",
    }
    ok(
        applicant.post(
            reverse("programmes:followup-report", args=[project.reference, reports["progress"].pk]),
            report_data,
        )
    )
    ok(officer.post(status_url, {"to_status": "final_report", "note": ""}))
    ok(
        applicant.post(
            reverse("programmes:followup-report", args=[project.reference, reports["final"].pk]),
            {**report_data, "jobs_women": 3, "jobs_men": 2, "text": "Slutrapport."},
        )
    )

    # The officer records the outcome: the region paid its decided amounts, the company less.
    outcome = {
        ("county_council", YEAR): 250_000,
        ("private", YEAR): 280_000,
        ("county_council", YEAR + 1): 200_000,
        ("private", YEAR + 1): 190_000,
    }
    outcome_data: dict[str, Any] = {"note": ""}
    for key, line in stored.items():
        outcome_data[f"decided_{line.pk}"] = decided[key]
        outcome_data[f"outcome_{line.pk}"] = outcome[key]
    ok(
        officer.post(reverse("programmes:outcome", args=[project.reference]), outcome_data),
        project.get_absolute_url(),
    )
    assert {(ln.category, ln.year): ln.outcome_sek for ln in project.financing_lines.all()} == (
        outcome
    )

    # ... and closes it.
    ok(officer.post(status_url, {"to_status": "closed", "note": "Slutredovisad"}))
    project.refresh_from_db()
    assert project.status == "closed"
    history = [
        (c.from_status, c.to_status, c.actor.username)
        for c in StatusChange.objects.filter(project=project).select_related("actor")
    ]
    assert history == [
        ("", "draft", "sara"),
        ("draft", "submitted", "sara"),
        ("submitted", "in_assessment", "olle"),
        ("in_assessment", "granted", "olle"),
        ("granted", "running", "olle"),
        ("running", "final_report", "olle"),
        ("final_report", "closed", "olle"),
    ]
    actions = list(
        AuditEntry.objects.filter(object_id=str(project.pk), object_type="programmes.project")
        .order_by("pk")
        .values_list("action", "actor__username")
    )
    assert ("project.decided", "olle") in actions
    assert ("project.outcome_recorded", "olle") in actions
    assert actions.count(("project.report_submitted", "sara")) == 2
    # The closed project is public, with its amounts and its history.
    page = Client(headers={"Accept-Language": "en"}).get(project.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert "920,000" in text  # outcome total 250 000 + 280 000 + 200 000 + 190 000


# API --------------------------------------------------------------------------------------------


def api(client: Client, method: str, path: str, user: Any, data: Any = None) -> Any:
    response = getattr(client, method)(
        f"/api/v1{path}",
        data or {},
        content_type="application/json",
        headers={"Accept-Language": "en", **bearer(user)},
    )
    assert response.status_code in (200, 201), response.content.decode()[:2000]
    return response.json()


def test_whole_pipeline_through_the_api_to_closed(client: Client, people: dict[str, Any]) -> None:
    """Drafted, submitted, assessed by two (one n/a), decided, run, followed up with a progress
    and a final report, outcome recorded, closed: every step through the API."""
    the_call = b.call(b.programme(), weights={0: "3", 1: "2", 2: "1"})
    the_call.assessors.set([people["anna"], people["bo"]])
    a, bb, c = the_call.programme.criteria.order_by("position")
    org, region = people["applicant_org"], people["region"]
    sara, olle = people["applicant"], people["officer"]

    reference = api(
        client,
        "post",
        "/projects",
        sara,
        {
            "call": the_call.slug,
            "title": "Skogsdata",
            "measures": ["1.1"],
            "start_date": f"{YEAR}-01-01",
            "end_date": f"{YEAR + 1}-12-31",
            **b.ANSWERS,
        },
    )["reference"]
    api(
        client,
        "put",
        f"/projects/{reference}/financing",
        sara,
        {
            "lines": [
                {"financier": fin.pk, "category": cat, "year": year, "budget_sek": 400}
                for year in (YEAR, YEAR + 1)
                for fin, cat in ((region, "county_council"), (org, "private"))
            ]
        },
    )
    api(client, "post", f"/projects/{reference}/transitions", sara, {"to_status": "submitted"})
    api(client, "post", f"/projects/{reference}/transitions", olle, {"to_status": "in_assessment"})
    weighted = {}
    for user, given in ((people["anna"], (4, 3, 5)), (people["bo"], (2, None, 5))):
        mine = api(
            client,
            "put",
            f"/projects/{reference}/assessments/mine",
            user,
            {
                "scores": [
                    {"criterion": cr.pk, "score": s, "comment": "ok"}
                    for cr, s in zip((a, bb, c), given, strict=True)
                ],
                "submit": True,
            },
        )
        assert mine["submitted_at"] is not None
        weighted[mine["assessor"]] = mine["weighted_score"]
    # As in the UI test: 23/6 = 3.83 and 11/4 = 2.75.
    assert weighted == {"anna": "3.83", "bo": "2.75"}
    project = Project.objects.get(reference=reference)
    ids = {(ln.category, ln.year): ln.pk for ln in project.financing_lines.all()}
    api(
        client,
        "post",
        f"/projects/{reference}/decision",
        olle,
        {
            "granted": True,
            "motivation": "Ja",
            "decided_amounts": {str(i): 400 for i in ids.values()},
        },
    )
    api(client, "post", f"/projects/{reference}/transitions", olle, {"to_status": "running"})
    listed = client.get(f"/api/v1/projects/{reference}/reports", headers=bearer(sara)).json()
    reports = {r["kind"]: r for r in listed}
    assert set(reports) == {"progress", "final"}
    assert all(r["submitted_at"] is None for r in listed)
    progress = api(
        client,
        "put",
        f"/projects/{reference}/reports/{reports['progress']['id']}",
        sara,
        {"text": "År 1", "jobs_women": 2, "jobs_men": 1, "participants_women": 10},
    )
    assert (progress["submitted_at"] is not None, progress["jobs_women"]) == (True, 2)
    api(client, "post", f"/projects/{reference}/transitions", olle, {"to_status": "final_report"})
    api(
        client,
        "put",
        f"/projects/{reference}/reports/{reports['final']['id']}",
        sara,
        {"text": "Klart", "new_companies": 1},
    )
    again = client.put(
        f"/api/v1/projects/{reference}/reports/{reports['final']['id']}",
        {"text": "Igen"},
        content_type="application/json",
        headers={"Accept-Language": "en", **bearer(sara)},
    )
    assert again.status_code == 403  # a report is submitted once
    lines = api(
        client,
        "put",
        f"/projects/{reference}/financing",
        olle,
        {
            "lines": [
                {
                    "financier": fin.pk,
                    "category": cat,
                    "year": year,
                    "budget_sek": 400,
                    "outcome_sek": 300 if cat == "private" else 400,
                }
                for year in (YEAR, YEAR + 1)
                for fin, cat in ((region, "county_council"), (org, "private"))
            ]
        },
    )
    assert sorted((ln["decided_sek"], ln["outcome_sek"]) for ln in lines) == [
        (400, 300),
        (400, 300),
        (400, 400),
        (400, 400),
    ]
    detail = api(
        client, "post", f"/projects/{reference}/transitions", olle, {"to_status": "closed"}
    )

    assert detail["status"] == "closed"
    assert (detail["decided_sek"], detail["outcome_sek"]) == (1600, 1400)
    assert [(h["to_status"], h["by"]) for h in detail["status_history"]] == [
        ("draft", "sara"),
        ("submitted", "sara"),
        ("in_assessment", "olle"),
        ("granted", "olle"),
        ("running", "olle"),
        ("final_report", "olle"),
        ("closed", "olle"),
    ]


# Budget report exports for the demo --------------------------------------------------------------


def _pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return shutil.which("pdftotext") is not None


def test_demo_budget_report_exports_csv_xlsx_and_pdf(client: Client) -> None:
    demo.load_programme_demo()
    demo_projects.load_demo_projects()
    url = reverse("programmes:report-budget", args=[demo_projects.PROGRAMME_CODE])

    response = client.get(url, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    by_key = {(r[1], r[2]): r[3:] for r in rows[1:]}
    assert by_key[("state", "2004")] == ["434500000", "477900000"]

    response = client.get(url, {"export": "xlsx"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [str(v) for v in values[0]] == rows[0]
    assert {(r[1], str(r[2])): [int(r[3]), int(r[4])] for r in values[1:]}[("state", "2004")] == [
        434_500_000,
        477_900_000,
    ]
    assert len(values) == len(rows)

    if _pdf_available():
        response = client.get(url, {"export": "pdf"})
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
