"""Reminders, once or recurring (RFC 5545 rules), and the occurrences that fired."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tawasul.core.access import RestrictedQuerySet
from tawasul.core.constraints import ConstraintFieldErrors
from tawasul.core.models import TimeStampedModel

from .common import SubjectLink


class Reminder(SubjectLink, TimeStampedModel):
    """A reminder by `author` for one or more users and roles, first due at `starts_at`, then by
    `rrule` (an RFC 5545 RRULE, evaluated in `timezone`, the author's zone); `next_at` is the
    next occurrence to fire (None: finished). When it fires it notifies, e-mails and/or creates
    a task, as chosen."""

    company = models.ForeignKey("org.Company", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reminders_written",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    template = models.ForeignKey(
        "activities.MessageTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message template"),
    )
    starts_at = models.DateTimeField(_("first at"))
    timezone = models.CharField(_("time zone"), max_length=64)
    rrule = models.CharField(_("repeats"), max_length=500, blank=True)
    working_day_back = models.BooleanField(
        _("moved back to a working day"),
        default=False,
        help_text=_("Each occurrence moves back over days off (the last working day)."),
    )
    next_at = models.DateTimeField(_("next"), null=True, blank=True)
    last_due_at = models.DateTimeField(_("last fired occurrence"), null=True, blank=True)
    fired_count = models.PositiveIntegerField(default=0)
    needs_attention = models.BooleanField(
        _("needs attention"),
        default=False,
        help_text=_("Its last occurrence reached nobody, or skipped deactivated recipients."),
    )
    notify = models.BooleanField(_("in-app notification"), default=True)
    email = models.BooleanField(_("e-mail"), default=False)
    create_task = models.BooleanField(_("create a task"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["next_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        permissions = [("manage_reminder", _("See and change every reminder of the company"))]
        indexes = [
            models.Index(fields=["is_active", "next_at"]),
            models.Index(fields=["company", "author", "next_at", "id"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:reminder_detail", args=[self.pk])


class ReminderRecipient(ConstraintFieldErrors, models.Model):
    """A user, or every holder of a role, a reminder is for."""

    constraint_error_fields = {"reminder_recipient_someone": "user"}

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    role = models.ForeignKey(
        "auth.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(role__isnull=False),
                name="reminder_recipient_someone",
                violation_error_message=_("Choose a user or a role."),
                violation_error_code="reminder_recipient_someone",
            )
        ]
        indexes = [models.Index(fields=["user", "reminder"])]

    def __str__(self) -> str:
        return f"{self.reminder_id}: {self.user_id or self.role_id}"


class ReminderOccurrence(ConstraintFieldErrors, models.Model):
    """One occurrence that fired: unique per (reminder, due_at), so an occurrence fires once
    however many sweeps or consumers reach it."""

    constraint_error_fields = {"uniq_reminder_occurrence": "due_at"}

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="occurrences")
    due_at = models.DateTimeField(_("due"))
    fired_at = models.DateTimeField(_("fired"))
    delivered = models.PositiveIntegerField(_("recipients reached"), default=0)
    # Users the occurrence was for but who were deactivated when it fired (ids), kept so the
    # author and administrators see who missed it.
    skipped = models.JSONField(_("deactivated recipients skipped"), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "due_at"],
                name="uniq_reminder_occurrence",
                violation_error_message=_("This occurrence already fired."),
                violation_error_code="uniq_reminder_occurrence",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reminder_id}@{self.due_at}"
