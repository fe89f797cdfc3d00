"""DRF plumbing of the access entry point: permission class and the restricted viewset."""

from django.http import Http404
from rest_framework.permissions import BasePermission

from tawasul.core.timezones import UserTimeZoneMixin

from .querysets import action_permission, portal_account

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def request_action(request, view=None) -> str:
    return getattr(view, "access_action", None) or METHOD_ACTIONS.get(request.method, "view")


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


class RestrictedViewSetMixin(UserTimeZoneMixin):
    """Every viewset of a governed or company-scoped model reads through `restrict`.

    Dates are read and written in the requesting user's time zone (`zone_for`), token or not.

    Reads use the "view" action, updates "change", deletes "delete": a record the user may see
    but not change answers 404 to a PATCH. Forbidden-but-existing records are logged.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.restrict(self.request.user, request_action(self.request, self))

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            from .audit import log_denial

            lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            model = self.queryset.model
            try:
                exists = model._base_manager.filter(pk=lookup).exists()
            except (ValueError, TypeError):
                exists = False
            if exists:
                log_denial(
                    user=self.request.user,
                    model=model,
                    object_id=lookup,
                    action=request_action(self.request, self),
                    request=self.request,
                )
            raise
