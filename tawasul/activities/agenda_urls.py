"""Pages of the agenda area: the calendar, its entries and the private feed."""

from django.urls import path

from . import agenda_views as views

urlpatterns = [
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("calendar/entries/", views.CalendarEventsView.as_view(), name="calendar_entries"),
    path("calendar/move/", views.CalendarMoveView.as_view(), name="calendar_move"),
    path("calendar/feed/", views.CalendarFeedView.as_view(), name="calendar_feed"),
    path("calendar/feed/<str:token>.ics", views.IcsFeedView.as_view(), name="calendar_ics"),
    path(
        "dashboard/tasks/<int:pk>/actions/",
        views.DashboardTaskActionsView.as_view(),
        name="dashboard_task_actions",
    ),
]
