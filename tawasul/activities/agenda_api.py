"""API of the agenda area."""


def register(router) -> None:
    pass
