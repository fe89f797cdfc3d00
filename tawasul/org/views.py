"""Organization pages: overview, org chart, and the administrator's pages for each record kind."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms import CheckboxSelectMultiple, Select
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from tawasul.core.access import action_permission
from tawasul.core.edit import ServiceFormView
from tawasul.core.pagination import InvalidCursor, capped_count, keyset_paginate
from tawasul.core.records import Action, RecordHeader, RecordView

from . import services
from .choices import JobRoleCode
from .filtersets import BranchFilterSet, DepartmentFilterSet, EmployeeFilterSet
from .forms import BranchForm, CompanyForm, DepartmentForm, EmployeeForm
from .models import Branch, Company, Department, Employee
from .selectors import employee_list, org_tree

EMPLOYEE_PAGE_SIZE = 50


def _count_of(model, link: str, user):
    """A correlated COUNT(*) of the `model` rows `user` may view whose `link` is the outer row.

    A subquery rather than a join, so that several counts do not multiply each other.
    """
    counts = (
        model.objects.restrict(user, "view")
        .filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


class StaffPageMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Signed-in staff with the model permission; a signed-in user without it gets 403."""


def tune_filter_form(form) -> None:
    """Friendlier widgets for the list pages' filter bars (the FilterSets serve the API too)."""
    if "search" in form.fields:
        form.fields["search"].widget.input_type = "search"
        form.fields["search"].widget.attrs.setdefault("placeholder", _("Name or code"))
    if "is_active" in form.fields:
        form.fields["is_active"].widget = Select(
            choices=[("", _("Any")), ("true", _("Active")), ("false", _("Inactive"))]
        )


# --- overview and chart ---------------------------------------------------------------------


class OrgOverviewView(StaffPageMixin, TemplateView):
    """Companies, branches and departments of the user's company, with their counts."""

    template_name = "org/overview.html"
    permission_required = "org.view_employee"
    preview_size = 25

    def get_context_data(self, **kwargs):
        user = self.request.user
        ctx = super().get_context_data(**kwargs)
        companies = Company.objects.restrict(user, "view").annotate(
            branch_count=_count_of(Branch, "company", user),
            department_count=_count_of(Department, "company", user),
            employee_count=_count_of(Employee, "company", user),
        )
        branches = (
            Branch.objects.restrict(user, "view")
            .select_related("company")
            .annotate(
                employee_count=_count_of(Employee, "branch", user),
                department_count=_count_of(Department, "branch", user),
            )
            .order_by("-is_active", "name", "pk")
        )
        departments = (
            Department.objects.restrict(user, "view")
            .select_related("branch")
            .annotate(employee_count=_count_of(Employee, "department", user))
            .order_by("-is_active", "name", "pk")
        )
        employees = Employee.objects.restrict(user, "view")
        ctx.update(
            companies=list(companies),
            branches=list(branches[: self.preview_size]),
            departments=list(departments[: self.preview_size]),
            branch_total=capped_count(branches),
            department_total=capped_count(departments),
            employee_total=capped_count(employees),
            active_employee_total=capped_count(employees.filter(is_active=True)),
            preview_size=self.preview_size,
        )
        return ctx


class OrgChartView(StaffPageMixin, TemplateView):
    """The reports-to tree; subtrees fold away."""

    template_name = "org/chart.html"
    permission_required = "org.view_employee"
    open_depth = 2

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        roots = org_tree(user=self.request.user)
        ctx["roots"] = roots
        ctx["open_depth"] = self.open_depth
        ctx["employee_count"] = _tree_size(roots)
        return ctx


def _tree_size(nodes: list[dict]) -> int:
    return sum(1 + _tree_size(node["children"]) for node in nodes)


# --- shared list and form views ---------------------------------------------------------------


class RecordListView(StaffPageMixin, TemplateView):
    """A short list of one kind of record, filtered by its FilterSet."""

    model: Any = None  # set by each subclass
    filterset_class: Any = None
    filter_fields: tuple[str, ...] = ()
    template_name = ""

    def get_permission_required(self):
        return [action_permission(self.model, "view")]

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user, "view")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        queryset = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(
                self.request.GET or None, queryset=queryset, request=self.request
            )
            tune_filter_form(filterset.form)
            queryset = filterset.qs
        rows = list(queryset)
        ctx.update(
            rows=rows,
            filterset=filterset,
            filter_fields=[filterset.form[name] for name in self.filter_fields]
            if filterset
            else [],
            filtered=bool(self.request.GET),
            show_company=len({getattr(row, "company_id", None) for row in rows}) > 1,
        )
        return ctx


