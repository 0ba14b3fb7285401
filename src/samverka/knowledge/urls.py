"""URLs of the knowledge app."""

from django.urls import path

from samverka.knowledge import views

app_name = "knowledge"
urlpatterns: list = [
    path("", views.index, name="index"),
]
