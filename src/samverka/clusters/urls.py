from django.urls import path

from samverka.clusters import staircase_views, views

app_name = "clusters"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.edit, name="create"),
    path("map/", views.cluster_map, name="map"),
    path("<slug:slug>/", views.profile, name="profile"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/members/", views.member_add, name="member-add"),
    path("<slug:slug>/members/<int:org_id>/remove/", views.member_remove, name="member-remove"),
]

# The cluster staircase (clusters/staircase_views.py).
urlpatterns += [
    path("<slug:slug>/staircase/", staircase_views.overview, name="staircase"),
    path("<slug:slug>/staircase/assess/", staircase_views.assess, name="staircase-assess"),
]
