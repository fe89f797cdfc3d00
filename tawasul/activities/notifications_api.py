"""API of the notifications area."""


def register(router) -> None:
    pass
