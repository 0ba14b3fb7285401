"""URLs of the actor network."""

from django.urls import path

from samverka.network import views

app_name = "network"
urlpatterns: list = [
    path("clusters/<slug:slug>/", views.cluster_network, name="cluster"),
    path("organisations/<int:pk>/", views.organisation_network, name="organisation"),
]
