"""API of the followups area."""


def register(router) -> None:
    pass
