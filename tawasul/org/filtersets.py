"""One FilterSet per model, shared by list pages, the API and exports."""

import django_filters as filters

from tawasul.core.search import search_terms

from .choices import DepartmentKind, JobRoleCode
from .models import Branch, Company, Department, Employee


class NameSearchMixin(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", label="Search")

    def filter_search(self, queryset, name, value):
        from django.db.models import Q

        for word in search_terms(value).split():
            queryset = queryset.filter(
                Q(name__icontains=word) | Q(name_ar__icontains=word) | Q(code__icontains=word)
            )
        return queryset


class CompanyFilterSet(NameSearchMixin):
    class Meta:
        model = Company
        fields = ["code"]


class BranchFilterSet(NameSearchMixin):
    class Meta:
        model = Branch
        fields = ["company", "code", "is_active"]


class DepartmentFilterSet(NameSearchMixin):
    kind = filters.MultipleChoiceFilter(choices=DepartmentKind.choices)

    class Meta:
        model = Department
        fields = ["company", "branch", "kind", "is_active"]


class EmployeeFilterSet(NameSearchMixin):
    role = filters.MultipleChoiceFilter(
        field_name="roles__code", choices=JobRoleCode.choices, distinct=True, label="Job role"
    )
    subordinates_of = filters.NumberFilter(method="filter_subordinates_of")

    class Meta:
        model = Employee
        fields = ["company", "branch", "department", "reports_to", "is_active", "code"]

    def filter_subordinates_of(self, queryset, name, value):
        manager = Employee.objects.filter(pk=value).only("path").first()
        if manager is None:
            return queryset.none()
        return queryset.filter(path__startswith=manager.path).exclude(pk=manager.pk)
