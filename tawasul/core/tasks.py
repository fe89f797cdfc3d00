"""Background work of the kernel: thin Huey tasks."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .db import planner_statistics_refresh


@db_periodic_task(crontab(hour="3", minute="17"))
def planner_statistics_sweep() -> None:
    """Daily: refresh the query planner's statistics (see `core.db`)."""
    planner_statistics_refresh()
