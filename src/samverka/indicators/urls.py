"""URLs of the indicator database, one list per area of the app."""

from django.urls import path

from samverka.indicators.views import catalogue

app_name = "indicators"

page_urls = [
    path("", catalogue.catalogue, name="catalogue"),
]
goal_urls: list = []

urlpatterns = goal_urls + page_urls
