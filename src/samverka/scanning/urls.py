"""URLs of the scanning app."""

from django.urls import path

from samverka.scanning import views

app_name = "scanning"
urlpatterns: list = [
    path("", views.index, name="index"),
    path("items/<int:pk>/", views.item, name="item"),
    path("items/<int:pk>/note/", views.item_note, name="item-note"),
    path("items/<int:pk>/folder/", views.item_folder, name="item-folder"),
    path("items/<int:pk>/curate/", views.item_curate, name="item-curate"),
    path("items/<int:pk>/newsletter/", views.item_newsletter, name="item-newsletter"),
    path("items/<int:pk>/example/", views.item_example, name="item-example"),
    path("sources/", views.sources, name="sources"),
    path("sources/add/", views.source_add, name="source-add"),
    path("sources/<int:pk>/delete/", views.source_delete, name="source-delete"),
    path("opml/import/", views.opml_import, name="opml-import"),
    path("opml/export/", views.opml_export, name="opml-export"),
    path("folders/", views.folders, name="folders"),
    path("digest/", views.digest, name="digest"),
    path("<slug:slug>/curated.rss", views.curated_rss, name="curated"),
]
