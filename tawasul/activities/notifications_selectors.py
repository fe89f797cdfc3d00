"""Reads of the notifications area: the inbox, the bell, conversations.

Every read starts from `restrict(user, "view")` and narrows to the reader's own rows on top
(`recipient=user` for notifications, `ThreadParticipant` for conversations).

A notification names its record only while the reader may view it, checked when it is shown
(`notifications_shown`): the title and body were worded when it was written and may name the
record, so when the record is hidden now (or gone) neither is shown; a neutral sentence and the
kind's label take their place, with no link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, When
from django.utils.translation import gettext_lazy

from tawasul.org.models import Employee

from .models import MessageThread, Notification, ThreadParticipant
from .subjects import NO_SUBJECT, SubjectLabel, subject_labels

# Notification kinds are dotted names ("task.assigned"); the inbox groups them by their first
# part. Areas and later modules add their own with `register_kind_family`.
KIND_FAMILIES: dict[str, object] = {
    "task": gettext_lazy("Task"),
    "followup": gettext_lazy("Follow-up"),
    "reminder": gettext_lazy("Reminder"),
    "escalation": gettext_lazy("Escalation"),
    "message": gettext_lazy("Message"),
}
OTHER_KIND = gettext_lazy("Notification")
HIDDEN_TITLE = gettext_lazy("A record you can no longer see was updated")
BELL_SIZE = 5
BELL_CAP = 99  # the bell counts up to this many unread, then shows "99+"


def register_kind_family(family: str, label) -> None:
    """Name a family of notification kinds (`family` or `family.<anything>`) in the inbox."""
    KIND_FAMILIES[family] = label


def kind_family(kind: str) -> str:
    """The family of a kind: its part before the first dot ("" when it names no family)."""
    family = kind.split(".", 1)[0]
    return family if family in KIND_FAMILIES else ""


def kind_label(kind: str) -> str:
    """The words for a notification's kind, in the active language."""
    return str(KIND_FAMILIES.get(kind_family(kind), OTHER_KIND))


@dataclass(frozen=True)
class NotificationShown:
    """A notification as one reader may see it now."""

    notification: Notification
    title: str
    body: str
    url: str
    subject: SubjectLabel
    kind_label: str

    @property
    def pk(self) -> int:
        return self.notification.pk

    @property
    def hidden(self) -> bool:
        return self.subject.hidden

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


def shown_one(notification: Notification, label: SubjectLabel) -> NotificationShown:
    """`notification` as shown given its record's `label` for the reader (the safe rule)."""
    kind = kind_label(notification.kind)
    if label.hidden:
        return NotificationShown(notification, str(HIDDEN_TITLE), "", "", label, kind)
    return NotificationShown(
        notification, notification.title, notification.body, notification.url, label, kind
    )


def notifications_shown(user, rows) -> list[NotificationShown]:
    """`rows` (the reader's notifications) as `user` may see them now: one `restrict` query per
    kind of record among them at most, one more to name the visible records."""
    rows = list(rows)
    with_subject = [row for row in rows if row.subject_type_id and row.subject_id]
    labels = subject_labels(user, with_subject) if with_subject else {}
    return [shown_one(row, labels.get(row.pk, NO_SUBJECT)) for row in rows]


def notification_queryset(user, action: str = "view") -> QuerySet:
    """The user's own notifications, newest first."""
    return Notification.objects.restrict(user, action).filter(recipient_id=user.pk)


def notification_get(user, pk, action: str = "view") -> Notification | None:
    """One of the user's notifications, or None (missing and someone else's alike)."""
    return notification_queryset(user, action).filter(pk=pk).first()


def unread_count(user, cap: int = BELL_CAP) -> tuple[int, bool]:
    """How many unread notifications the user has, up to `cap` (and whether there are more):
    one query on the partial index `notification_unread`."""
    found = notification_queryset(user).filter(read_at__isnull=True).order_by()[: cap + 1].count()
    return min(found, cap), found > cap


def bell_rows(user, size: int = BELL_SIZE) -> list[Notification]:
    """The latest notifications for the bell's menu (read or not)."""
    return list(notification_queryset(user).order_by("-created_at", "-id")[:size])


# --- conversations -------------------------------------------------------------------------


def thread_queryset(user, action: str = "view") -> QuerySet:
    """The conversations the user takes part in (company-scoped by `restrict`), each with the
    user's `my_last_read_at` and `unread` (a message came after they last read it)."""
    mine = ThreadParticipant.objects.filter(thread=OuterRef("pk"), user_id=user.pk)
    return (
        MessageThread.objects.restrict(user, action)
        .filter(Exists(mine))
        .annotate(
            my_last_read_at=mine.values("last_read_at")[:1],
        )
        .annotate(
            unread=Case(
                When(my_last_read_at__isnull=True, then=True),
                When(last_message_at__gt=F("my_last_read_at"), then=True),
                default=False,
            ),
        )
    )


def thread_get(user, pk, action: str = "view") -> MessageThread | None:
    """A conversation the user takes part in, or None (missing and not theirs alike)."""
    return thread_queryset(user, action).filter(pk=pk).first()


def thread_unread_count(user) -> int:
    """How many of the user's conversations have a message they have not read."""
    return (
        ThreadParticipant.objects.filter(user_id=user.pk, thread__in=thread_queryset(user))
        .filter(Q(last_read_at__isnull=True) | Q(thread__last_message_at__gt=F("last_read_at")))
        .count()
    )


def message_recipients(user) -> QuerySet:
    """Who the user may write to: active staff users of their company, through `restrict` on
    employees, themself left out."""
    return (
        Employee.objects.restrict(user, "view")
        .filter(is_active=True, user__isnull=False, user__is_active=True)
        .exclude(user_id=user.pk)
        .select_related("user")
    )


__all__ = [
    "BELL_CAP",
    "BELL_SIZE",
    "HIDDEN_TITLE",
    "KIND_FAMILIES",
    "NotificationShown",
    "bell_rows",
    "kind_family",
    "kind_label",
    "message_recipients",
    "notification_get",
    "notification_queryset",
    "notification_widget",
    "notifications_shown",
    "register_kind_family",
    "shown_one",
    "thread_get",
    "thread_queryset",
    "thread_unread_count",
    "unread_count",
]


def notification_widget(user) -> dict:
    """The home page's "Unread notifications" widget: the count and the latest three unread,
    read from the user's own rows only."""
    count, more = unread_count(user)
    rows = list(notification_queryset(user).filter(read_at__isnull=True)[:3]) if count else []
    return {
        "unread_count": count,
        "unread_more": more,
        "unread_items": notifications_shown(user, rows),
    }
