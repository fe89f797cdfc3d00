"""Organization pages: overview, org chart, and the administrator's pages for each record kind.

The lists of companies, branches, departments and employees are core's generic list page
(`tawasul.core.lists.ListPage`) with the Organization breadcrumb and tabs (`org/list.html`).
"""

import functools
from typing import Any, ClassVar

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Case, CharField, Count, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView

from tawasul.core import clock
from tawasul.core.access import user_company_id
from tawasul.core.edit import ServiceDeleteView, ServiceFormView
from tawasul.core.lists import EMPTY, Column, ListExport, ListPage, date_cell
from tawasul.core.pagination import capped_count
from tawasul.core.records import Action, RecordHeader, RecordView

from . import services, worktime
from .filtersets import (
    BranchFilterSet,
    CompanyFilterSet,
    DepartmentFilterSet,
    EmployeeFilterSet,
    HolidayFilterSet,
    WorkCalendarFilterSet,
)
from .forms import (
    BranchForm,
    CompanyForm,
    DepartmentForm,
    EmployeeForm,
    HolidayForm,
    WorkCalendarForm,
)
from .models import (
    WEEKDAYS,
    Branch,
    Company,
    Department,
    Employee,
    Holiday,
    WorkCalendar,
    week_order,
)
from .selectors import employee_list, org_tree

EMPLOYEE_PAGE_SIZE = 50
ACTIONS = "actions"  # the column of a row's buttons (its header is read by screen readers only)


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
            working_time=self.working_time(),
        )
        return ctx

    def working_time(self) -> dict[str, Any] | None:
        """The company's working week and hours, and its next holidays, for the Working time
        card (None for a user who may view neither calendars nor holidays, or has no company)."""
        user = self.request.user
        company_id = user_company_id(user)
        can_calendars = user.has_perm("org.view_workcalendar")
        can_holidays = user.has_perm("org.view_holiday")
        if company_id is None or not (can_calendars or can_holidays):
            return None
        schedule = worktime.calendar_for(company_id)
        today = clock.now().astimezone(schedule.zone).date()
        upcoming = []
        if can_holidays:
            upcoming = list(
                Holiday.objects.restrict(user, "view")
                .filter(branch__isnull=True, ends_on__gte=today)
                .order_by("starts_on", "pk")[:3]
            )
        return {
            "days": working_days_text(schedule.weekdays),
            "hours": f"{schedule.starts:%H:%M}–{schedule.ends:%H:%M}",
            "zone": schedule.zone.key,
            "holidays": upcoming,
            "can_calendars": can_calendars,
            "can_holidays": can_holidays,
        }


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


# --- shared list page and form view -----------------------------------------------------------

_KEY = 987654321  # a key no URL pattern holds twice, replaced by each row's


@functools.lru_cache(maxsize=64)
def _url_parts(url_name: str, script_prefix: str) -> tuple[str, str]:
    head, _key, tail = reverse(url_name, args=[_KEY]).rpartition(str(_KEY))
    return head, tail


def record_url(url_name: str, pk: int) -> str:
    """The address of a record's page: one `reverse` per process, not one per row."""
    head, tail = _url_parts(url_name, get_script_prefix())
    return f"{head}{pk}{tail}"


@functools.lru_cache(maxsize=16)
def _list_url(url_name: str, script_prefix: str) -> str:
    return reverse(url_name)


def _bdi(value):
    return format_html("<bdi>{}</bdi>", EMPTY if value is None or value == "" else value)


def _other_name(record) -> str:
    """The record's name in the other language, when it has one that differs."""
    shown = record.display_name
    for name in (record.name_ar, record.name):
        if name and name != shown:
            return name
    return ""


def _name_cell(record):
    """The name in the page's language and, smaller beside it, the other language's."""
    other = _other_name(record)
    alt = format_html('<bdi class="alt-name">{}</bdi>', other) if other else ""
    title = f"{record.display_name} · {other}" if other else record.display_name
    return format_html(
        '<div class="cell-name" title="{}"><bdi class="fw-semibold">{}</bdi>{}</div>',
        title,
        record.display_name,
        alt,
    )


