"""The reminder filters, shared by the list page and the API."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Reminder
from .reminders_services import needs_attention_q, receives_q

WRITTEN, FOR_ME = "written", "for_me"
ACTIVE, PAUSED, FINISHED = "active", "paused", "finished"


class ReminderFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title or message")}),
    )
    scope = filters.ChoiceFilter(
        method="filter_scope",
        label=_("Whose"),
        choices=[(WRITTEN, _("Written by me")), (FOR_ME, _("For me"))],
    )
    state = filters.ChoiceFilter(
        method="filter_state",
        label=_("State"),
        choices=[(ACTIVE, _("Coming up")), (PAUSED, _("Paused")), (FINISHED, _("Finished"))],
    )
    attention = filters.BooleanFilter(
        method="filter_attention",
        label=_("Needs attention"),
        widget=forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = Reminder
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(body__icontains=value))

    def _user(self):
        return getattr(self.request, "user", None)

    def filter_scope(self, queryset, name, value):
        user = self._user()
        if user is None:
            return queryset.none()
        if value == WRITTEN:
            return queryset.filter(author=user)
        if value == FOR_ME:
            return queryset.filter(receives_q(user))
        return queryset

    def filter_state(self, queryset, name, value):
        if value == ACTIVE:
            return queryset.filter(is_active=True, next_at__isnull=False)
        if value == PAUSED:
            return queryset.filter(is_active=False)
        if value == FINISHED:
            return queryset.filter(is_active=True, next_at__isnull=True)
        return queryset

    def filter_attention(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(needs_attention_q()) if value else queryset.exclude(needs_attention_q())
        )
