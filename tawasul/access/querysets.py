"""The one access entry point: `Model.objects.restrict(user, action)`.

Every view, API viewset, search, export, dropdown and report reads governed records through
`restrict`. Today it grants by model permission (`<app>.<action>_<model>`) and confines a user
to the company of their employee record; record rules on link fields plug in here, so callers
never change.
"""

from django.db import models

# The lookup from a model to its company, declared on the model as `access_company_path`.
DEFAULT_COMPANY_PATH = "company"


def user_company_id(user) -> int | None:
    """The company a staff user works for (cached on the user object for the request)."""
    if not hasattr(user, "_tawasul_company_id"):
        employee = getattr(user, "employee", None) if user.is_authenticated else None
        user._tawasul_company_id = employee.company_id if employee else None
    return user._tawasul_company_id


def action_permission(model: type[models.Model], action: str) -> str:
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may do."""

    def restrict(self, user, action: str = "view") -> "RestrictedQuerySet":
        """Rows of this queryset on which `user` may perform `action`; none when in doubt."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if not user.has_perm(action_permission(self.model, action)):
            return self.none()
        company_path = getattr(self.model, "access_company_path", DEFAULT_COMPANY_PATH)
        if company_path is None:
            return self
        company_id = user_company_id(user)
        if company_id is None:
            return self.none()
        return self.filter(**{company_path: company_id})


def get_restricted_or_404(queryset: models.QuerySet, user, action: str = "view", **lookup):
    """Fetch one record the user may act on; 404 alike for missing and forbidden."""
    from django.http import Http404

    model = queryset.model
    try:
        return queryset.restrict(user, action).get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {model._meta.verbose_name} matches the given query.")
