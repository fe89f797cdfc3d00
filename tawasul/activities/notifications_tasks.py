"""Background work of the notifications area: thin Huey tasks, ids in, one service call.

Importing this module also hooks the e-mail copies into `notify` (`notify.AFTER_NOTIFY`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .notifications_mail import (
    digests_send_due,
    email_copies_after_notify,
    notification_email_send,
)
from .notify import AFTER_NOTIFY


@db_task()
def notification_emails_task(notification_ids: list[int]) -> None:
    """Send the e-mail copy of each of these notifications (see `notification_email_send`)."""
    for notification_id in notification_ids:
        notification_email_send(notification_id=notification_id)


@db_periodic_task(crontab(minute="7"))
def notification_digests_sweep() -> None:
    """Hourly: send the daily digests that are due (each user once a day)."""
    digests_send_due()


def _email_copies(rows) -> None:
    email_copies_after_notify(rows, notification_emails_task)


if _email_copies not in AFTER_NOTIFY:
    AFTER_NOTIFY.append(_email_copies)

__all__ = ["notification_digests_sweep", "notification_emails_task"]
