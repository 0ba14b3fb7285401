"""URLs of the scanning app."""

from django.urls import path

from samverka.scanning import views

app_name = "scanning"
urlpatterns: list = [
    path("", views.index, name="index"),
]
