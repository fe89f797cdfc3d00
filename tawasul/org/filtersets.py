"""One FilterSet per model, shared by list pages, the API and exports.

A list page's filter panel shows the fields its FilterSet's form names in `panel`
(`core.filters.panel_form`; the others still filter: the API and links from other pages use
them, and they show as chips).
"""

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from tawasul.core.filters import panel_form
from tawasul.core.search import text_filter
from tawasul.core.widgets import SearchableSelectMultiple

from .choices import DepartmentKind, JobRoleCode
from .models import Branch, Company, Department, Employee, Holiday, WorkCalendar


def _scoped(model):
    """Choices for a link filter: only what the requesting user may view."""

    def queryset(request):
        return model.objects.restrict(getattr(request, "user", None), "view")

    return queryset


class ActiveSelect(forms.Select):
    """Any, active or inactive, for an `is_active` filter (the API reads the same values)."""

    def __init__(self, attrs=None):
        choices = [("", _("Any")), ("true", _("Active")), ("false", _("Inactive"))]
        super().__init__(attrs, choices=choices)

    def format_value(self, value):
        # The field also reads True/"True"/"1" (and their opposites); the options are two.
        if value in (True, "True", "1"):
            value = "true"
        elif value in (False, "False", "0"):
            value = "false"
        return super().format_value(value)


def _active_filter():
    return filters.BooleanFilter(label=_("Active"), widget=ActiveSelect())


class NameSearchMixin(filters.FilterSet):
    """`search`: every word in the record's names or code, compared in the one normalised form
    (`BilingualName.search_text` through `text_filter`)."""

    search = filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or code")}),
    )

    def filter_search(self, queryset, name, value):
        return text_filter(queryset, value)


class CompanyFilterSet(NameSearchMixin):
    class Meta:
        model = Company
        fields = ["code"]
        form = panel_form("search")


class BranchFilterSet(NameSearchMixin):
    company = filters.ModelChoiceFilter(queryset=_scoped(Company), label=_("Company"))
    is_active = _active_filter()

    class Meta:
        model = Branch
        fields = ["company", "code", "is_active"]
        form = panel_form("search", "is_active")


class DepartmentFilterSet(NameSearchMixin):
    company = filters.ModelChoiceFilter(queryset=_scoped(Company), label=_("Company"))
    branch = filters.ModelChoiceFilter(queryset=_scoped(Branch), label=_("Branch"))
    kind = filters.MultipleChoiceFilter(
        choices=DepartmentKind.choices, label=_("Kind"), widget=SearchableSelectMultiple()
    )
    is_active = _active_filter()

    class Meta:
        model = Department
        fields = ["company", "branch", "kind", "is_active"]
        form = panel_form("search", "branch", "kind", "is_active")


class EmployeeFilterSet(NameSearchMixin):
    company = filters.ModelChoiceFilter(queryset=_scoped(Company), label=_("Company"))
    branch = filters.ModelChoiceFilter(queryset=_scoped(Branch), label=_("Branch"))
    department = filters.ModelChoiceFilter(queryset=_scoped(Department), label=_("Department"))
    reports_to = filters.ModelChoiceFilter(queryset=_scoped(Employee), label=_("Reports to"))
    role = filters.MultipleChoiceFilter(
        choices=JobRoleCode.choices,
        method="filter_role",
        label=_("Job role"),
        widget=SearchableSelectMultiple(),
    )
    is_active = _active_filter()
    subordinates_of = filters.NumberFilter(
        method="filter_subordinates_of", label=_("Subordinates of")
    )

    class Meta:
        model = Employee
        fields = ["company", "branch", "department", "reports_to", "is_active", "code"]
        form = panel_form("search", "branch", "department", "role", "is_active")

    def filter_role(self, queryset, name, value):
        if not value:
            return queryset
        # A subquery on the key: no join fan-out, so no DISTINCT on the page query.
        through = Employee.roles.through
        return queryset.filter(
            pk__in=through.objects.filter(jobrole__code__in=value).values("employee_id")
        )

    def filter_subordinates_of(self, queryset, name, value):
        manager = Employee.objects.filter(pk=value).only("path").first()
        if manager is None:
            return queryset.none()
        return queryset.filter(path__startswith=manager.path).exclude(pk=manager.pk)


class WorkCalendarFilterSet(filters.FilterSet):
    company = filters.ModelChoiceFilter(queryset=_scoped(Company), label=_("Company"))
    branch = filters.ModelChoiceFilter(queryset=_scoped(Branch), label=_("Branch"))

    class Meta:
        model = WorkCalendar
        fields = ["company", "branch"]
        form = panel_form("branch")


class HolidayFilterSet(NameSearchMixin):
    search = filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name")}),
    )
    company = filters.ModelChoiceFilter(queryset=_scoped(Company), label=_("Company"))
    branch = filters.ModelChoiceFilter(queryset=_scoped(Branch), label=_("Branch"))
    year = filters.NumberFilter(
        method="filter_year",
        label=_("Year"),
        min_value=1,
        max_value=9999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    class Meta:
        model = Holiday
        fields = ["company", "branch"]
        form = panel_form("search", "branch", "year")

    def filter_year(self, queryset, name, value):
        """Holidays with a day in the year `value`."""
        if value is None:
            return queryset
        year = int(value)
        return queryset.filter(starts_on__year__lte=year, ends_on__year__gte=year)
