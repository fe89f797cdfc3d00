"""The follow-up and follow-up rule filters, shared by the list pages and the API."""

from __future__ import annotations

import datetime as dt

import django_filters as filters
from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from tawasul.core import clock
from tawasul.core.access import user_company_id
from tawasul.core.filters import panel_form
from tawasul.core.timezones import day_start, local_day, zone_for
from tawasul.core.widgets import RemoteSelectMultiple, SearchableSelectMultiple
from tawasul.org.models import Employee

from .choices import Cadence, Channel, FollowUpStatus
from .models import FollowUp, FollowUpRule

MINE, TEAM, SET_BY_ME = "mine", "team", "set_by_me"
TODAY, OVERDUE, WEEK = "today", "overdue", "week"


def _rules(request):
    user = getattr(request, "user", None)
    return FollowUpRule.objects.filter(company_id=user_company_id(user)) if user else None


def _employees(request):
    user = getattr(request, "user", None)
    return Employee.objects.restrict(user, "view")


class FollowUpFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Purpose or outcome")}),
    )
    scope = filters.ChoiceFilter(
        method="filter_scope",
        label=_("Whose"),
        choices=[(MINE, _("Mine")), (TEAM, _("My team's")), (SET_BY_ME, _("Set by me"))],
    )
    status = filters.MultipleChoiceFilter(
        choices=FollowUpStatus.choices, label=_("Status"), widget=SearchableSelectMultiple()
    )
    due = filters.ChoiceFilter(
        method="filter_due",
        label=_("Due"),
        choices=[(TODAY, _("Today")), (OVERDUE, _("Overdue")), (WEEK, _("This week"))],
    )
    channel = filters.MultipleChoiceFilter(
        choices=Channel.choices, label=_("Channel"), widget=SearchableSelectMultiple()
    )
    rule = filters.ModelMultipleChoiceFilter(
        queryset=_rules, label=_("Rule"), widget=SearchableSelectMultiple()
    )
    assignee = filters.ModelMultipleChoiceFilter(
        queryset=_employees,
        label=_("Assignee"),
        widget=RemoteSelectMultiple(reverse_lazy("contacts:autocomplete", args=["employee"])),
    )
    contact = filters.NumberFilter(field_name="contact_id", label=_("Contact"))

    class Meta:
        model = FollowUp
        fields = ["q", "scope", "status", "due", "channel", "rule", "assignee"]
        # The contact filter serves the API and links from a contact (`?contact=<key>`).
        form = panel_form("q", "scope", "status", "due", "channel", "rule", "assignee")

    def _employee(self):
        user = getattr(self.request, "user", None)
        return getattr(user, "employee", None) if user is not None else None

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(purpose__icontains=value) | Q(outcome__icontains=value))

    def filter_scope(self, queryset, name, value):
        employee = self._employee()
        if employee is None:
            return queryset.none()
        if value == MINE:
            return queryset.filter(assignee=employee)
        if value == TEAM:
            return queryset.filter(assignee__path__startswith=employee.path)
        if value == SET_BY_ME:
            return queryset.filter(set_by=employee)
        return queryset

    def filter_due(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        zone = zone_for(user)
        now = clock.now()
        today = local_day(now, zone)
        tomorrow = day_start(today + dt.timedelta(days=1), zone)
        if value == TODAY:
            return queryset.filter(
                status=FollowUpStatus.OPEN, due_at__gte=day_start(today, zone), due_at__lt=tomorrow
            )
        if value == OVERDUE:
            return queryset.filter(status=FollowUpStatus.OPEN, due_at__lt=now)
        if value == WEEK:
            return queryset.filter(
                status=FollowUpStatus.OPEN,
                due_at__lt=day_start(today + dt.timedelta(days=7), zone),
            )
        return queryset


class FollowUpRuleFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name")}),
    )
    is_active = filters.BooleanFilter(label=_("Active"))
    cadence = filters.MultipleChoiceFilter(
        choices=Cadence.choices, label=_("Cadence"), widget=SearchableSelectMultiple()
    )

    class Meta:
        model = FollowUpRule
        fields = ["q", "is_active", "cadence"]
