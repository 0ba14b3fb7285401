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
    # Calendar import and subscriptions to remote calendars (feed_views.py)
    path("calendar/import/", feed_views.calendar_import, name="import"),
    path("calendar/subscriptions/", feed_views.sources, name="sources"),
    path("calendar/subscriptions/<int:pk>/delete/", feed_views.source_delete, name="source-delete"),
    path("calendar/subscriptions/<int:pk>/poll/", feed_views.source_poll, name="source-poll"),
]

# Event pages, editing, registration and management (views.py).
urlpatterns += [
    path("clusters/<slug:slug>/calendar/", views.cluster_calendar, name="cluster-calendar"),
    path("events/new/", views.edit, name="create"),
    path("events/shares/<int:pk>/forward/", views.forward, name="forward"),
    path("events/<str:uid>/", views.detail, name="detail"),
    path("events/<str:uid>/register/", views.register, name="register"),
    path("events/<str:uid>/edit/", views.edit, name="edit"),
    path("events/<str:uid>/publish/", views.publish, name="publish"),
    path("events/<str:uid>/cancel/", views.cancel, name="cancel"),
    path("events/<str:uid>/manage/", views.manage, name="manage"),
    path("events/<str:uid>/share/", views.share, name="share"),
    path(
        "events/<str:uid>/registrations/<int:pk>/attendance/",
        views.attendance,
        name="attendance",
    ),
    path(
        "registrations/<str:token>/cancel/", views.cancel_registration, name="registration-cancel"
    ),
]