class RecordFormView(ServiceFormView):
    """Create (no pk) or edit (pk) one record through its service function."""

    service: Any = None  # the module's <record>_save, set by each subclass
    template_name = "org/record_form.html"
    list_url_name = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        meta = self.model._meta
        ctx.update(
            verbose_name=meta.verbose_name,
            verbose_name_plural=meta.verbose_name_plural,
            list_url=reverse(self.list_url_name),
        )
        return ctx

    def service_fields(self, form) -> dict:
        fields = {
            name: form.cleaned_data[name] for name in form._meta.fields if name in form.cleaned_data
        }
        if self.object is None and hasattr(form, "company_id_for_save"):
            fields["company_id"] = form.company_id_for_save()
        return fields

    def save(self, parts):
        form = parts["form"]
        return type(self).service(
            actor=self.request.user, instance=self.object, **self.service_fields(form)
        )

    def get_success_url(self, record) -> str:
        return reverse(self.list_url_name)


# --- companies, branches, departments ----------------------------------------------------------


class CompanyListView(RecordListView):
    model = Company
    template_name = "org/company_list.html"

    def get_queryset(self):
        user = self.request.user
        return (
            super()
            .get_queryset()
            .annotate(
                branch_count=_count_of(Branch, "company", user),
                department_count=_count_of(Department, "company", user),
                employee_count=_count_of(Employee, "company", user),
            )
        )


class CompanyFormView(RecordFormView):
    model = Company
    form_class = CompanyForm
    service = services.company_save
    list_url_name = "org:company_list"


class BranchListView(RecordListView):
    model = Branch
    filterset_class = BranchFilterSet
    filter_fields = ("search", "is_active")
    template_name = "org/branch_list.html"

    def get_queryset(self):
        user = self.request.user
        return (
            super()
            .get_queryset()
            .select_related("company")
            .annotate(
                employee_count=_count_of(Employee, "branch", user),
                department_count=_count_of(Department, "branch", user),
            )
            .order_by("-is_active", "name", "pk")
        )


class BranchFormView(RecordFormView):
    model = Branch
    form_class = BranchForm
    service = services.branch_save
    list_url_name = "org:branch_list"


class DepartmentListView(RecordListView):
    model = Department
    filterset_class = DepartmentFilterSet
    filter_fields = ("search", "branch", "is_active")
    template_name = "org/department_list.html"

    def get_queryset(self):
        user = self.request.user
        return (
            super()
            .get_queryset()
            .select_related("company", "branch")
            .annotate(employee_count=_count_of(Employee, "department", user))
            .order_by("-is_active", "name", "pk")
        )


class DepartmentFormView(RecordFormView):
    model = Department
    form_class = DepartmentForm
    service = services.department_save
    list_url_name = "org:department_list"


# --- employees --------------------------------------------------------------------------------


class EmployeeListView(StaffPageMixin, TemplateView):
    """Employees with filters, a capped count and keyset pages; the table alone swaps with htmx."""

    template_name = "org/employee_list.html"
    partial_template_name = "org/_employee_results.html"
    permission_required = "org.view_employee"
    filter_fields = ("search", "branch", "department", "role", "is_active")

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted and htmx.target == "employee-results":
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        queryset = employee_list(user=request.user).prefetch_related("roles")
        filterset = EmployeeFilterSet(request.GET or None, queryset=queryset, request=request)
        form = filterset.form
        form.fields["role"].widget = CheckboxSelectMultiple(
            attrs={"class": "form-check-input"}, choices=form.fields["role"].choices
        )
        tune_filter_form(form)
        filtered = filterset.qs
        cursor = request.GET.get("cursor") or None
        try:
            page = keyset_paginate(filtered, sort="name", cursor=cursor, size=EMPLOYEE_PAGE_SIZE)
        except InvalidCursor:
            page = keyset_paginate(filtered, sort="name", cursor=None, size=EMPLOYEE_PAGE_SIZE)
        total, more = capped_count(filtered)
        ctx.update(
            filterset=filterset,
            filter_form=form,
            filter_fields=[form[name] for name in self.filter_fields],
            chips=_filter_chips(form, self.filter_fields),
            page=page,
            employees=page.rows,
            total=total,
            total_more=more,
        )
        return ctx


