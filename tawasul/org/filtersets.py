"""One FilterSet per model, shared by list pages, the API and exports."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from tawasul.core.search import text_filter

from .choices import DepartmentKind, JobRoleCode
from .models import Branch, Company, Department, Employee


def _scoped(model):
    """Choices for a link filter: only what the requesting user may view."""

    def queryset(request):
        return model.objects.restrict(getattr(request, "user", None), "view")

    return queryset


class NameSearchMixin(filters.FilterSet):
    """`search`: every word in the record's names or code, compared in the one normalised form
    (`BilingualName.search_text` through `text_filter`)."""

    search = filters.CharFilter(method="filter_search", label=_("Search"))

    def filter_search(self, queryset, name, value):
        return text_filter(queryset, value)


class CompanyFilterSet(NameSearchMixin):
    class Meta:
        model = Company
        fields = ["code"]


class BranchFilterSet(NameSearchMixin):
    company = filters.ModelChoiceFilter(queryset=_scoped(Company), label=_("Company"))
    is_active = filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Branch
        fields = ["company", "code", "is_active"]


class DepartmentFilterSet(NameSearchMixin):
    company = filters.ModelChoiceFilter(queryset=_scoped(Company), label=_("Company"))
    branch = filters.ModelChoiceFilter(queryset=_scoped(Branch), label=_("Branch"))
    kind = filters.MultipleChoiceFilter(choices=DepartmentKind.choices, label=_("Kind"))
    is_active = filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Department
        fields = ["company", "branch", "kind", "is_active"]


class EmployeeFilterSet(NameSearchMixin):
    company = filters.ModelChoiceFilter(queryset=_scoped(Company), label=_("Company"))
    branch = filters.ModelChoiceFilter(queryset=_scoped(Branch), label=_("Branch"))
    department = filters.ModelChoiceFilter(queryset=_scoped(Department), label=_("Department"))
    reports_to = filters.ModelChoiceFilter(queryset=_scoped(Employee), label=_("Reports to"))
    role = filters.MultipleChoiceFilter(
        choices=JobRoleCode.choices, method="filter_role", label=_("Job role")
    )
    is_active = filters.BooleanFilter(label=_("Active"))
    subordinates_of = filters.NumberFilter(
        method="filter_subordinates_of", label=_("Subordinates of")
    )

    class Meta:
        model = Employee
        fields = ["company", "branch", "department", "reports_to", "is_active", "code"]

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
