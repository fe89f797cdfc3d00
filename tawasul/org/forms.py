"""Forms of the organization pages; every link dropdown reads through the access entry point."""

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tawasul.core.access import user_company_id
from tawasul.core.cleaning import CleanTextFormMixin
from tawasul.core.countries import country_code
from tawasul.core.forms import COMMON_TIMEZONES
from tawasul.core.widgets import RemoteSelect, RemoteSelectMultiple

from .choices import JobRoleCode
from .models import WEEKDAYS, Branch, Company, Department, Employee, Holiday, JobRole, WorkCalendar

User = get_user_model()


class ScopedFormMixin:
    """A form that knows its user, offers only what the user may view, and places new records.

    A new record belongs to the company of the user's employee record; a user who may see
    several companies (a superuser) picks the company, which cannot change afterwards.
    """

    # Provided by the ModelForm it is mixed into.
    instance: Any
    cleaned_data: dict[str, Any]

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fixed_company_id = None
        if self.instance.pk is not None:
            return
        own = user_company_id(user)
        companies = Company.objects.restrict(user, "view")
        if user.is_superuser:
            # One company on the site: nothing to choose.
            only = list(companies.values_list("pk", flat=True)[:2])
            if len(only) == 1:
                own = only[0]
            elif len(only) > 1:
                own = None
        if own is not None:
            self.fixed_company_id = own
            return
        self.fields["company"] = forms.ModelChoiceField(
            queryset=companies,
            label=_("Company"),
            help_text=_("The company this record belongs to; it cannot change later."),
        )
        self.order_fields(["company", *[f for f in self.fields if f != "company"]])

    def company_id_for_save(self) -> int | None:
        if self.instance.pk:
            return self.instance.company_id
        if self.fixed_company_id is not None:
            return self.fixed_company_id
        company = self.cleaned_data.get("company")
        return company.pk if company else None


def _upper_code(value: str, length: int, message: str) -> str:
    value = (value or "").strip().upper()
    if not re.fullmatch(rf"[A-Z]{{{length}}}", value):
        raise ValidationError(message)
    return value


class CompanyForm(CleanTextFormMixin, forms.ModelForm):
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(tz, tz) for tz in COMMON_TIMEZONES],
        help_text=_("Dates are shown in this zone to employees who have not chosen their own."),
    )

    class Meta:
        model = Company
        fields = ["code", "name", "name_ar", "default_country", "currency", "timezone"]

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["name_ar"].widget.attrs.update(dir="rtl", lang="ar")
        current = self.instance.timezone
        if current and current not in COMMON_TIMEZONES:
            self.fields["timezone"].choices = [(current, current)] + list(
                self.fields["timezone"].choices
            )

    def clean_default_country(self):
        code = country_code(self.cleaned_data["default_country"])
        if not code:
            raise ValidationError(gettext("Enter a two-letter country code, such as SA."))
        return code

    def clean_currency(self):
        return _upper_code(
            self.cleaned_data["currency"],
            3,
            gettext("Enter a three-letter currency code, such as SAR."),
        )


