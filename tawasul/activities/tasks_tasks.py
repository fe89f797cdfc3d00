"""Background work of the tasks area: the overdue sweep (thin; the service does the work)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .tasks_services import tasks_sweep

__all__ = ["tasks_overdue_sweep"]


@db_periodic_task(crontab(minute="*/5"))
def tasks_overdue_sweep() -> None:
    """Every five minutes: flag overdue tasks once and escalate them level by level."""
    tasks_sweep()
