"""Pages of the notifications area (under the `activities` namespace)."""

from django.urls import path

from . import notifications_views as views

urlpatterns: list = [
    path("notifications/", views.NotificationList.as_view(), name="notification_list"),
    path("notifications/bell/", views.NotificationBell.as_view(), name="notification_bell"),
    path(
        "notifications/read-all/",
        views.NotificationReadAll.as_view(),
        name="notification_read_all",
    ),
    path(
        "notifications/preferences/",
        views.NotificationPreferences.as_view(),
        name="notification_preferences",
    ),
    path(
        "notifications/<int:pk>/read/", views.NotificationRead.as_view(), name="notification_read"
    ),
    path(
        "notifications/<int:pk>/open/", views.NotificationOpen.as_view(), name="notification_open"
    ),
    path("messages/", views.MessageList.as_view(), name="message_list"),
    path("messages/new/", views.MessageNew.as_view(), name="message_new"),
    path(
        "messages/recipients/",
        views.MessageRecipientSearch.as_view(),
        name="message_recipient_search",
    ),
    path("messages/<int:pk>/", views.MessageThreadView.as_view(), name="message_thread"),
]
