"""URLs of the programme and project database, one list per area of the app."""

from django.urls import path

from samverka.programmes.views import reports, structure, workflow

app_name = "programmes"

structure_urls = [
    path("", structure.programme_list, name="programmes"),
    path("import/", structure.programme_import, name="import"),
    path("<slug:code>/", structure.programme_detail, name="programme"),
    path("<slug:code>/measures/<str:measure_code>/", structure.measure_detail, name="measure"),
]
report_urls = [
    path("<slug:code>/reports/budget/", reports.budget, name="report-budget"),
    path("<slug:code>/reports/portfolio/", reports.portfolio, name="report-portfolio"),
]
workflow_urls = [
    path("calls/", workflow.call_list, name="calls"),
    path("calls/new/", workflow.call_edit, name="call-create"),
    path("calls/<slug:slug>/", workflow.call_detail, name="call"),
    path("calls/<slug:slug>/edit/", workflow.call_edit, name="call-edit"),
    path("calls/<slug:slug>/documents/", workflow.call_document_add, name="call-document-add"),
    path("calls/documents/<int:pk>/", workflow.call_document, name="call-document"),
    path("calls/<slug:slug>/assessors/", workflow.call_assessor, name="call-assessors"),
    path("calls/<slug:slug>/ranking/", workflow.call_ranking, name="call-ranking"),
    path("calls/<slug:slug>/apply/", workflow.application_create, name="application-create"),
    path("applications/", workflow.application_list, name="applications"),
    path("projects/<str:reference>/", workflow.project_detail, name="project"),
    path("projects/<str:reference>/edit/", workflow.application_edit, name="application-edit"),
    path("projects/<str:reference>/submit/", workflow.project_submit, name="project-submit"),
    path("projects/<str:reference>/status/", workflow.project_transition, name="project-status"),
    path("projects/<str:reference>/decision/", workflow.decision_edit, name="decision"),
    path("projects/<str:reference>/outcome/", workflow.outcome_edit, name="outcome"),
    path("projects/<str:reference>/assessment/", workflow.assessment_edit, name="assessment"),
    path(
        "projects/<str:reference>/assessment/conflict/",
        workflow.assessment_conflict,
        name="assessment-conflict",
    ),
    path(
        "projects/<str:reference>/reports/<int:pk>/",
        workflow.followup_report,
        name="followup-report",
    ),
]

# Workflow and report paths first: "calls/" and "projects/" must not be read as a programme code.
urlpatterns = workflow_urls + report_urls + structure_urls