class BranchForm(CleanTextFormMixin, ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Branch
        fields = ["code", "name", "name_ar", "city", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name_ar"].widget.attrs.update(dir="rtl", lang="ar")


class DepartmentForm(CleanTextFormMixin, ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "name_ar", "kind", "branch", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name_ar"].widget.attrs.update(dir="rtl", lang="ar")
        branches = Branch.objects.restrict(self.user, "view").select_related("company")
        if self.instance.pk:
            branches = branches.filter(company_id=self.instance.company_id)
        self.fields["branch"].queryset = branches


class EmployeeForm(CleanTextFormMixin, ScopedFormMixin, forms.ModelForm):
    """An employee's facts, jobs, place in the hierarchy and (optionally) their user account."""

    ACCOUNT_NONE, ACCOUNT_NEW, ACCOUNT_EXISTING = "none", "new", "existing"

    roles = forms.ModelMultipleChoiceField(
        queryset=JobRole.objects.none(),
        required=False,
        label=_("Job roles"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    coordinated_representatives = forms.ModelMultipleChoiceField(
        queryset=Employee.objects.none(),
        required=False,
        label=_("Representatives served"),
        help_text=_("Only for communication coordinators: the representatives they serve."),
        # Options come from the server as one types: a company may have thousands of staff.
        widget=RemoteSelectMultiple(reverse_lazy("contacts:autocomplete", args=["employee"])),
    )
    account = forms.ChoiceField(
        label=_("User account"),
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        choices=[
            (ACCOUNT_NONE, _("No user account")),
            (ACCOUNT_NEW, _("Create a new user account")),
            (ACCOUNT_EXISTING, _("Link an existing user account")),
        ],
    )
    username = forms.CharField(
        label=_("Username"),
        required=False,
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The employee should change it after signing in for the first time."),
    )
    existing_user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Existing user account"),
        help_text=_("Only accounts not linked to another employee are offered."),
    )

    class Meta:
        model = Employee
        fields = [
            "code",
            "name",
            "name_ar",
            "branch",
            "department",
            "roles",
            "reports_to",
            "coordinated_representatives",
            "email",
            "phone",
            "is_active",
        ]
        widgets = {
            "reports_to": RemoteSelect(reverse_lazy("contacts:autocomplete", args=["employee"])),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user, employee = self.user, self.instance
        self.fields["name_ar"].widget.attrs.update(dir="rtl", lang="ar")
        self.fields["phone"].widget.attrs.update(dir="ltr", inputmode="tel")
        self.fields["email"].widget.attrs.update(dir="ltr")
        self.fields["roles"].queryset = JobRole.objects.restrict(user, "view")
        branches = Branch.objects.restrict(user, "view")
        departments = Department.objects.restrict(user, "view")
        managers = Employee.objects.restrict(user, "view")
        representatives = Employee.objects.restrict(user, "view").filter(
            pk__in=Employee.roles.through.objects.filter(
                jobrole__code=JobRoleCode.REPRESENTATIVE
            ).values("employee_id")
        )
        if employee.pk:
            company_id = employee.company_id
            branches = branches.filter(company_id=company_id)
            departments = departments.filter(company_id=company_id)
            # Neither the employee nor anyone below them can be their manager.
            managers = managers.filter(company_id=company_id).exclude(
                path__startswith=employee.path
            )
            served = employee.coordinated_representatives.values("pk")
            representatives = (
                Employee.objects.restrict(user, "view")
                .filter(company_id=company_id)
                .filter(Q(pk__in=representatives.values("pk")) | Q(pk__in=served))
                .exclude(pk=employee.pk)
            )
        self.fields["branch"].queryset = branches
        self.fields["department"].queryset = departments
        self.fields["reports_to"].queryset = managers
        self.fields["reports_to"].error_messages["invalid_choice"] = _(
            "Choose someone of this company who is neither this employee nor one of their "
            "subordinates."
        )
        self.fields["coordinated_representatives"].queryset = representatives
        self.fields["existing_user"].queryset = _linkable_users(employee, user)
        if employee.pk and employee.user_id:
            self.fields["account"].initial = self.ACCOUNT_EXISTING
            self.fields["existing_user"].initial = employee.user_id
        else:
            self.fields["account"].initial = self.ACCOUNT_NONE
        self.account_fields = [self[name] for name in ("username", "password", "existing_user")]

    def clean_username(self):
        username = self.cleaned_data.get("username", "").strip()
        if username:
            User.username_validator(username)
            if User.objects.filter(username__iexact=username).exists():
                raise ValidationError(gettext("A user with that username already exists."))
        return username

    def clean(self):
        cleaned = super().clean()
        mode = cleaned.get("account") or self.ACCOUNT_NONE
        if mode == self.ACCOUNT_NEW:
            username = cleaned.get("username")
            password = cleaned.get("password")
            if not username and "username" not in self.errors:
                self.add_error("username", gettext("Enter a username for the new account."))
            if not password:
                self.add_error("password", gettext("Enter an initial password."))
            elif username:
                candidate = User(
                    username=username,
                    email=cleaned.get("email", ""),
                    first_name=(cleaned.get("name") or "")[:150],
                )
                try:
                    password_validation.validate_password(password, user=candidate)
                except ValidationError as exc:
                    self.add_error("password", exc)
        elif mode == self.ACCOUNT_EXISTING and not cleaned.get("existing_user"):
            self.add_error("existing_user", gettext("Choose the user account to link."))
        roles = cleaned.get("roles")
        reps = cleaned.get("coordinated_representatives")
        if reps and roles is not None and not any(r.code == JobRoleCode.COORDINATOR for r in roles):
            self.add_error(
                "coordinated_representatives",
                gettext("Only a communication coordinator serves representatives."),
            )
        return cleaned

    @property
    def account_mode(self) -> str:
        return self.cleaned_data.get("account") or self.ACCOUNT_NONE


def _linkable_users(employee: Employee, actor):
    """Active staff accounts not linked to an employee, plus this employee's own account.

    Portal accounts (customers, dealers) are never offered, and only a superuser may link a
    superuser account.
    """
    users = User.objects.filter(is_active=True, employee__isnull=True, portal_account__isnull=True)
    if not actor.is_superuser:
        users = users.filter(is_superuser=False)
    if employee.pk and employee.user_id:
        users = User.objects.filter(pk=employee.user_id) | users
    return users.order_by("username")


# --- working time -----------------------------------------------------------------------------


def _own_branches(form: ScopedFormMixin):
    """The branches a work calendar or holiday may name: those the user may view, of the
    record's company when it is known."""
    branches = Branch.objects.restrict(form.user, "view").select_related("company")
    company_id = form.instance.company_id if form.instance.pk else form.fixed_company_id
    if company_id is not None:
        branches = branches.filter(company_id=company_id)
    return branches.order_by("-is_active", "name", "pk")


class WorkCalendarForm(CleanTextFormMixin, ScopedFormMixin, forms.ModelForm):
    """A company's or a branch's working week and hours."""

    working_days = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose at least one working day.")},
    )

    class Meta:
        model = WorkCalendar
        fields = ["branch", "working_days", "day_starts", "day_ends"]
        widgets = {
            "day_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "day_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        branch = self.fields["branch"]
        branch.queryset = _own_branches(self)
        branch.empty_label = gettext("The whole company")


class HolidayForm(CleanTextFormMixin, ScopedFormMixin, forms.ModelForm):
    """A holiday of the whole company or of one branch, first to last day."""

    class Meta:
        model = Holiday
        fields = ["name", "name_ar", "branch", "starts_on", "ends_on"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name_ar"].widget.attrs.update(dir="rtl", lang="ar")
        branch = self.fields["branch"]
        branch.queryset = _own_branches(self)
        branch.empty_label = gettext("The whole company")
