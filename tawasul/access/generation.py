"""The generation of the record rules: one counter that every cached copy of compiled rules is
checked against (`rules.user_rules`), bumped whenever rules, memberships, the employee tree or a
governed tree change."""

from itertools import count

_generation = count(1)
GENERATION = [next(_generation)]


def bump_generation(*args, **kwargs) -> None:
    """Forget every cached copy of the rules (a signal receiver: takes any arguments)."""
    GENERATION[0] = next(_generation)
