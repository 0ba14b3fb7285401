"""URLs of the sluice app."""

from django.urls import path

from samverka.sluice import views

app_name = "sluice"
urlpatterns: list = [
    path("", views.index, name="get-help"),
]
