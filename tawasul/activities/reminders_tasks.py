"""Background work of the reminders: the sweep, every minute (thin: one service call)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .reminders_services import reminders_fire_due

__all__ = ["reminders_sweep"]


@db_periodic_task(crontab())
def reminders_sweep() -> None:
    """Every minute: fire the reminders that are due (each occurrence once)."""
    reminders_fire_due()
