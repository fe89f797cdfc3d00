"""Writes of the notifications area: reading notifications, e-mail preferences, conversations.

Every function takes the acting user (`actor`) and works on the actor's own rows only; a
refusal is a `ValidationError({field: message})`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tawasul.core import clock
from tawasul.core.access import user_company_id
from tawasul.core.cleaning import bad_characters
from tawasul.core.events import declare, emit
from tawasul.core.models import UserPreference

from .choices import EmailCopy
from .models import InternalMessage, MessageThread, NotificationPreference, ThreadParticipant
from .notifications_selectors import message_recipients, notification_queryset, thread_get
from .notify import notify

MESSAGE_SENT = "message.sent"
declare(MESSAGE_SENT, "A message was sent in an internal conversation.")

SUBJECT_MAX = 200
BODY_MAX = 10_000
PREVIEW = 200


# --- notifications ---------------------------------------------------------------------------


def notification_mark_read(*, actor, notification_ids: Iterable[int]) -> int:
    """Mark these of the actor's notifications read (others' are left alone); returns how many
    changed."""
    ids = [pk for pk in notification_ids if pk]
    if not ids:
        return 0
    return (
        notification_queryset(actor, "change")
        .filter(pk__in=ids, read_at__isnull=True)
        .update(read_at=clock.now())
    )


def notification_mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    return (
        notification_queryset(actor, "change")
        .filter(read_at__isnull=True)
        .update(read_at=clock.now())
    )


def notification_preference_get(user) -> NotificationPreference:
    """The user's e-mail preference (an unsaved "no e-mail" one when they never chose)."""
    found = NotificationPreference.objects.filter(user_id=user.pk).first()
    return found or NotificationPreference(user=user, email_copy=EmailCopy.NONE)


def notification_preference_save(*, actor, email_copy: str) -> NotificationPreference:
    """Set how the actor wants e-mail copies of their notifications."""
    if email_copy not in EmailCopy.values:
        raise ValidationError({"email_copy": _("Choose one of the offered options.")})
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user_id=actor.pk, defaults={"email_copy": email_copy}
        )
        if preference.email_copy != email_copy:
            preference.email_copy = email_copy
            preference.save(update_fields=["email_copy"])
    return preference


# --- conversations ---------------------------------------------------------------------------


def _clean_text(field: str, value: str, *, limit: int, multiline: bool) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError(
            {field: _("At most %(limit)s characters, please.") % {"limit": limit}}
        )
    if bad_characters(value, multiline=multiline):
        raise ValidationError({field: _("This text holds characters that are not allowed.")})
    return value


def _languages(users) -> dict[int, str]:
    """Each user's language (the default language when they never chose)."""
    chosen = dict(
        UserPreference.objects.filter(user_id__in=[u.pk for u in users]).values_list(
            "user_id", "language"
        )
    )
    default = translation.get_language() or "en"
    return {u.pk: chosen.get(u.pk) or default for u in users}


def _notify_participants(thread: MessageThread, message: InternalMessage, sender) -> None:
    """Tell the other participants, each in their language (kind "message")."""
    others = [
        p.user
        for p in thread.participants.select_related("user").exclude(user_id=sender.pk)
        if p.user.is_active
    ]
    if not others:
        return
    url = reverse("activities:message_thread", args=[thread.pk]) + f"#message-{message.pk}"
    by_language: dict[str, list] = defaultdict(list)
    languages = _languages(others)
    for user in others:
        by_language[languages[user.pk]].append(user)
    name = _sender_name(sender)
    preview = message.body if len(message.body) <= PREVIEW else message.body[:PREVIEW] + "…"
    for language, users in sorted(by_language.items()):
        with translation.override(language):
            title = _("%(name)s: %(subject)s") % {"name": name, "subject": thread.subject}
            notify(users, kind="message", title=title, body=preview, actor=sender, url=url)


def _sender_name(user) -> str:
    employee = getattr(user, "employee", None)
    if employee is not None:
        return employee.display_name
    return user.get_full_name() or user.username


def message_thread_start(*, actor, recipients: Iterable, subject: str, body: str) -> MessageThread:
    """Start a conversation between the actor and `recipients` (active staff users of the
    actor's company they may pick) with a first message; the others are notified."""
    if not actor.has_perms(["activities.add_messagethread", "activities.add_internalmessage"]):
        raise PermissionDenied
    company_id = user_company_id(actor)
    if company_id is None:
        raise PermissionDenied
    subject = _clean_text("subject", subject, limit=SUBJECT_MAX, multiline=False)
    body = _clean_text("body", body, limit=BODY_MAX, multiline=True)
    wanted = {getattr(u, "pk", u) for u in recipients} - {actor.pk}
    if not wanted:
        raise ValidationError({"recipients": _("Choose at least one person to write to.")})
    allowed = {e.user_id: e.user for e in message_recipients(actor).filter(user_id__in=wanted)}
    if set(allowed) != wanted:
        raise ValidationError({"recipients": _("You may not write to some of these people.")})
    with transaction.atomic():
        now = clock.now()
        thread = MessageThread.objects.create(
            company_id=company_id, subject=subject, started_by=actor, last_message_at=now
        )
        ThreadParticipant.objects.bulk_create(
            [ThreadParticipant(thread=thread, user=actor, last_read_at=now)]
            + [ThreadParticipant(thread=thread, user=allowed[pk]) for pk in sorted(allowed)]
        )
        message = InternalMessage.objects.create(thread=thread, sender=actor, body=body)
        _notify_participants(thread, message, actor)
        emit(MESSAGE_SENT, thread_id=thread.pk, message_id=message.pk, sender_id=actor.pk)
    return thread


def message_reply(*, actor, thread_id: int, body: str) -> InternalMessage:
    """Add the actor's message to a conversation they take part in (404 otherwise); the
    others are notified and the conversation moves to the top of their lists."""
    if not actor.has_perm("activities.add_internalmessage"):
        raise PermissionDenied
    body = _clean_text("body", body, limit=BODY_MAX, multiline=True)
    with transaction.atomic():
        thread = thread_get(actor, thread_id)
        if thread is None:
            raise ValidationError({"thread": _("No such conversation.")})
        thread = MessageThread.objects.select_for_update().get(pk=thread.pk)
        message = InternalMessage.objects.create(thread=thread, sender=actor, body=body)
        thread.last_message_at = message.created_at
        thread.save(update_fields=["last_message_at"])
        ThreadParticipant.objects.filter(thread=thread, user_id=actor.pk).update(
            last_read_at=message.created_at
        )
        _notify_participants(thread, message, actor)
        emit(MESSAGE_SENT, thread_id=thread.pk, message_id=message.pk, sender_id=actor.pk)
    return message


def message_thread_mark_read(*, actor, thread: MessageThread) -> None:
    """The actor has read the conversation up to now (and its notifications with it)."""
    now = clock.now()
    ThreadParticipant.objects.filter(thread=thread, user_id=actor.pk).update(last_read_at=now)
    url = reverse("activities:message_thread", args=[thread.pk])
    notification_queryset(actor, "change").filter(
        kind="message", url__startswith=url + "#", read_at__isnull=True
    ).update(read_at=now)


__all__ = [
    "MESSAGE_SENT",
    "message_reply",
    "message_thread_mark_read",
    "message_thread_start",
    "notification_mark_all_read",
    "notification_mark_read",
    "notification_preference_get",
    "notification_preference_save",
]
