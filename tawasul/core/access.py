"""The access protocol: how every module reads and writes governed records.

Every view, API viewset, search, export, dropdown, report and notification reads records through
`Model.objects.restrict(user, action)` (a `RestrictedQuerySet`), fetches one record with
`get_restricted_or_404`, and checks a write with `verify_within`. This module defines those entry
points; *who may see which rows* is a policy that the access app installs at start-up with
`set_policy` (`tawasul.access.querysets.RecordRulePolicy`). Core and the layers below the access
app therefore never import it.

Until a policy is installed, `restrict` answers no rows at all and `user_company_id` answers None:
deny by default, so a process that did not load the access app leaks nothing.
"""

from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _


class AccessPolicy(Protocol):
    """What the installed policy answers (see `tawasul.access.querysets.RecordRulePolicy`)."""

    def restrict(self, queryset: models.QuerySet, user, action: str) -> models.QuerySet:
        """The rows of `queryset` on which `user` may perform `action`; none when in doubt."""

    def company_id(self, user) -> int | None:
        """The key of the company `user` works for or is a customer of, or None."""

    def denied(self, *, user, model, object_id: Any, action: str, request=None) -> None:
        """Record that `user` tried to reach an existing record outside their rights."""

    def scope(self, user, model: type[models.Model], action: str) -> str:
        """How far `restrict` narrows `model` for `user`, known without a query: `ALL` (every
        row of the user's company, or every row when the model has no company), `NONE`, or
        `RULES` (it depends on the rows: ask `restrict`)."""


_POLICY: list[AccessPolicy | None] = [None]

# What `scope` answers (AccessPolicy.scope).
ALL, NONE, RULES = "all", "none", "rules"


def set_policy(policy: AccessPolicy | None) -> AccessPolicy | None:
    """Install `policy` for the whole process (None uninstalls); returns the previous one."""
    previous, _POLICY[0] = _POLICY[0], policy
    return previous


def get_policy() -> AccessPolicy | None:
    """The installed policy, or None before the access app is ready."""
    return _POLICY[0]


def action_permission(model: type[models.Model], action: str) -> str:
    """The model permission an action needs: `"<app_label>.<action>_<model_name>"`."""
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


# The action an HTTP method performs, unless the view names one (`access_action`).
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
    """The action a request performs: the view's `access_action`, else by its HTTP method."""
    return getattr(view, "access_action", None) or METHOD_ACTIONS.get(request.method, "view")


def user_company_id(user) -> int | None:
    """The company a user works for, or is a customer of; None without one (or a policy)."""
    policy = _POLICY[0]
    return policy.company_id(user) if policy is not None else None


def log_denial(*, user, model, object_id: Any = "", action: str = "", request=None) -> None:
    """Hand a denied attempt on an existing record to the policy's audit (no policy: nothing)."""
    policy = _POLICY[0]
    if policy is not None:
        policy.denied(user=user, model=model, object_id=object_id, action=action, request=request)


def record_exists(model: type[models.Model], pk: Any) -> bool:
    """Whether a row with this key exists at all, whoever may see it (False for a bad key)."""
    try:
        return model._base_manager.filter(pk=pk).exists()
    except (ValueError, TypeError):
        return False


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may do."""

    def restrict(self, user, action: str = "view") -> models.QuerySet:
        """Rows of this queryset on which `user` may perform `action`; none when in doubt
        (and none at all while no policy is installed)."""
        policy = _POLICY[0]
        if policy is None:
            return self.none()
        return policy.restrict(self, user, action)


def access_scope(user, model: type[models.Model], action: str = "view") -> str:
    """`ALL`, `NONE` or `RULES`: whether `restrict(user, action)` on `model` gives every row of
    the user's company, none, or rows that only a query can tell (`AccessPolicy.scope`).

    For skipping a query whose answer is known: a page asking which linked records a user may
    view needs none for a model the user sees whole. Links never cross companies (services
    check them with `verify_within`), so a linked record of a row the user sees is in the
    user's company. NONE while no policy is installed.
    """
    policy = _POLICY[0]
    if policy is None:
        return NONE
    return policy.scope(user, model, action)


def get_restricted_or_404(queryset: Any, user, action: str = "view", **lookup):
    """Fetch one record the user may act on; Http404 alike for missing and forbidden.

    `queryset` is a `RestrictedQuerySet` or a manager of one; `lookup` are the field lookups of
    `QuerySet.get` (a bad value, like a text key, is a 404).
    A record that exists but is out of the user's rights is logged as a denied attempt.
    """
    model = queryset.model
    try:
        return queryset.restrict(user, action).get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError):
        try:
            exists = model._base_manager.filter(**lookup).exists()
        except (ValueError, TypeError):
            exists = False
        if exists:
            log_denial(user=user, model=model, object_id=lookup.get("pk", ""), action=action)
        raise Http404(f"No {model._meta.verbose_name} matches the given query.")


def verify_within(actor, instance: models.Model, action: str, message=None) -> None:
    """After a write, in its transaction: the record must be within the actor's rights.

    Raises PermissionDenied (the caller's transaction then rolls back) when `actor` could not
    have `action` on the record as saved: another company's, or outside their rules. `actor`
    None is the system (demo loader, migrations, jobs), which acts with full rights.
    """
    if actor is None:
        return
    manager: Any = type(instance)._default_manager  # a RestrictedQuerySet's manager
    if not manager.restrict(actor, action).filter(pk=instance.pk).exists():
        raise PermissionDenied(message or _("You may not save this record with these values."))
