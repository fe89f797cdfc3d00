"""FilterSets of the notifications area, shared by the inbox and the API."""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import MessageThread, Notification
from .notifications_selectors import KIND_FAMILIES


def _kind_choices():
    return [(key, label) for key, label in KIND_FAMILIES.items()]


class NotificationFilterSet(filters.FilterSet):
    state = filters.ChoiceFilter(
        label=_("Show"),
        choices=[("unread", _("Unread")), ("read", _("Read"))],
        empty_label=_("All"),
        method="filter_state",
    )
    kind = filters.ChoiceFilter(
        label=_("Kind"), choices=_kind_choices, empty_label=_("Any"), method="filter_kind"
    )

    class Meta:
        model = Notification
        fields: list[str] = []

    def filter_state(self, queryset, name, value):
        if value == "unread":
            return queryset.filter(read_at__isnull=True)
        if value == "read":
            return queryset.filter(read_at__isnull=False)
        return queryset

    def filter_kind(self, queryset, name, value):
        return queryset.filter(Q(kind=value) | Q(kind__startswith=f"{value}."))


class MessageThreadFilterSet(filters.FilterSet):
    unread = filters.BooleanFilter(label=_("Unread"), method="filter_unread")

    class Meta:
        model = MessageThread
        fields: list[str] = []

    def filter_unread(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(unread=value)
