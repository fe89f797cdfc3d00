"""Companies, branches, departments and employees with their reports-to hierarchy."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tawasul.core.access import RestrictedQuerySet
from tawasul.core.constraints import ConstraintFieldErrors
from tawasul.core.models import TimeStampedModel
from tawasul.core.text import search_text_of
from tawasul.core.timezones import validate_time_zone

from .choices import DepartmentKind, JobRoleCode


class BilingualName(models.Model):
    """A record named in English with an optional Arabic name, shown by the user's language.

    `search_text` holds the names (and the code, where the model has one) in the one comparison
    form (`tawasul.core.text.search_text_of`), kept in step by `save`; every search, autocomplete
    and picker of these records matches it through `tawasul.core.search.text_filter`, so that
    `احمد` finds `أحمد` and `المومن` finds `المؤمن`. It is left out of the change history.
    """

    # The fields `search_text` is made of, in order; those the model lacks are skipped.
    SEARCH_TEXT_FIELDS = ("name", "name_ar", "code")

    name = models.CharField(_("name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        sources = search_text_sources(type(self))
        self.search_text = search_text_of(*(getattr(self, f) for f in sources))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(sources):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if get_language() == "ar" and self.name_ar:
            return self.name_ar
        return self.name


def search_text_sources(model) -> tuple[str, ...]:
    """The fields of `model` (a `BilingualName`, or its historical form in a migration) whose
    values make its `search_text`."""
    names = {f.name for f in model._meta.concrete_fields}
    return tuple(f for f in BilingualName.SEARCH_TEXT_FIELDS if f in names)


def default_phone_country() -> str:
    """A new company's phone country: the PHONE_DEFAULT_REGION setting."""
    return (settings.PHONENUMBER_DEFAULT_REGION or "").upper()


def default_time_zone() -> str:
    """A new company's time zone: the server's (settings.TIME_ZONE)."""
    return settings.TIME_ZONE


class Company(BilingualName, TimeStampedModel):
    """A legal company using Tawasul; every business record belongs to one."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    default_country = models.CharField(
        _("default phone country"),
        max_length=2,
        default=default_phone_country,
        help_text=_("ISO 3166 two-letter code used to read local phone numbers."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="SAR")
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("Dates are shown in this zone to employees who have not chosen their own."),
    )

    access_company_path = "pk"
    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")


class Branch(ConstraintFieldErrors, BilingualName, TimeStampedModel):
    """A branch (office, city) of a company."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="branches")
    code = models.CharField(_("code"), max_length=20)
    city = models.CharField(_("city"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"])
    constraint_error_fields = {"uniq_branch_code": "code"}

    class Meta:
        ordering = ["company", "name"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"],
                name="uniq_branch_code",
                violation_error_message=_("A branch with this code already exists."),
                violation_error_code="uniq_branch_code",
            )
        ]


class Department(BilingualName, TimeStampedModel):
    """A department of a given kind, optionally tied to a branch."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="departments")
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name=_("branch"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        ordering = ["company", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class JobRole(models.Model):
    """A job an employee may hold (several at once); a fixed list seeded by migration."""

    code = models.CharField(max_length=30, unique=True, choices=JobRoleCode.choices)

    access_company_path = None
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return str(JobRoleCode(self.code).label)


class Employee(ConstraintFieldErrors, BilingualName, TimeStampedModel):
    """A person on the staff, linked one-to-one to a user account.

    `path` is the materialised reports-to chain ("/1/7/12/"), so "my subordinates at any depth"
    is one indexed prefix query and "my managers" is a lookup of the ids in my own path.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="employees")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("user account"),
    )
    code = models.CharField(_("employee code"), max_length=20)
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("branch"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("department"),
    )
    roles = models.ManyToManyField(
        JobRole, blank=True, related_name="employees", verbose_name=_("job roles")
    )
    reports_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="direct_reports",
        verbose_name=_("reports to"),
    )
    coordinated_representatives = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="coordinators",
        verbose_name=_("representatives served (for coordinators)"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    path = models.CharField(max_length=1000, editable=False, db_index=True, default="/")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["path", "depth", "search_text"])
    constraint_error_fields = {"uniq_employee_code": "code"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"],
                name="uniq_employee_code",
                violation_error_message=_("An employee with this code already exists."),
                violation_error_code="uniq_employee_code",
            )
        ]

    @property
    def manager_ids(self) -> list[int]:
        """Ids of my chain of managers, nearest first."""
        ids = [int(p) for p in self.path.strip("/").split("/") if p]
        return list(reversed(ids[:-1]))

    def subordinates(self) -> models.QuerySet["Employee"]:
        """Everyone reporting to me at any depth (one query)."""
        return Employee.objects.filter(path__startswith=self.path).exclude(pk=self.pk)

    def managers(self) -> models.QuerySet["Employee"]:
        """My chain of managers (one query)."""
        return Employee.objects.filter(pk__in=self.manager_ids)


