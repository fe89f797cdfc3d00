"""The contacts module's part of the default roles (filled in by the next commit)."""


def register(registry) -> None:
    """Nothing yet: the default roles still hold their contact rights in access.roles."""
