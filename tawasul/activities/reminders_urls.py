"""Pages of the reminders area (under the `activities` namespace)."""

from django.urls import path

from .reminders_views import (
    ReminderDeleteView,
    ReminderDetailView,
    ReminderFormView,
    ReminderListView,
    ReminderToggleView,
)

urlpatterns: list = [
    path("reminders/", ReminderListView.as_view(), name="reminder_list"),
    path("reminders/new/", ReminderFormView.as_view(), name="reminder_create"),
    path("reminders/<int:pk>/", ReminderDetailView.as_view(), name="reminder_detail"),
    path("reminders/<int:pk>/edit/", ReminderFormView.as_view(), name="reminder_update"),
    path("reminders/<int:pk>/delete/", ReminderDeleteView.as_view(), name="reminder_delete"),
    path("reminders/<int:pk>/toggle/", ReminderToggleView.as_view(), name="reminder_toggle"),
]
