"""URLs of the sluice app (mounted at /help/)."""

from django.urls import path

from samverka.sluice import views

app_name = "sluice"
urlpatterns: list = [
    path("", views.get_help, name="get-help"),
    path("sent/<str:token>/", views.sent, name="sent"),
    path("status/<str:token>/", views.status, name="status"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/stage/", views.case_transition, name="case-transition"),
    path("cases/<int:pk>/note/", views.case_note, name="case-note"),
    path("cases/<int:pk>/reassign/", views.case_reassign, name="case-reassign"),
    path("cases/<int:pk>/application/", views.case_application, name="case-application"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule-new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("report/", views.report, name="report"),
]
