"""DRF permission that maps HTTP methods onto the access actions of `restrict`."""

from rest_framework.permissions import BasePermission

from .querysets import action_permission

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class ModelActionPermission(BasePermission):
    """Authenticated staff with the model permission for the request's action.

    Row-level narrowing happens in each viewset's `get_queryset` through `restrict`, so a record
    outside the user's rights answers 404 like a missing one.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            return True
        action = getattr(view, "access_action", None) or METHOD_ACTIONS.get(request.method, "view")
        return user.is_superuser or user.has_perm(action_permission(queryset.model, action))
