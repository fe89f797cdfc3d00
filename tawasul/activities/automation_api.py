"""API of the automation area."""


def register(router) -> None:
    pass