def _status_cell(record):
    if record.is_active:
        return format_html(
            '<span class="badge bg-success-subtle text-success-emphasis border '
            'border-success-subtle">{}</span>',
            _("Active"),
        )
    return format_html('<span class="badge text-bg-secondary">{}</span>', _("Inactive"))


def _status_value(record) -> str:
    return _("Active") if record.is_active else _("Inactive")


def _count_column(
    name: str, label, *, link: tuple[str, str, str] | None = None, width: str = "col-num"
) -> list[Column]:
    """A count of related records; with `link` (list URL name, its filter, the permission to
    view it), a link to that list filtered by the row for users who may open it."""
    plain = Column(
        name,
        label,
        cell=lambda row: str(getattr(row, name)),
        th_class=f"{width} text-end",
        td_class="text-md-end",
    )
    if link is None:
        return [plain]
    url_name, param, permission = link

    def linked(row):
        url = _list_url(url_name, get_script_prefix())
        return format_html('<a href="{}?{}={}">{}</a>', url, param, row.pk, getattr(row, name))

    return [
        Column(
            name,
            label,
            cell=linked,
            th_class=plain.th_class,
            td_class=plain.td_class,
            visible=lambda request: request.user.has_perm(permission),
        ),
        Column(
            name,
            label,
            cell=plain.cell,
            th_class=plain.th_class,
            td_class=plain.td_class,
            visible=lambda request: not request.user.has_perm(permission),
        ),
    ]


def _edit_column(url_name: str, permission: str) -> Column:
    def cell(row):
        return format_html(
            '<a class="btn btn-sm btn-outline-secondary" href="{}">'
            '<i class="bi bi-pencil me-1" aria-hidden="true"></i>{}</a>',
            record_url(url_name, row.pk),
            _("Edit"),
        )

    return Column(
        ACTIONS,
        gettext_lazy("Actions"),
        cell=cell,
        th_class="col-badge",
        td_class="text-md-end",
        label_hidden=True,
        visible=lambda request: request.user.has_perm(permission),
        export=False,
    )


def _company_column() -> Column:
    # Only a user who works for no company sees several (a superuser without an employee).
    return Column(
        "company",
        gettext_lazy("Company"),
        title=lambda row: str(row.company),
        visible=lambda request: user_company_id(request.user) is None,
    )


def _active_first():
    """Active records first, then by name: one text key, so that keyset pages can follow it."""
    status = Case(When(is_active=True, then=Value("0")), default=Value("1"))
    return Concat(status, F("name"), output_field=CharField())


class OrgListPage(ListPage):
    """An organization list: core's list page under the Organization breadcrumb and tabs.

    `model` gives the rows (through `restrict`); `tab` names the tab shown as current.
    """

    template_name = "org/list.html"
    model: Any = None
    tab = ""
    search_field = "search"

    def base_queryset(self, action: str = "view"):
        return self.model.objects.restrict(self.request.user, action)

    def row_name(self, row) -> str:
        return row.display_name

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if ctx.get("chips"):
            form = ctx["filterset"].form
            ctx["chips"] = [self.chip(chip, form) for chip in ctx["chips"]]
        return ctx

    def chip(self, chip: dict, form) -> dict:
        """An active filter's chip as shown (core's `filter_chips` by default)."""
        return chip


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


