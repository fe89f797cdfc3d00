"""API of the tasks area."""


def register(router) -> None:
    pass
