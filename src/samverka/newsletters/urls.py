"""URLs of newsletters."""

from django.urls import path

from samverka.newsletters import views

app_name = "newsletters"
urlpatterns: list = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("bounces/", views.bounces, name="bounces"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("confirm/<str:token>/done/", views.confirm_post, name="confirm-post"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("issues/<int:issue_id>/", views.compose, name="compose"),
    path("issues/<int:issue_id>/preview/", views.preview, name="preview"),
    path("issues/<int:issue_id>/test/", views.test_mail, name="test-mail"),
    path("issues/<int:issue_id>/send/", views.send, name="send"),
    path("<slug:slug>/", views.newsletter, name="newsletter"),
    path("<slug:slug>/rss/", views.IssuesRss(), name="rss"),
    path("<slug:slug>/atom/", views.IssuesAtom(), name="atom"),
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path(
        "<slug:slug>/manage/subscribe-members/", views.subscribe_members, name="subscribe-members"
    ),
    path("<slug:slug>/subscribers/", views.subscribers, name="subscribers"),
    path("<slug:slug>/<int:issue_id>/", views.issue, name="issue"),
]
