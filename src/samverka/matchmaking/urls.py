"""URLs of the matchmaking app."""

from django.urls import path

from samverka.matchmaking import views

app_name = "matchmaking"
urlpatterns: list = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("interests/", views.interest_create, name="interest-create"),
    path("interests/<int:pk>/outcome/", views.interest_outcome, name="interest-outcome"),
]
for side, plural in (("need", "needs"), ("offer", "offers")):
    urlpatterns += [
        path(f"{plural}/", views.listing_list, {"side": side}, name=f"{side}-list"),
        path(f"{plural}/new/", views.listing_edit, {"side": side}, name=f"{side}-create"),
        path(f"{plural}/<int:pk>/", views.listing_detail, {"side": side}, name=f"{side}-detail"),
        path(f"{plural}/<int:pk>/edit/", views.listing_edit, {"side": side}, name=f"{side}-edit"),
        path(
            f"{plural}/<int:pk>/renew/", views.listing_renew, {"side": side}, name=f"{side}-renew"
        ),
    ]
