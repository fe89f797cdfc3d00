"""The one FilterSet of tasks, shared by the task list, its export and `/api/tasks/`."""

import datetime as dt

import django_filters as filters
from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tawasul.core import clock
from tawasul.core.filters import panel_form
from tawasul.core.widgets import RemoteSelectMultiple, SearchableSelectMultiple
from tawasul.org.models import Employee

from .choices import OPEN_TASK_STATUSES, Priority, TaskStatus
from .models import Task
from .tasks_access import subtree_ids

# The people pickers ask the server as one types: a company of thousands of employees is never
# read whole to fill the filter panel.
EMPLOYEES_URL = reverse_lazy("activities:task_assignee_autocomplete")

MINE, INITIATED, TEAM = "mine", "initiated", "team"
SCOPES = [
    (MINE, _("Mine")),
    (INITIATED, _("I initiated")),
    (TEAM, _("My team")),
]
OVERDUE, TODAY, WEEK = "overdue", "today", "week"
DUE_CHOICES = [(OVERDUE, _("Overdue")), (TODAY, _("Due today")), (WEEK, _("Due this week"))]


def _employees(request):
    user = getattr(request, "user", None)
    return Employee.objects.restrict(user, "view")


def _me(request) -> Employee | None:
    user = getattr(request, "user", None)
    employee = getattr(user, "employee", None) if user is not None else None
    return employee if employee is not None and employee.is_active else None


class TaskFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title")}),
    )
    scope = filters.ChoiceFilter(choices=SCOPES, method="filter_scope", label=_("View"))
    status = filters.MultipleChoiceFilter(
        distinct=False,
        choices=TaskStatus.choices,
        label=_("Status"),
        widget=SearchableSelectMultiple(),
    )
    priority = filters.MultipleChoiceFilter(
        distinct=False,
        choices=Priority.choices,
        label=_("Priority"),
        widget=SearchableSelectMultiple(),
    )
    due = filters.ChoiceFilter(choices=DUE_CHOICES, method="filter_due", label=_("Due"))
    assignee = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_employees,
        label=_("Assignee"),
        widget=RemoteSelectMultiple(EMPLOYEES_URL),
    )
    initiator = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_employees,
        label=_("Initiator"),
        widget=RemoteSelectMultiple(EMPLOYEES_URL),
    )

    class Meta:
        model = Task
        fields: list[str] = []
        form = panel_form("q", "scope", "status", "priority", "due", "assignee", "initiator")

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(title__icontains=value) if value else queryset

    def filter_scope(self, queryset, name, value):
        me = _me(self.request)
        if me is None:
            return queryset.none()
        if value == MINE:
            return queryset.filter(assignee=me)
        if value == INITIATED:
            return queryset.filter(initiator=me, parent__isnull=True)
        if value == TEAM:
            # By keys (the subtree is resolved once per request): a join on the employees'
            # paths let the planner walk every task in assignee order.
            team = [pk for pk in subtree_ids(self.request.user) or () if pk != me.pk]
            return queryset.filter(assignee_id__in=team)
        return queryset

    def filter_due(self, queryset, name, value):
        now = clock.now()
        if value == OVERDUE:
            return queryset.filter(status__in=OPEN_TASK_STATUSES, due_at__lt=now)
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        if value == TODAY:
            return queryset.filter(due_at__gte=start, due_at__lt=start + dt.timedelta(days=1))
        if value == WEEK:
            return queryset.filter(due_at__gte=start, due_at__lt=start + dt.timedelta(days=7))
        return queryset


__all__ = ["TaskFilterSet"]