class CompanyListView(OrgListPage):
    """The companies the user may see, with their phone country, currency, zone and counts."""

    model = Company
    permission_required = "org.view_company"
    filterset_class = CompanyFilterSet
    title = gettext_lazy("Companies")
    tab = "companies"
    list_key = "companies"
    list_url_name = "org:company_list"
    create_url_name = "org:company_create"
    create_label = gettext_lazy("Add company")
    add_permission = "org.add_company"
    empty_icon = "bi-bank"
    empty_text = gettext_lazy(
        "You cannot see any company: your account is not linked to an employee of a company."
    )
    empty_filtered_text = gettext_lazy("No companies match these filters.")
    columns: ClassVar[list[Column]] = [
        # Nine columns in the list's width: the short ones are narrow, the name and the zone
        # share the rest.
        Column("code", gettext_lazy("Code"), sort="code", th_class="col-code"),
        Column(
            "name",
            gettext_lazy("Name"),
            cell=_name_cell,
            sort="name",
            primary=True,
        ),
        Column("default_country", gettext_lazy("Phone country"), th_class="col-code"),
        Column("currency", gettext_lazy("Currency"), th_class="col-code"),
        Column("timezone", gettext_lazy("Time zone"), title=lambda c: c.timezone),
        *_count_column("branch_count", gettext_lazy("Branches"), width="col-code"),
        *_count_column("department_count", gettext_lazy("Departments")),
        *_count_column("employee_count", gettext_lazy("Employees"), width="col-code"),
        _edit_column("org:company_update", "org.change_company"),
    ]

    def base_queryset(self, action="view"):
        user = self.request.user
        return (
            super()
            .base_queryset(action)
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


class BranchListView(OrgListPage):
    """Branches, active ones first, with their departments and employees counted."""

    model = Branch
    permission_required = "org.view_branch"
    filterset_class = BranchFilterSet
    title = gettext_lazy("Branches")
    tab = "branches"
    list_key = "branches"
    list_url_name = "org:branch_list"
    default_sort = "active_name"
    sorts: ClassVar[dict[str, Any]] = {"active_name": gettext_lazy("Active first")}
    create_url_name = "org:branch_create"
    create_label = gettext_lazy("Add branch")
    add_permission = "org.add_branch"
    empty_icon = "bi-building"
    empty_text = gettext_lazy(
        "No branches yet. Branches place employees and contacts in an office or city."
    )
    empty_filtered_text = gettext_lazy("No branches match these filters.")
    empty_add_label = gettext_lazy("Add the first branch")
    columns: ClassVar[list[Column]] = [
        Column("code", gettext_lazy("Code"), sort="code", th_class="col-code"),
        Column(
            "name",
            gettext_lazy("Name"),
            cell=_name_cell,
            sort="name",
            primary=True,
            th_class="col-name",
        ),
        Column("city", gettext_lazy("City"), sort="city", title=lambda b: b.city),
        _company_column(),
        *_count_column(
            "department_count",
            gettext_lazy("Departments"),
            link=("org:department_list", "branch", "org.view_department"),
        ),
        *_count_column(
            "employee_count",
            gettext_lazy("Employees"),
            link=("org:employee_list", "branch", "org.view_employee"),
        ),
        Column("is_active", gettext_lazy("Status"), cell=_status_cell, th_class="col-badge"),
        _edit_column("org:branch_update", "org.change_branch"),
    ]

    def base_queryset(self, action="view"):
        user = self.request.user
        return (
            super()
            .base_queryset(action)
            .select_related("company")
            .annotate(
                employee_count=_count_of(Employee, "branch", user),
                department_count=_count_of(Department, "branch", user),
                active_name=_active_first(),
            )
        )

    def count_text(self, total, more):
        return ngettext("%(counter)s branch", "%(counter)s branches", total) % {
            "counter": intcomma(total)
        }


class BranchFormView(RecordFormView):
    model = Branch
    form_class = BranchForm
    service = services.branch_save
    list_url_name = "org:branch_list"


class DepartmentListView(OrgListPage):
    """Departments, active ones first, with their kind, branch and employees counted."""

    model = Department
    permission_required = "org.view_department"
    filterset_class = DepartmentFilterSet
    title = gettext_lazy("Departments")
    tab = "departments"
    list_key = "departments"
    list_url_name = "org:department_list"
    default_sort = "active_name"
    sorts: ClassVar[dict[str, Any]] = {"active_name": gettext_lazy("Active first")}
    create_url_name = "org:department_create"
    create_label = gettext_lazy("Add department")
    add_permission = "org.add_department"
    empty_icon = "bi-collection"
    empty_text = gettext_lazy(
        "No departments yet. Departments (sales, collection, maintenance…) group employees by "
        "the work they do."
    )
    empty_filtered_text = gettext_lazy("No departments match these filters.")
    empty_add_label = gettext_lazy("Add the first department")
    columns: ClassVar[list[Column]] = [
        # No title on the name's cell: its tooltip is the name's own (cell-name).
        Column(
            "name",
            gettext_lazy("Name"),
            cell=_name_cell,
            sort="name",
            primary=True,
            th_class="col-name",
        ),
        Column(
            "kind",
            gettext_lazy("Kind"),
            cell=lambda d: format_html(
                '<span class="badge text-bg-light border">{}</span>', d.get_kind_display()
            ),
            title=lambda d: d.get_kind_display(),
        ),
        Column("branch", gettext_lazy("Branch"), title=lambda d: str(d.branch or "")),
        _company_column(),
        *_count_column(
            "employee_count",
            gettext_lazy("Employees"),
            link=("org:employee_list", "department", "org.view_employee"),
        ),
        Column("is_active", gettext_lazy("Status"), cell=_status_cell, th_class="col-badge"),
        _edit_column("org:department_update", "org.change_department"),
    ]

    def base_queryset(self, action="view"):
        user = self.request.user
        return (
            super()
            .base_queryset(action)
            .select_related("company", "branch")
            .annotate(
                employee_count=_count_of(Employee, "department", user),
                active_name=_active_first(),
            )
        )

    def count_text(self, total, more):
        return ngettext("%(counter)s department", "%(counter)s departments", total) % {
            "counter": intcomma(total)
        }


class DepartmentFormView(RecordFormView):
    model = Department
    form_class = DepartmentForm
    service = services.department_save
    list_url_name = "org:department_list"


# --- employees --------------------------------------------------------------------------------


def _employee_name_cell(e: Employee):
    account = ""
    if e.user is not None:  # the sign-in account, under the name as it always was
        account = format_html(
            '<span class="alt-name"><i class="bi bi-person-lock me-1" aria-hidden="true"></i>'
            "<bdi>{}</bdi></span>",
            e.user.username,
        )
    return format_html(
        '<div class="cell-name"><a href="{}" class="fw-semibold text-decoration-none">'
        "<bdi>{}</bdi></a>{}</div>",
        record_url("org:employee_detail", e.pk),
        e.display_name,
        account,
    )


def _employee_name_title(e: Employee) -> str:
    return f"{e.display_name} · {e.user.username}" if e.user is not None else e.display_name


def _roles_value(e: Employee) -> str:
    return ", ".join(str(role) for role in e.roles.all())


def _reports_to_cell(e: Employee):
    manager = e.reports_to
    if manager is None:
        return EMPTY
    return format_html(
        '<a href="{}"><bdi>{}</bdi></a>',
        record_url("org:employee_detail", manager.pk),
        manager.display_name,
    )


class EmployeeListView(OrgListPage):
    """Employees: search, filters, sort, keyset pages, saved views and export; the table alone
    swaps with htmx (its id, `employee-results`, is the one the page always had)."""

    model = Employee
    permission_required = "org.view_employee"
    filterset_class = EmployeeFilterSet
    title = gettext_lazy("Employees")
    tab = "employees"
    list_key = "employees"
    list_url_name = "org:employee_list"
    table_id = "employee-results"
    page_size = EMPLOYEE_PAGE_SIZE
    export_url_name = "org:employee_export"
    export_permission = "org.view_employee"
    create_url_name = "org:employee_create"
    create_label = gettext_lazy("Add employee")
    create_id = "new-employee"
    add_permission = "org.add_employee"
    empty_icon = "bi-person-badge"
    empty_text = gettext_lazy(
        "No employees yet. Employees are the staff who sign in and work on contacts; add them "
        "with their branch, department and job roles."
    )
    empty_filtered_text = gettext_lazy("No employees match these filters.")
    empty_add_label = gettext_lazy("Add the first employee")
    past_end_text = gettext_lazy("There are no more employees past this point.")
    columns: ClassVar[list[Column]] = [
        Column(
            "name",
            gettext_lazy("Name"),
            cell=_employee_name_cell,
            value=lambda e: e.display_name,
            title=_employee_name_title,
            sort="name",
            primary=True,
            th_class="col-name",
            width=30,
        ),
        Column(
            "code",
            gettext_lazy("Code"),
            sort="code",
            th_class="col-code",
            cell=lambda e: format_html(
                '<span class="font-monospace small">{}</span>', _bdi(e.code)
            ),
        ),
        Column(
            "roles",
            gettext_lazy("Job roles"),
            cell=lambda e: _bdi(_roles_value(e)),
            value=_roles_value,
            title=_roles_value,
            width=30,
        ),
        Column("branch", gettext_lazy("Branch"), title=lambda e: str(e.branch or "")),
        Column("department", gettext_lazy("Department"), title=lambda e: str(e.department or "")),
        Column(
            "reports_to",
            gettext_lazy("Reports to"),
            cell=_reports_to_cell,
            title=lambda e: str(e.reports_to or ""),
            width=24,
        ),
        Column(
            "is_active",
            gettext_lazy("Status"),
            cell=_status_cell,
            value=_status_value,
            th_class="col-badge",
        ),
    ]

    # Employees have no export permission of their own: exporting them is viewing them
    # (org.view_employee), so the page and its export read the same selector.
    export_action = "view"

    def base_queryset(self, action="view"):
        if action != "view":
            return super().base_queryset(action)
        return employee_list(user=self.request.user).prefetch_related("roles")

    def count_text(self, total, more):
        if more:
            return _("More than %(n)s employees") % {"n": intcomma(total)}
        return ngettext("%(counter)s employee", "%(counter)s employees", total) % {
            "counter": intcomma(total)
        }

    def chip(self, chip, form):
        if chip["name"] == "subordinates_of":
            # The manager by name, not by key (the address holds the key).
            manager = (
                Employee.objects.restrict(self.request.user, "view").filter(pk=chip["raw"]).first()
            )
            value = manager.display_name if manager is not None else chip["value"]
            return {**chip, "value": value, "raw": None}
        return super().chip(chip, form)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if "rows" in ctx:
            ctx["employees"] = ctx["rows"]  # the name the page's context always had
        return ctx


class EmployeeExportView(ListExport):
    """The employees the list shows (its filters, or the ticked rows) as CSV or XLSX, with the
    list's columns."""

    permission_required = "org.view_employee"
    list_page = EmployeeListView
    filename = "employees"


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


# --- working time: work calendars and holidays ------------------------------------------------

_WEEKDAY_NAMES = dict(WEEKDAYS)


def working_days_text(days) -> str:
    """The working days in words: a run of three or more as "Sunday – Thursday", else listed."""
    ordered = week_order(d for d in days if d in _WEEKDAY_NAMES)
    if not ordered:
        return ""
    positions = [day % 7 for day in ordered]
    if len(ordered) >= 3 and positions == list(range(positions[0], positions[0] + len(ordered))):
        return f"{_WEEKDAY_NAMES[ordered[0]]} – {_WEEKDAY_NAMES[ordered[-1]]}"
    return ", ".join(str(_WEEKDAY_NAMES[day]) for day in ordered)


def hours_text(calendar) -> str:
    return f"{calendar.day_starts:%H:%M}–{calendar.day_ends:%H:%M}"


def _applies_to(record) -> str:
    """The branch a calendar or holiday is for, or the whole company."""
    return record.branch.display_name if record.branch_id else _("Whole company")


def _applies_to_cell(record):
    if record.branch_id:
        return _bdi(record.branch.display_name)
    return format_html('<span class="fw-semibold">{}</span>', _("Whole company"))


def _company_first():
    """The company's calendar first, then the branches' by name (one text key for keyset pages)."""
    kind = Case(When(branch__isnull=True, then=Value("0")), default=Value("1"))
    return Concat(kind, Coalesce(F("branch__name"), Value("")), output_field=CharField())


def _edit_delete_columns(
    update_url_name: str, delete_url_name: str, change_permission: str, delete_permission: str
) -> list[Column]:
    """The row's Edit and Delete buttons side by side, each for users with its permission (one
    column per combination, as a cell does not know the user)."""

    def buttons(edit: bool, delete: bool):
        def cell(row):
            parts = []
            if edit:
                parts.append(
                    format_html(
                        '<a class="btn btn-sm btn-outline-secondary" href="{}">'
                        '<i class="bi bi-pencil me-1" aria-hidden="true"></i>{}</a>',
                        record_url(update_url_name, row.pk),
                        _("Edit"),
                    )
                )
            if delete:
                parts.append(
                    format_html(
                        '<a class="btn btn-sm btn-outline-danger" href="{}" title="{}">'
                        '<i class="bi bi-trash" aria-hidden="true"></i>'
                        '<span class="visually-hidden">{}</span></a>',
                        record_url(delete_url_name, row.pk),
                        _("Delete"),
                        _("Delete"),
                    )
                )
            return format_html(
                '<div class="d-flex gap-1 justify-content-md-end">{}</div>',
                format_html_join("", "{}", ((part,) for part in parts)),
            )

        def visible(request):
            user = request.user
            return (
                user.has_perm(change_permission) == edit
                and user.has_perm(delete_permission) == delete
            )

        return Column(
            ACTIONS,
            gettext_lazy("Actions"),
            cell=cell,
            th_class="col-person",
            td_class="text-md-end",
            label_hidden=True,
            visible=visible,
            export=False,
        )

    return [buttons(True, True), buttons(True, False), buttons(False, True)]


class WorkCalendarListView(OrgListPage):
    """The company's working week and hours, and the branches that work by their own."""

    model = WorkCalendar
    permission_required = "org.view_workcalendar"
    filterset_class = WorkCalendarFilterSet
    title = gettext_lazy("Work calendars")
    tab = "work_calendars"
    list_key = "work_calendars"
    list_url_name = "org:work_calendar_list"
    search_field = ""
    default_sort = "applies_to"
    sorts: ClassVar[dict[str, Any]] = {"applies_to": gettext_lazy("Company first")}
    create_url_name = "org:work_calendar_create"
    create_label = gettext_lazy("Add work calendar")
    add_permission = "org.add_workcalendar"
    empty_icon = "bi-calendar-week"
    empty_text = gettext_lazy(
        "No work calendar yet: the company works Sunday to Thursday, 08:00 to 17:00. Add one to "
        "change its working days or hours, or a branch's."
    )
    empty_filtered_text = gettext_lazy("No work calendars match these filters.")
    empty_add_label = gettext_lazy("Add the company's calendar")
    columns: ClassVar[list[Column]] = [
        Column(
            "applies_to",
            gettext_lazy("Applies to"),
            cell=_applies_to_cell,
            value=_applies_to,
            title=_applies_to,
            primary=True,
            th_class="col-name",
        ),
        Column(
            "working_days",
            gettext_lazy("Working days"),
            cell=lambda c: working_days_text(c.working_days),
            value=lambda c: working_days_text(c.working_days),
            title=lambda c: working_days_text(c.working_days),
            width=30,
        ),
        Column(
            "hours",
            gettext_lazy("Working hours"),
            cell=lambda c: format_html("<bdi>{}</bdi>", hours_text(c)),
            value=hours_text,
        ),
        _company_column(),
        *_edit_delete_columns(
            "org:work_calendar_update",
            "org:work_calendar_delete",
            "org.change_workcalendar",
            "org.delete_workcalendar",
        ),
    ]

    def base_queryset(self, action="view"):
        return (
            super()
            .base_queryset(action)
            .select_related("company", "branch")
            .annotate(applies_to=_company_first())
        )

    def row_name(self, row) -> str:
        return _applies_to(row)


class WorkCalendarFormView(RecordFormView):
    model = WorkCalendar
    form_class = WorkCalendarForm
    service = services.work_calendar_save
    template_name = "org/worktime_form.html"
    list_url_name = "org:work_calendar_list"
    delete_url_name = "org:work_calendar_delete"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["delete_url_name"] = self.delete_url_name
        ctx["delete_permission"] = self.request.user.has_perm("org.delete_workcalendar")
        return ctx


class WorkTimeDeleteView(ServiceDeleteView):
    """Ask, then delete a work calendar or a holiday through its service."""

    list_url_name = ""
    update_url_name = ""

    def get_cancel_url(self, record) -> str:
        return reverse(self.update_url_name, args=[record.pk])

    def get_success_url(self) -> str:
        return reverse(self.list_url_name)

    consequence_text: Any = ""  # what deleting does, said before asking (lazily translated)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["consequence"] = self.consequence_text
        return ctx

    def get_breadcrumbs(self, record) -> list[tuple[str, str]]:
        return [
            (_("Organization"), reverse("org:overview")),
            (str(self.model._meta.verbose_name_plural).capitalize(), reverse(self.list_url_name)),
            (str(record), self.get_cancel_url(record)),
        ]


class WorkCalendarDeleteView(WorkTimeDeleteView):
    model = WorkCalendar
    list_url_name = "org:work_calendar_list"
    update_url_name = "org:work_calendar_update"
    consequence_text: Any = gettext_lazy(
        "A branch without its own calendar works by the company's; the company without one "
        "works Sunday to Thursday, 08:00 to 17:00. Due dates already set do not move."
    )

    def delete(self, record) -> None:
        services.work_calendar_delete(actor=self.request.user, calendar=record)


def _holiday_days_cell(holiday: Holiday) -> str:
    return ngettext("%(n)s day", "%(n)s days", holiday.day_count) % {"n": holiday.day_count}


class HolidayListView(OrgListPage):
    """The company's and the branches' holidays, latest first."""

    model = Holiday
    permission_required = "org.view_holiday"
    filterset_class = HolidayFilterSet
    title = gettext_lazy("Holidays")
    tab = "holidays"
    list_key = "holidays"
    list_url_name = "org:holiday_list"
    default_sort = "-starts_on"
    create_url_name = "org:holiday_create"
    create_label = gettext_lazy("Add holiday")
    add_permission = "org.add_holiday"
    empty_icon = "bi-calendar-x"
    empty_text = gettext_lazy(
        "No holidays yet. Holidays are days off: due dates and targets counted in working "
        "time skip them."
    )
    empty_filtered_text = gettext_lazy("No holidays match these filters.")
    empty_add_label = gettext_lazy("Add the first holiday")
    columns: ClassVar[list[Column]] = [
        Column(
            "name",
            gettext_lazy("Name"),
            cell=_name_cell,
            sort="name",
            primary=True,
            th_class="col-name",
        ),
        Column(
            "starts_on",
            gettext_lazy("First day"),
            cell=lambda h: date_cell(h.starts_on),
            value=lambda h: h.starts_on,
            sort="starts_on",
            descending_first=True,
            th_class="col-date",
        ),
        Column(
            "ends_on",
            gettext_lazy("Last day"),
            cell=lambda h: date_cell(h.ends_on),
            value=lambda h: h.ends_on,
            th_class="col-date",
        ),
        Column(
            "days",
            gettext_lazy("Days"),
            cell=_holiday_days_cell,
            value=lambda h: h.day_count,
            th_class="col-code",
        ),
        Column(
            "branch",
            gettext_lazy("Applies to"),
            cell=_applies_to_cell,
            value=_applies_to,
            title=_applies_to,
        ),
        _company_column(),
        *_edit_delete_columns(
            "org:holiday_update",
            "org:holiday_delete",
            "org.change_holiday",
            "org.delete_holiday",
        ),
    ]

    def base_queryset(self, action="view"):
        return super().base_queryset(action).select_related("company", "branch")

    def count_text(self, total, more):
        return ngettext("%(counter)s holiday", "%(counter)s holidays", total) % {
            "counter": intcomma(total)
        }


class HolidayFormView(RecordFormView):
    model = Holiday
    form_class = HolidayForm
    service = services.holiday_save
    template_name = "org/worktime_form.html"
    list_url_name = "org:holiday_list"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["delete_url_name"] = "org:holiday_delete"
        ctx["delete_permission"] = self.request.user.has_perm("org.delete_holiday")
        return ctx


class HolidayDeleteView(WorkTimeDeleteView):
    model = Holiday
    list_url_name = "org:holiday_list"
    update_url_name = "org:holiday_update"
    consequence_text: Any = gettext_lazy(
        "Its days become working days again for what is counted from now on; due dates "
        "already set do not move."
    )

    def delete(self, record) -> None:
        services.holiday_delete(actor=self.request.user, holiday=record)
