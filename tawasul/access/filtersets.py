"""One FilterSet per model of the access administration, for its list page.

Record rules and roles are named in the page's language (a default rule's or role's stored name
is an English msgid, shown translated), so their search folds the shown names in Python: both
lists are a company's administration data, a few hundred rows at most, read once per search as
(key, names) pairs.
"""

import django_filters as filters
from django import forms
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tawasul.core.text import is_blank, search_terms, search_text_of

from .forms import kind_label
from .models import PortalAccount, RecordRule
from .registry import all_governed
from .roles import PORTAL_ROLES, ROLE_LABELS, role_label

ACTIVE, INACTIVE = "active", "inactive"
STATUS_CHOICES = [(ACTIVE, _("Active")), (INACTIVE, _("Inactive"))]


def _search_box(placeholder):
    return forms.TextInput(attrs={"type": "search", "placeholder": placeholder})


def _words(value: str) -> list[str] | None:
    """The words to find, or None when nothing was typed (only symbols: [], matching nothing)."""
    if is_blank(value):
        return None
    return search_terms(value).split()[:5]


def _matching_keys(rows, words: list[str]) -> list[int]:
    """Keys of the `(key, *names)` rows whose folded names hold every word."""
    return [
        key
        for key, *names in rows
        if words and all(word in search_text_of(*names) for word in words)
    ]


def _kind_choices():
    return [(entry.key, kind_label(entry)) for entry in all_governed()]


def _role_choices():
    groups = Group.objects.order_by("name").values_list("pk", "name")
    return sorted(((str(pk), role_label(name)) for pk, name in groups), key=lambda c: c[1])


def _portal_role_choices():
    groups = Group.objects.filter(name__in=PORTAL_ROLES).order_by("name")
    return [(str(pk), role_label(name)) for pk, name in groups.values_list("pk", "name")]


class RecordRuleFilterSet(filters.FilterSet):
    """The company's record rules: by name, description or grantee, kind, role and status."""

    q = filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        widget=_search_box(_("Name, description, role or user")),
    )
    model = filters.ChoiceFilter(choices=_kind_choices, label=_("Kind of record"))
    role = filters.ChoiceFilter(choices=_role_choices, label=_("Role"), field_name="role_id")
    status = filters.ChoiceFilter(choices=STATUS_CHOICES, label=_("Status"), method="filter_status")

    class Meta:
        model = RecordRule
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = _words(value)
        if words is None:
            return queryset
        rows = queryset.order_by().values_list(
            "pk",
            "name",
            "description",
            "role__name",
            "user__username",
            "user__first_name",
            "user__last_name",
            "user__employee__name",
            "user__employee__name_ar",
        )
        shown = (
            (pk, rule, gettext(rule) if rule else "", note, role and role_label(role), role, *user)
            for pk, rule, note, role, *user in rows
        )
        return queryset.filter(pk__in=_matching_keys(shown, words))

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_active=value == ACTIVE)


class RoleFilterSet(filters.FilterSet):
    """Roles: by name (as shown, or as stored) and by kind (default, portal, the company's own)."""

    DEFAULT, PORTAL, OWN = "default", "portal-accounts", "own"

    q = filters.CharFilter(method="filter_q", label=_("Search"), widget=_search_box(_("Role")))
    kind = filters.ChoiceFilter(
        choices=[
            (DEFAULT, _("Default")),
            (PORTAL, _("Portal")),
            (OWN, _("Created here")),
        ],
        label=_("Kind of role"),
        method="filter_kind",
    )

    class Meta:
        model = Group
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = _words(value)
        if words is None:
            return queryset
        rows = queryset.order_by().values_list("pk", "name")
        shown = ((pk, role_label(role), role) for pk, role in rows)
        return queryset.filter(pk__in=_matching_keys(shown, words))

    def filter_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        portal = set(PORTAL_ROLES)
        default = set(ROLE_LABELS) - portal
        if value == self.PORTAL:
            return queryset.filter(name__in=portal)
        if value == self.DEFAULT:
            return queryset.filter(name__in=default)
        return queryset.exclude(name__in=default | portal)


class PortalAccountFilterSet(filters.FilterSet):
    """Portal accounts: by user name or contact, portal role and status."""

    q = filters.CharFilter(
        method="filter_q", label=_("Search"), widget=_search_box(_("Username or contact"))
    )
    role = filters.ChoiceFilter(
        choices=_portal_role_choices, label=_("Portal role"), method="filter_role"
    )
    status = filters.ChoiceFilter(choices=STATUS_CHOICES, label=_("Status"), method="filter_status")

    class Meta:
        model = PortalAccount
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = _words(value)
        if words is None:
            return queryset
        if not words:
            return queryset.none()
        subject = PortalAccount._meta.get_field("contact").related_model
        # The contact's names and code in their one comparison form, where it keeps one.
        folded = any(f.name == "search_text" for f in subject._meta.concrete_fields)
        for word in words:
            match = Q(user__username__icontains=word)
            if folded:
                match |= Q(contact__search_text__contains=word)
            queryset = queryset.filter(match)
        return queryset

    def filter_role(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(user__groups__pk=value)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        live = Q(is_active=True, user__is_active=True)
        return queryset.filter(live) if value == ACTIVE else queryset.exclude(live)
