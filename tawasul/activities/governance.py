"""Tasks and follow-ups declare their link fields to the access engine (see issue 12 §1)."""


def register() -> None:
    """Declare the activities' governed models (called from the app's `ready`)."""
    from .tasks_access import register as register_tasks

    register_tasks()
