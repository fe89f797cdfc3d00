"""API of the reminders area."""


def register(router) -> None:
    pass
