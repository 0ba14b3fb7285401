from django.urls import path

from samverka.actors import views

app_name = "actors"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_edit, name="organisation-create"),
    path("organisations/import/", views.organisation_import, name="organisation-import"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("organisations/<int:pk>/relations/", views.relation_add, name="relation-add"),
    path(
        "organisations/<int:pk>/relations/<int:relation_id>/remove/",
        views.relation_remove,
        name="relation-remove",
    ),
    path("people/new/", views.person_edit, name="person-create"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
]
