"""Type aliases the platform's signatures share (checked by mypy, pyproject.toml [tool.mypy])."""

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser

# Who performs a service call: a signed-in user (the project's user model is Django's `User`,
# an AbstractUser), a request's user before the view's permission check (possibly anonymous), or
# None for the system itself (migrations, sweeps, tasks, demo data).
Actor: TypeAlias = "AbstractUser | AnonymousUser | None"
