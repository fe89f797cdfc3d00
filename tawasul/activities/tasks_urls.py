"""Pages of the tasks area (under the `activities` namespace)."""

from django.urls import path

from . import tasks_views as views

urlpatterns: list = [
    path("tasks/", views.TaskListView.as_view(), name="task_list"),
    path("tasks/export/", views.TaskExportView.as_view(), name="task_export"),
    path("tasks/new/", views.TaskFormView.as_view(), name="task_create"),
    path(
        "tasks/assignees/",
        views.TaskAssigneeAutocomplete.as_view(),
        name="task_assignee_autocomplete",
    ),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("tasks/<int:pk>/edit/", views.TaskFormView.as_view(), name="task_update"),
    path("tasks/<int:pk>/report/", views.TaskReportView.as_view(), name="task_report"),
    path("tasks/<int:pk>/forward/", views.TaskForwardView.as_view(), name="task_forward"),
]
