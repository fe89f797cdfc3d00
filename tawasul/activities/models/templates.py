"""Message templates written by administrators (rendered by `tawasul.core.templating`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tawasul.core.access import RestrictedQuerySet
from tawasul.core.constraints import ConstraintFieldErrors
from tawasul.core.models import TimeStampedModel


class MessageTemplate(ConstraintFieldErrors, TimeStampedModel):
    """A subject and body in English and Arabic over one kind of record (`kind`, a key of
    `core.templating`), used by tasks, follow-ups, reminders, notifications and e-mail."""

    company = models.ForeignKey("org.Company", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind of record"), max_length=60)
    subject_en = models.CharField(_("subject (English)"), max_length=300)
    body_en = models.TextField(_("body (English)"), blank=True)
    subject_ar = models.CharField(_("subject (Arabic)"), max_length=300, blank=True)
    body_ar = models.TextField(_("body (Arabic)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()
    constraint_error_fields = {"uniq_message_template_name": "name"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="uniq_message_template_name",
                violation_error_message=_("A template with this name already exists."),
                violation_error_code="uniq_message_template_name",
            )
        ]

    def __str__(self) -> str:
        return self.name