# --- working time -----------------------------------------------------------------------------

# ISO weekday numbers (`date.isoweekday()`): 1 is Monday, 7 is Sunday.
WEEKDAYS = [
    (7, _("Sunday")),
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
]
# Sunday to Thursday, the working week in Saudi Arabia.
DEFAULT_WORKING_DAYS = (7, 1, 2, 3, 4)
DEFAULT_DAY_STARTS = datetime.time(8, 0)
DEFAULT_DAY_ENDS = datetime.time(17, 0)
# The longest a holiday may last, in days: a year (a longer one is a typing mistake).
HOLIDAY_MAX_DAYS = 366


def default_working_days() -> list[int]:
    """A new work calendar's working days: Sunday to Thursday."""
    return list(DEFAULT_WORKING_DAYS)


def week_order(days) -> list[int]:
    """ISO weekday numbers once each, in the order of a week starting on Sunday."""
    return sorted(set(days), key=lambda day: day % 7)


def validate_working_days(value) -> None:
    """A list of ISO weekday numbers (1 Monday ... 7 Sunday), at least one, each once."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one working day."), code="no_working_days")
    if any(
        isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 7 for day in value
    ) or len(set(value)) != len(value):
        raise ValidationError(
            _("Working days are weekday numbers from 1 (Monday) to 7 (Sunday), each once."),
            code="bad_working_days",
        )


class WorkCalendar(ConstraintFieldErrors, TimeStampedModel):
    """The working days and hours of a company (no branch: its default) or of one branch.

    Every due date, overdue flag and target counted in working time reads it through
    `tawasul.org.worktime.calendar_for`; a branch's calendar replaces the company's for that
    branch.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="work_calendars")
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_calendars",
        verbose_name=_("branch"),
        help_text=_("A branch's calendar replaces the company's for that branch."),
    )
    working_days = models.JSONField(
        _("working days"), default=default_working_days, validators=[validate_working_days]
    )
    day_starts = models.TimeField(_("working day starts"), default=DEFAULT_DAY_STARTS)
    day_ends = models.TimeField(_("working day ends"), default=DEFAULT_DAY_ENDS)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()
    constraint_error_fields = {
        "uniq_work_calendar_company": "branch",
        "uniq_work_calendar_branch": "branch",
        "work_calendar_hours": "day_ends",
    }

    class Meta:
        ordering = ["company", "id"]
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=models.Q(branch__isnull=True),
                name="uniq_work_calendar_company",
                violation_error_message=_("The company already has its calendar."),
                violation_error_code="uniq_work_calendar_company",
            ),
            models.UniqueConstraint(
                fields=["company", "branch"],
                condition=models.Q(branch__isnull=False),
                name="uniq_work_calendar_branch",
                violation_error_message=_("This branch already has its calendar."),
                violation_error_code="uniq_work_calendar_branch",
            ),
            models.CheckConstraint(
                condition=models.Q(day_ends__gt=models.F("day_starts")),
                name="work_calendar_hours",
                violation_error_message=_("The working day must end after it starts."),
                violation_error_code="work_calendar_hours",
            ),
        ]

    def __str__(self) -> str:
        if self.branch_id is None:
            return str(_("Company calendar"))
        return str(self.branch)


class Holiday(ConstraintFieldErrors, BilingualName, TimeStampedModel):
    """Days off for the whole company (no branch) or for one branch, first to last day."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="holidays")
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="holidays",
        verbose_name=_("branch"),
        help_text=_("A branch's holiday is a day off for that branch only."),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"])
    constraint_error_fields = {"holiday_dates": "ends_on"}

    class Meta:
        ordering = ["company", "starts_on", "id"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        indexes = [models.Index(fields=["company", "starts_on", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="holiday_dates",
                violation_error_message=_("A holiday cannot end before it starts."),
                violation_error_code="holiday_dates",
            )
        ]

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on >= self.starts_on:
            if (self.ends_on - self.starts_on).days >= HOLIDAY_MAX_DAYS:
                raise ValidationError(
                    {"ends_on": _("A holiday lasts at most a year; check the dates.")}
                )

    @property
    def day_count(self) -> int:
        """How many calendar days the holiday covers."""
        return (self.ends_on - self.starts_on).days + 1
