"""Background work of the reminders: the sweep every minute, and the e-mails a sweep hands on
(thin: each calls one service)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .reminders_services import reminder_emails_send, reminders_fire_due

__all__ = ["reminder_emails_task", "reminders_sweep"]


@db_periodic_task(crontab())
def reminders_sweep() -> None:
    """Every minute: fire the reminders that are due (each occurrence once)."""
    reminders_fire_due()


@db_task()
def reminder_emails_task(mails: list[list[str]]) -> None:
    """Send the e-mails of fired reminders: [subject, body, address] each."""
    reminder_emails_send(mails)
