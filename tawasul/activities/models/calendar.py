"""Private calendar feeds (.ics) per user."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tawasul.core.fields import ClockDateTimeField


class CalendarFeed(models.Model):
    """A user's private, read-only `.ics` feed: the random `token` is the whole credential, so
    revoking it (deleting the row or issuing a new one) cuts off every calendar that had it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = ClockDateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"
