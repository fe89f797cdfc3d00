"""Notifications (the inbox and its bell), e-mail preferences, and internal messages."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tawasul.core.access import RestrictedQuerySet
from tawasul.core.constraints import ConstraintFieldErrors
from tawasul.core.fields import ClockDateTimeField

from ..choices import EmailCopy
from .common import SubjectLink


class Notification(SubjectLink, models.Model):
    """Something a user should know, in their inbox. The record it is about is named only when
    the recipient may view it at the time the inbox renders (checked again then)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = ClockDateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    # Per user, not per company: every read narrows to `recipient=user` on top of `restrict`
    # (which checks the permission and refuses portal accounts).
    access_company_path = None

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"]),
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """How a user wants e-mail copies of their notifications."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_copy = models.CharField(
        _("e-mail copies"), max_length=10, choices=EmailCopy.choices, default=EmailCopy.NONE
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.email_copy}"


class MessageThread(models.Model):
    """A conversation between staff users."""

    company = models.ForeignKey("org.Company", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("subject"), max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(_("created"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message"), db_index=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.subject


class ThreadParticipant(ConstraintFieldErrors, models.Model):
    """Who is in a conversation, and up to when they have read it."""

    constraint_error_fields = {"uniq_thread_participant": "user"}

    thread = models.ForeignKey(MessageThread, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "user"],
                name="uniq_thread_participant",
                violation_error_message=_("This person is already in the conversation."),
                violation_error_code="uniq_thread_participant",
            )
        ]
        indexes = [models.Index(fields=["user", "thread"])]

    def __str__(self) -> str:
        return f"{self.thread_id}: {self.user_id}"


class InternalMessage(models.Model):
    """One message of a conversation."""

    thread = models.ForeignKey(MessageThread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    created_at = ClockDateTimeField(_("sent"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    access_company_path = "thread__company"

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"])]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.body[:60]
