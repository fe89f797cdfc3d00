"""Background work of the automation area: thin Huey tasks (ids in, one service call)."""

from huey.contrib.djhuey import db_task

from .automation_services import automatic_tasks_fire


@db_task()
def automatic_tasks_fire_task(event: str, payload: dict, origin_key: str) -> None:
    """Create the tasks the active rules for `event` ask for (idempotent per origin key)."""
    automatic_tasks_fire(event=event, payload=payload, origin_key=origin_key)
