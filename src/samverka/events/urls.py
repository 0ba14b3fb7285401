"""URLs of events and calendars."""

from django.urls import path

from samverka.events import views

app_name = "events"
urlpatterns: list = [
    path("calendar/", views.calendar, name="calendar"),
]
