from django.urls import path

from samverka.core import views

urlpatterns: list = [
    # Answers 404 unless SAMVERKA_BENCH_ENDPOINTS is on (checked per request, see the view).
    path("-/empty", views.bench_empty, name="bench-empty"),
]
