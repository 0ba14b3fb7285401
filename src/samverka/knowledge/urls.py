"""URLs of the knowledge app."""

from django.urls import path

from samverka.knowledge import views

app_name = "knowledge"
urlpatterns: list = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("new/", views.edit, name="create"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("attachments/<int:pk>/delete/", views.detach, name="detach"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/delete/", views.delete, name="delete"),
    path("<slug:slug>/attachments/", views.attach, name="attach"),
]
