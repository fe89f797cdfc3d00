"""Companies, branches, departments and employees with their reports-to hierarchy."""

from django.conf import settings
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
