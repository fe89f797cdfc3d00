"""Background work of the followups area: thin Huey tasks that call one service each."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .followups_generator import follow_ups_generate
from .followups_services import follow_ups_flag_overdue

__all__ = ["follow_ups_generate_daily", "follow_ups_overdue_sweep"]


@db_periodic_task(crontab(hour="2", minute="40"))
def follow_ups_generate_daily() -> None:
    """Every day: the follow-ups rules and registered sources have due (safe to rerun, and on
    several consumers at once: the database keeps one per rule, contact and day)."""
    follow_ups_generate()


@db_periodic_task(crontab(minute="*/5"))
def follow_ups_overdue_sweep() -> None:
    """Every five minutes: tell assignees once about follow-ups that passed their due time."""
    follow_ups_flag_overdue()
