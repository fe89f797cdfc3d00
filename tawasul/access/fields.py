"""Field-level rights: sensitive fields hidden from roles without the matching permission.

Modules declare a sensitive field once with the permission that reveals it; pages, the API
and exports ask `can_see` before showing or accepting it.
"""

_SENSITIVE: dict[str, str] = {}


def sensitive(label: str, permission: str) -> None:
    """Declare `label` ("app.model.field") visible only with `permission`."""
    _SENSITIVE[label] = permission


def can_see(user, label: str) -> bool:
    permission = _SENSITIVE.get(label)
    if permission is None:
        return True
    return bool(user and user.is_authenticated and user.has_perm(permission))
