"""What the agenda area declares to the platform (called from `activities.module`)."""


def register(registry) -> None:
    pass
