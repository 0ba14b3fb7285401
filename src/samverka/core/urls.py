from django.urls import path

from samverka.core import audit_views, views

urlpatterns: list = [
    # Answers 404 unless SAMVERKA_BENCH_ENDPOINTS is on (checked per request, see the view).
    path("-/empty", views.bench_empty, name="bench-empty"),
    path("audit/", audit_views.audit_log, name="audit-log"),
]
