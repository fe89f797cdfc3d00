"""The one access entry point: `Model.objects.restrict(user, action)`.

Every view, API viewset, search, export, dropdown, report and notification reads governed
records through `restrict`. It answers, in order:
1. nobody signed in, or an inactive account: nothing;
2. a portal account: only the records about its own contact (for governed models that
   declare a portal path), and nothing else, ever;
3. a superuser: everything (of their own company, when they work for one);
4. no model permission for the action (`<app>.<action>_<model>`): nothing;
5. everything else is confined to the user's company, and for governed models to the union of
   the record rules that reach the user (deny by default: no rule, no row).
"""

from django.db import models

# The lookup from a model to its company, declared on the model as `access_company_path`.
DEFAULT_COMPANY_PATH = "company"


def portal_account(user):
    """The user's active portal account, or None for staff (cached on the user object)."""
    if "_tawasul_portal" not in user.__dict__:
        account = None
        if user.is_authenticated:
            from .models import PortalAccount

            account = (
                PortalAccount.objects.filter(user_id=user.pk, is_active=True)
                .select_related("contact")
                .first()
            )
        user.__dict__["_tawasul_portal"] = account
    return user.__dict__["_tawasul_portal"]


def user_company_id(user) -> int | None:
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


def user_company(user):
    """The Company a user works for (or is a customer of), or None."""
    from tawasul.org.models import Company

    company_id = user_company_id(user)
    return Company._default_manager.filter(pk=company_id).first() if company_id else None


def action_permission(model: type[models.Model], action: str) -> str:
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may do."""

    def restrict(self, user, action: str = "view") -> "RestrictedQuerySet":
        """Rows of this queryset on which `user` may perform `action`; none when in doubt."""
        from .registry import governed
        from .rules import user_rules_q

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        account = portal_account(user)
        if account is not None:
            return self._restrict_portal(user, account, action)
        company_path = getattr(self.model, "access_company_path", DEFAULT_COMPANY_PATH)
        if user.is_superuser:
            # A superuser who works for a company sees that company's records (which also lets
            # lists use the (company, sort, id) indexes); one without an employee sees all.
            company_id = user_company_id(user)
            if company_path is None or company_id is None:
                return self
            return self.filter(**{company_path: company_id})
        if not user.has_perm(action_permission(self.model, action)):
            return self.none()
        queryset = self
        if company_path is not None:
            company_id = user_company_id(user)
            if company_id is None:
                return self.none()
            queryset = queryset.filter(**{company_path: company_id})
        entry = governed(self.model)
        if entry is None:
            return queryset
        condition = user_rules_q(user, entry, action)
        if condition is None:
            return self.none()
        return queryset.filter(condition)

    def _restrict_portal(self, user, account, action: str) -> "RestrictedQuerySet":
        from .registry import governed

        entry = governed(self.model)
        if entry is None or entry.portal_path is None or action not in ("view", "change"):
            return self.none()
        # The active portal account itself grants viewing its own records; anything more
        # (changing them) needs the model permission on top.
        if action != "view" and not user.has_perm(action_permission(self.model, action)):
            return self.none()
        condition = models.Q(**{entry.portal_path: account.contact_id})
        if entry.portal_dealer_path and account.contact.contact_type.code in ("dealer", "agent"):
            condition |= models.Q(**{entry.portal_dealer_path: account.contact_id})
        return self.filter(condition)


def get_restricted_or_404(queryset: models.QuerySet, user, action: str = "view", **lookup):
    """Fetch one record the user may act on; 404 alike for missing and forbidden.

    A record that exists but is out of the user's rights is logged as a denied attempt.
    """
    from django.http import Http404

    from .audit import log_denial

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
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    if actor is None:
        return
    manager = type(instance)._default_manager
    if not manager.restrict(actor, action).filter(pk=instance.pk).exists():
        raise PermissionDenied(message or _("You may not save this record with these values."))
