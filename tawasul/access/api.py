"""DRF plumbing of the access entry point: the permission class of the staff API.

`RestrictedViewSetMixin`, `request_action` and `METHOD_ACTIONS` live in core (`tawasul.core.api`,
`tawasul.core.access`) and are re-exported here for older imports.
"""

from rest_framework.permissions import BasePermission

from tawasul.core.access import METHOD_ACTIONS, action_permission, request_action
from tawasul.core.api import RestrictedViewSetMixin

from .querysets import portal_account

__all__ = ["METHOD_ACTIONS", "ModelActionPermission", "RestrictedViewSetMixin", "request_action"]


class ModelActionPermission(BasePermission):
    """Authenticated staff with the model permission for the request's action.

    Portal accounts never pass: the staff API is not theirs. Row-level narrowing happens in
    `RestrictedViewSetMixin.get_queryset`, so a record outside the user's rights answers 404
    like a missing one.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if portal_account(user) is not None:
            return False
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            return True
        perm = action_permission(queryset.model, request_action(request, view))
        return user.is_superuser or user.has_perm(perm)
