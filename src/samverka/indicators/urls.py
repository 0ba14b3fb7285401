"""URLs of the indicator database, one list per area of the app."""

from django.urls import path

from samverka.indicators.views import catalogue, goals

app_name = "indicators"

page_urls = [
    path("", catalogue.catalogue, name="catalogue"),
    path("<slug:code>/", catalogue.indicator_page, name="indicator"),
]
goal_urls: list = [
    path("programmes/<slug:code>/baselines/", goals.baselines, name="baselines"),
    path("programmes/<slug:code>/goals/", goals.dashboard, name="goals"),
]

urlpatterns = goal_urls + page_urls
