"""What the tasks area declares to the platform (called from `activities.module`)."""


def register(registry) -> None:
    pass
