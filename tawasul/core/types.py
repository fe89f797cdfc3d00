"""Type aliases the platform's signatures share (checked by mypy, pyproject.toml [tool.mypy])."""

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Who performs a service call: a signed-in user (the project's user model is Django's `User`,
# AUTH_USER_MODEL is not swapped), a request's user before the view's permission check (possibly
# anonymous), or None for the system itself (migrations, sweeps, tasks, demo data).
Actor: TypeAlias = "User | AnonymousUser | None"
