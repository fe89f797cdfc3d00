"""E-mail copies of notifications: one mail per notification, or one daily digest.

A user chooses in their `NotificationPreference`. `notify` writes the inbox rows; its
`AFTER_NOTIFY` hook (`email_copies_after_notify`) hands the rows of users who want one mail each
to a Huey task *after the transaction commits* (a rolled-back write sends nothing). The digest is
a periodic sweep (`digests_send_due`). Both claim their rows before sending (a conditional
UPDATE on `emailed_at`, and on the preference's `last_digest_at` for the digest), so two
consumers never send the same copy twice; a failed send rolls its claim back.

A mail is worded in the recipient's language and names the record only if the recipient may
still view it when the mail is written (`notifications_shown`): otherwise the neutral text.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tawasul.core import clock
from tawasul.core.http import site_url
from tawasul.core.models import UserPreference
from tawasul.core.timezones import day_start, local_day, zone_for

from .choices import EmailCopy
from .models import Notification, NotificationPreference
from .notifications_selectors import notifications_shown

# The local hour from which a user's daily digest is sent (their zone).
DIGEST_HOUR = 7
# At most this many notifications in one digest (the rest say "and N more" and wait in the inbox).
DIGEST_MAX = 50


def _language(user) -> str:
    chosen = UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True)
    return chosen.first() or settings.LANGUAGE_CODE


def _send(user, subject: str, template: str, context: dict) -> None:
    text = render_to_string(f"activities/notifications/{template}.txt", context)
    html = render_to_string(f"activities/notifications/{template}.html", context)
    mail = EmailMultiAlternatives(
        subject=subject.replace("\n", " ")[:200], body=text, to=[user.email]
    )
    mail.attach_alternative(html, "text/html")
    mail.send()


def notification_email_send(*, notification_id: int) -> bool:
    """Send the e-mail copy of one notification if its recipient still wants one; claims the
    row (`emailed_at`) first so it is sent at most once. Returns whether a mail went out."""
    with transaction.atomic():
        claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
            emailed_at=clock.now()
        )
        if not claimed:
            return False
        notification = Notification.objects.select_related("recipient").get(pk=notification_id)
        user = notification.recipient
        wanted = NotificationPreference.objects.filter(
            user_id=user.pk, email_copy=EmailCopy.EACH
        ).exists()
        if not (wanted and user.is_active and user.email):
            return False
        with translation.override(_language(user)):
            shown = notifications_shown(user, [notification])[0]
            context = {"user": user, "item": shown, "link": site_url(shown.url)}
            _send(user, shown.title, "email_one", context)
    return True


def _digest_threshold(user, now: datetime.datetime) -> datetime.datetime | None:
    """The moment today's digest became due for `user` (their zone), or None before it."""
    zone = zone_for(user)
    due = day_start(local_day(now, zone), zone) + datetime.timedelta(hours=DIGEST_HOUR)
    return due if now >= due else None


def digest_send(*, user_id: int, now: datetime.datetime | None = None) -> int:
    """Send `user_id`'s daily digest of their unread notifications not yet e-mailed, if it is
    due and not sent today. Claims the day (`last_digest_at`) and the rows (`emailed_at`) in
    one transaction with the send. Returns how many notifications the mail listed (0: none)."""
    now = now or clock.now()
    preference = (
        NotificationPreference.objects.select_related("user")
        .filter(user_id=user_id, email_copy=EmailCopy.DIGEST)
        .first()
    )
    if preference is None:
        return 0
    user = preference.user
    threshold = _digest_threshold(user, now)
    if threshold is None or not (user.is_active and user.email):
        return 0
    with transaction.atomic():
        claimed = (
            NotificationPreference.objects.filter(pk=preference.pk, email_copy=EmailCopy.DIGEST)
            .filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lt=threshold))
            .update(last_digest_at=now)
        )
        if not claimed:
            return 0
        waiting = Notification.objects.filter(
            recipient_id=user.pk, read_at__isnull=True, emailed_at__isnull=True
        ).order_by("-created_at", "-id")
        rows = list(waiting.select_for_update(skip_locked=True)[:DIGEST_MAX])
        if not rows:
            # Nothing to tell: leave the day unclaimed, so a notification later today still
            # gets its digest.
            transaction.set_rollback(True)
            return 0
        more = waiting.count() - len(rows)
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(emailed_at=now)
        with translation.override(_language(user)):
            items = notifications_shown(user, rows)
            context = {
                "user": user,
                "items": [(item, site_url(item.url)) for item in items],
                "more": more,
                "inbox": site_url(reverse("activities:notification_list")),
            }
            subject = _("Your notifications: %(count)s unread") % {"count": len(rows) + more}
            _send(user, subject, "email_digest", context)
    return len(rows)


def digests_send_due(now: datetime.datetime | None = None) -> int:
    """Send every digest that is due (users who chose the daily digest and got none since
    today's digest hour in their zone). Returns how many mails went out."""
    now = now or clock.now()
    # Anyone whose last digest is less than 20 hours old got today's already.
    candidates = (
        NotificationPreference.objects.filter(email_copy=EmailCopy.DIGEST, user__is_active=True)
        .filter(
            Q(last_digest_at__isnull=True)
            | Q(last_digest_at__lt=now - datetime.timedelta(hours=20))
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    sent = 0
    for user_id in list(candidates):
        if digest_send(user_id=user_id, now=now):
            sent += 1
    return sent


def email_copies_after_notify(rows: list[Notification], enqueue: Callable[[list[int]], None]):
    """For the `rows` `notify` just wrote: those whose recipient wants one mail each are given
    to `enqueue` (the Huey task) once the transaction commits."""
    users = {row.recipient_id for row in rows}
    if not users:
        return
    wanted = set(
        NotificationPreference.objects.filter(
            user_id__in=users, email_copy=EmailCopy.EACH
        ).values_list("user_id", flat=True)
    )
    ids = [row.pk for row in rows if row.recipient_id in wanted and row.pk]
    if ids:
        transaction.on_commit(lambda: enqueue(ids))
