"""Who may sign in: one rule for the sign-in page, sessions, the token endpoint and API tokens.

A user may sign in while their user is active, their employee record (if any) is active and their
portal account (if any) is active. Sessions and tokens are checked on every request, so an
account deactivated while signed in stops working at its next request.
"""

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef
from django.utils import timezone
from rest_framework.permissions import BasePermission

from tawasul.org.models import Employee

from .models import ApiToken, PortalAccount


def account_state(ref: str = "pk") -> dict:
    """Annotations telling whether the user at `ref` may sign in (one query with the user)."""
    return {
        "account_employee_off": Exists(
            Employee.objects.filter(user_id=OuterRef(ref), is_active=False)
        ),
        "account_portal_off": Exists(
            PortalAccount.objects.filter(user_id=OuterRef(ref), is_active=False)
        ),
        "account_portal": Exists(PortalAccount.objects.filter(user_id=OuterRef(ref))),
    }


def _state(user, annotated=None) -> dict:
    """The account_state flags from `annotated` (an object carrying them), else one query."""
    source = annotated if annotated is not None else user
    if hasattr(source, "account_portal"):
        return {key: getattr(source, key) for key in account_state()}
    if user.pk is None:
        return dict.fromkeys(account_state(), False)
    return dict(get_user_model().objects.filter(pk=user.pk).values(**account_state()).first() or {})


def may_sign_in(user, annotated=None) -> bool:
    """True when `user`, their employee record and their portal account are all active."""
    if user is None or not getattr(user, "is_active", False):
        return False
    state = _state(user, annotated)
    return bool(state) and not state["account_employee_off"] and not state["account_portal_off"]


def is_portal_user(user, annotated=None) -> bool:
    """True for a user with a portal account, active or not (they never reach staff pages)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(_state(user, annotated).get("account_portal"))


class AccountBackend(ModelBackend):
    """Django's model backend, refusing deactivated employees and portal accounts as well.

    `get_user` reads the flags with the user in one query, so an open session of an account
    deactivated later ends at its next request, like that of an inactive user.
    """

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and may_sign_in(user)

    def get_user(self, user_id):
        # One query for what every request asks: the account's state, the employee record and
        # its company (the company's key and time zone, `access.apps._company_zone`).
        user = (
            get_user_model()
            ._default_manager.annotate(**account_state())
            .select_related("employee__company")
            .filter(pk=user_id)
            .first()
        )
        if user is None or not may_sign_in(user):
            return None
        return user


class IsStaffUser(BasePermission):
    """Signed in, and not a portal account: the API schema, its docs and the token pages."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and not is_portal_user(user))


def account_sign_outs(user) -> int:
    """End every open session of `user` and revoke their API tokens; returns the sessions ended.

    For deactivation: without it, a session (or token) taken before would work again once the
    account is reactivated. Sessions are read from the database session store (Tawasul's).
    """
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    ApiToken.objects.filter(user=user).delete()
    return len(ended)
