"""FilterSets of the automation area, shared by the list pages and the API."""

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from tawasul.core import templating
from tawasul.core.filters import panel_form
from tawasul.org.filtersets import ActiveSelect

from .models import AutomaticTaskRule, MessageTemplate
from .triggers import trigger_choices


class _NameSearch(filters.FilterSet):
    search = filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name")}),
    )
    is_active = filters.BooleanFilter(label=_("Active"), widget=ActiveSelect())


class MessageTemplateFilterSet(_NameSearch):
    kind = filters.ChoiceFilter(label=_("Kind of record"), choices=templating.kind_choices)

    class Meta:
        model = MessageTemplate
        fields = ["kind", "is_active"]
        form = panel_form("search", "kind", "is_active")


class AutomaticTaskRuleFilterSet(_NameSearch):
    event = filters.ChoiceFilter(label=_("When"), choices=trigger_choices)

    class Meta:
        model = AutomaticTaskRule
        fields = ["event", "is_active"]
        form = panel_form("search", "event", "is_active")
