"""The access policy behind `Model.objects.restrict(user, action)`.

`tawasul.core.access` defines the entry points (`RestrictedQuerySet.restrict`,
`get_restricted_or_404`, `verify_within`, `user_company_id`); this module is the policy the access
app plugs into them at start-up (`AccessConfig.ready` calls `set_policy(POLICY)`). It answers, in
order:
1. nobody signed in, or an inactive account: nothing;
2. a portal account: only the records about its own subject (for governed models that
   declare a portal path, see `registry.portal_subject`), and nothing else, ever;
3. a superuser: everything (of their own company, when they work for one);
4. no model permission for the action (`<app>.<action>_<model>`): nothing;
5. everything else is confined to the user's company, and for governed models to the union of
   the record rules that reach the user (deny by default: no rule, no row).

The core names are re-exported here, so `from tawasul.access.querysets import ...` keeps working.
"""

from django.db import models

from tawasul.core.access import (  # noqa: F401  (re-exported)
    ALL,
    NONE,
    RULES,
    RestrictedQuerySet,
    action_permission,
    get_restricted_or_404,
    user_company_id,
    verify_within,
)
from tawasul.org.models import Company

from .audit import log_denial
from .models import PortalAccount
from .registry import get_portal_subject, governed
from .rules import user_rules_q

# The lookup from a model to its company, declared on the model as `access_company_path`.
DEFAULT_COMPANY_PATH = "company"


def portal_account(user):
    """The user's active portal account, or None for staff (cached on the user object)."""
    if "_tawasul_portal" not in user.__dict__:
        account = None
        # A user loaded by the sign-in backend says whether a portal account exists at all
        # (`accounts.account_state`): staff need no query.
        if user.is_authenticated and getattr(user, "account_portal", True):
            account = (
                PortalAccount.objects.filter(user_id=user.pk, is_active=True)
                .select_related("contact")
                .first()
            )
        user.__dict__["_tawasul_portal"] = account
    return user.__dict__["_tawasul_portal"]


def user_company(user) -> Company | None:
    """The Company a user works for (or is a customer of), or None."""
    company_id = user_company_id(user)
    return Company._default_manager.filter(pk=company_id).first() if company_id else None


class RecordRulePolicy:
    """Record rules, company confinement and portal accounts (`tawasul.core.access.AccessPolicy`)."""

    def company_id(self, user) -> int | None:
        """The company a user works for, or is a customer of (cached on the user object)."""
        if "_tawasul_company_id" not in user.__dict__:
            company_id = None
            if user.is_authenticated:
                employee = getattr(user, "employee", None)
                if employee is not None:
                    company_id = employee.company_id
                else:
                    account = portal_account(user)
                    company_id = account.contact.company_id if account else None
            user.__dict__["_tawasul_company_id"] = company_id
        return user.__dict__["_tawasul_company_id"]

    def denied(self, *, user, model, object_id="", action="", request=None) -> None:
        """Write the denied attempt to the access audit (`audit.log_denial`)."""
        log_denial(user=user, model=model, object_id=object_id, action=action, request=request)

    def restrict(self, queryset: models.QuerySet, user, action: str) -> models.QuerySet:
        """Rows of `queryset` on which `user` may perform `action`; none when in doubt."""
        if user is None or not user.is_authenticated or not user.is_active:
            return queryset.none()
        account = portal_account(user)
        if account is not None:
            return self._restrict_portal(queryset, user, account, action)
        model = queryset.model
        company_path = getattr(model, "access_company_path", DEFAULT_COMPANY_PATH)
        if user.is_superuser:
            # A superuser who works for a company sees that company's records (which also lets
            # lists use the (company, sort, id) indexes); one without an employee sees all.
            company_id = user_company_id(user)
            if company_path is None or company_id is None:
                return queryset
            return queryset.filter(**{company_path: company_id})
        if not user.has_perm(action_permission(model, action)):
            return queryset.none()
        if company_path is not None:
            company_id = user_company_id(user)
            if company_id is None:
                return queryset.none()
            queryset = queryset.filter(**{company_path: company_id})
        entry = governed(model)
        if entry is None:
            return queryset
        condition = _with_involvement(user, entry, action, user_rules_q(user, entry, action))
        if condition is None:
            return queryset.none()
        return queryset.filter(condition)

    def scope(self, user, model: type[models.Model], action: str) -> str:
        """`restrict`'s answer for `model` when it needs no query (`core.access.access_scope`):
        ALL for a superuser, for a model no rule governs and for a rule granting all records;
        NONE without the permission or the company; RULES otherwise (portal accounts too)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return NONE
        if portal_account(user) is not None:
            return RULES
        company_path = getattr(model, "access_company_path", DEFAULT_COMPANY_PATH)
        if user.is_superuser:
            return ALL
        if not user.has_perm(action_permission(model, action)):
            return NONE
        if company_path is not None and user_company_id(user) is None:
            return NONE
        entry = governed(model)
        if entry is None:
            return ALL
        condition = user_rules_q(user, entry, action)
        if condition is not None and not condition.children:
            return ALL
        if condition is None and entry.involved is None:
            return NONE
        return RULES

    def _restrict_portal(self, queryset, user, account, action: str) -> models.QuerySet:
        entry = governed(queryset.model)
        if entry is None or entry.portal_path is None or action not in ("view", "change"):
            return queryset.none()
        # The active portal account itself grants viewing its own records; anything more
        # (changing them) needs the model permission on top.
        if action != "view" and not user.has_perm(action_permission(queryset.model, action)):
            return queryset.none()
        condition = models.Q(**{entry.portal_path: account.contact_id})
        subject = get_portal_subject()
        if entry.portal_dealer_path and subject is not None and subject.is_dealer(account.contact):
            condition |= models.Q(**{entry.portal_dealer_path: account.contact_id})
        return queryset.filter(condition)


def _with_involvement(user, entry, action: str, condition: models.Q | None) -> models.Q | None:
    """The rules' condition widened by the records the user takes part in (`Governed.involved`);
    a condition granting every row (no children) stays as it is."""
    if entry.involved is None or (condition is not None and not condition.children):
        return condition
    involved = entry.involved(user, action)
    if involved is None:
        return condition
    return involved if condition is None else condition | involved


POLICY = RecordRulePolicy()
