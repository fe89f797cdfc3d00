"""The fixed choices of the activities."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.WAITING)


class Channel(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Cadence(models.TextChoices):
    SINCE_FOLLOW_UP = "since_follow_up", _("Every N days since the last completed follow-up")
    SINCE_ACTIVITY = "since_activity", _("Every N days since the last activity")
    DAYS_OF_MONTH = "days_of_month", _("On fixed days of the month")


class AssignTo(models.TextChoices):
    REPRESENTATIVE = "representative", _("The contact's representative")
    COORDINATOR = "coordinator", _("The contact's coordinator")
    USER = "user", _("A named user")


class TaskTarget(models.TextChoices):
    USER = "user", _("A named user")
    ROLE = "role", _("Everyone with a role")
    REPRESENTATIVE = "representative", _("The record's representative")
    COORDINATOR = "coordinator", _("The record's coordinator")
    MANAGER = "manager", _("The record's representative's manager")
    ACTOR_MANAGER = "actor_manager", _("The manager of who did it")


class EmailCopy(models.TextChoices):
    NONE = "none", _("No e-mail")
    EACH = "each", _("An e-mail for each notification")
    DIGEST = "digest", _("One daily digest")
