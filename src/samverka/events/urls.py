"""URLs of events and calendars.

Pages, event editing and registration live in ``views.py``; iCalendar feeds, import and calendar
subscriptions in ``feed_views.py``.
"""

from django.urls import path

from samverka.events import feed_views, views

app_name = "events"
urlpatterns: list = [
    path("calendar/", views.calendar, name="calendar"),
    # iCalendar feeds (national; per cluster; ?focus=<slug> filters by focus area)
    path("calendar.ics", feed_views.national_feed, name="feed"),
    path("clusters/<slug:slug>/calendar.ics", feed_views.cluster_feed, name="cluster-feed"),
]
