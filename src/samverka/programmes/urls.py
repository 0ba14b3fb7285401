"""URLs of the programme and project database, one list per area of the app."""

from django.urls import path

from samverka.programmes.views import structure

app_name = "programmes"

structure_urls = [
    path("", structure.programme_list, name="programmes"),
]
report_urls: list = []
workflow_urls: list = []

urlpatterns = structure_urls + report_urls + workflow_urls
