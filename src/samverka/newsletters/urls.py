"""URLs of newsletters."""

from django.urls import path

from samverka.newsletters import views

app_name = "newsletters"
urlpatterns: list = [
    path("", views.index, name="index"),
]
