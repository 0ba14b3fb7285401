"""URLs of the matchmaking app."""

from django.urls import path

from samverka.matchmaking import views

app_name = "matchmaking"
urlpatterns: list = [
    path("", views.index, name="index"),
]
