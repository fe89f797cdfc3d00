"""What every activity shares: the record it is about."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectLink(models.Model):
    """The record an activity is about: any governed record (`subject_type`, `subject_id`), and
    the contact it concerns (`contact`, the record itself when it is a contact; later an
    inquiry's or a complaint's contact), so record rules can test the contact's link fields.

    The subject is named to a reader only when `restrict(reader, "view")` on its model returns
    it (`activities.subjects.subject_labels`); otherwise "(not visible to you)"."""

    subject_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kind of record"),
    )
    subject_id = models.BigIntegerField(_("record"), null=True, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )

    class Meta:
        abstract = True
