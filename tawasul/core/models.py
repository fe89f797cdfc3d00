"""Kernel models: timestamps, user preferences, saved list views and number sequences."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constraints import ConstraintFieldErrors
from .fields import ClockDateTimeField


class TimeStampedModel(models.Model):
    """Adds creation and modification timestamps."""

    created_at = ClockDateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = ClockDateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class UserPreference(models.Model):
    """A user's language and time zone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.language})"


class SavedFilter(ConstraintFieldErrors, models.Model):
    """A named list view (filters and sort) that a user saved for one list page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    view = models.CharField(_("list"), max_length=64)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    created_at = ClockDateTimeField(auto_now_add=True)

    constraint_error_fields = {"uniq_saved_filter_name": "name"}

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "view", "name"],
                name="uniq_saved_filter_name",
                violation_error_message=_("You already have a view with this name."),
                violation_error_code="uniq_saved_filter_name",
            )
        ]

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """A gapless counter per company, branch, kind and year; advanced only under a row lock.

    Plain integer columns, not foreign keys, so the kernel knows no company or branch model;
    branch 0 and year 0 mean "one counter for the whole company" and "never restarts".
    """

    company_id = models.BigIntegerField()
    branch_id = models.BigIntegerField(default=0)
    kind = models.CharField(max_length=40)
    year = models.PositiveIntegerField(default=0)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            # Taken only under a row lock by `sequence_next`; no input of a user reaches it.
            models.UniqueConstraint(
                fields=["company_id", "branch_id", "kind", "year"],
                name="uniq_sequence",
                violation_error_message=_("This number sequence already exists."),
                violation_error_code="uniq_sequence",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.branch_id}/{self.year}: {self.last_value}"
