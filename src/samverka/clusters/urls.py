from django.urls import path

from samverka.clusters import views

app_name = "clusters"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.edit, name="create"),
    path("<slug:slug>/", views.profile, name="profile"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/members/", views.member_add, name="member-add"),
    path("<slug:slug>/members/<int:org_id>/remove/", views.member_remove, name="member-remove"),
]