def _filter_chips(form, names) -> list[dict]:
    """The active filters as removable chips: label, shown value, and the query key/value."""
    if not form.is_bound or not hasattr(form, "cleaned_data"):
        return []
    chips = []
    for name in names:
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()):
            continue
        label = form.fields[name].label
        if name == "role":
            labels = dict(JobRoleCode.choices)
            for code in value:
                chips.append(
                    {"label": label, "text": labels.get(code, code), "key": name, "value": code}
                )
        elif name == "is_active":
            text = _("Active") if value else _("Inactive")
            chips.append({"label": label, "text": text, "key": name, "value": None})
        else:
            chips.append({"label": label, "text": str(value), "key": name, "value": None})
    return chips


class EmployeeDetailView(RecordView):
    """An employee's facts, jobs, managers, reports and coordination links, and their history."""

    model = Employee
    template_name = "org/employee_detail.html"
    permission_required = "org.view_employee"
    timeline_tab = None  # shown in the page's history card
    timeline_id = "employee-history"
    timeline_size = 10

    def get_queryset(self):
        return Employee.objects.select_related(
            "company", "branch", "department", "reports_to", "user"
        ).prefetch_related("roles")

    def header(self, employee: Employee) -> RecordHeader:
        actions = []
        if self.request.user.has_perm("org.change_employee"):
            url = reverse("org:employee_update", args=[employee.pk])
            actions.append(Action(_("Edit"), url, icon="pencil"))
        return RecordHeader(name=employee.display_name, code=employee.code, actions=actions)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        employee = ctx["record"]
        visible = Employee.objects.restrict(user, "view")
        managers = (employee.managers() & visible).order_by("depth")
        direct_reports = (
            visible.filter(reports_to=employee)
            .select_related("department")
            .prefetch_related("roles")
            .order_by("name", "pk")
        )
        coordinators = visible.filter(coordinated_representatives=employee).order_by("name")
        represented = (
            visible.filter(coordinators=employee).select_related("branch").order_by("name")
        )
        ctx.update(
            employee=employee,
            roles=list(employee.roles.all()),
            managers=list(managers),
            direct_reports=list(direct_reports),
            subordinate_count=(employee.subordinates() & visible).count(),
            coordinators=list(coordinators),
            represented=list(represented),
            **self.timeline_context(record=employee),
        )
        return ctx


class EmployeeFormView(RecordFormView):
    """Create or edit an employee, and create or link their user account in the same step."""

    model = Employee
    form_class = EmployeeForm
    service = services.employee_save
    template_name = "org/employee_form.html"
    list_url_name = "org:employee_list"
    error_aliases = {"user": "existing_user"}

    def service_fields(self, form) -> dict:
        fields = super().service_fields(form)
        # Many-to-many links go to the service as whole sets.
        fields["roles"] = list(form.cleaned_data.get("roles") or [])
        fields["coordinated_representatives"] = list(
            form.cleaned_data.get("coordinated_representatives") or []
        )
        return fields

    def save(self, parts):
        form = parts["form"]
        fields = self.service_fields(form)
        mode = form.account_mode
        if mode == form.ACCOUNT_NEW:
            # The account and the employee are created together or not at all (the page saves
            # in one transaction).
            fields["user"] = services.employee_account_create(
                actor=self.request.user,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                email=form.cleaned_data.get("email", ""),
                name=form.cleaned_data.get("name", ""),
            )
        elif mode == form.ACCOUNT_EXISTING:
            fields["user"] = form.cleaned_data["existing_user"]
        else:
            fields["user"] = None
        return services.employee_save(actor=self.request.user, instance=self.object, **fields)

    def get_success_url(self, record) -> str:
        return reverse("org:employee_detail", args=[record.pk])
