"""Escalation steps of any record up its holder's reports-to chain (`activities.escalation`)."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from tawasul.core.constraints import ConstraintFieldErrors
from tawasul.core.fields import ClockDateTimeField


class Escalation(ConstraintFieldErrors, models.Model):
    """One level of escalation of one record: taken once (unique per record and level), so two
    sweeps never escalate the same level twice."""

    constraint_error_fields = {"uniq_escalation_level": "level"}

    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.BigIntegerField()
    level = models.PositiveSmallIntegerField(_("level"))
    escalated_to = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = ClockDateTimeField(_("when"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "level"],
                name="uniq_escalation_level",
                violation_error_message=_("This level was already escalated."),
                violation_error_code="uniq_escalation_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_type_id}:{self.subject_id} L{self.level}"
