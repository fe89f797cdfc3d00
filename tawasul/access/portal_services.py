"""Writes to portal accounts: external users who see only their own contact's records."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tawasul.core.history import stamp_history
from tawasul.core.types import Actor

from .accounts import account_sign_outs
from .audit import log_change
from .models import PortalAccount
from .querysets import user_company_id
from .roles import PORTAL_ROLES


@transaction.atomic
def portal_account_create(
    *, actor, contact, username: str, password: str, role: Group | None
) -> PortalAccount:
    """Create a sign-in for `contact`: the user, its portal account and its portal role; audited."""
    user_model = get_user_model()
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = [_("This field is required.")]
    else:
        try:
            field = user_model._meta.get_field(user_model.USERNAME_FIELD)
            field.run_validators(username)  # type: ignore[union-attr]  # a model field
        except ValidationError as exc:
            errors["username"] = list(exc.messages)
        if user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__iexact": username}).exists():
            errors.setdefault("username", []).append(_("A user with this username already exists."))
    if contact is None:
        errors["contact"] = [_("This field is required.")]
    elif actor is not None and user_company_id(actor) not in (None, contact.company_id):
        errors["contact"] = [_("This contact belongs to another company.")]
    if role is None or role.name not in PORTAL_ROLES:
        errors["role"] = [_("Choose one of the portal roles.")]
    if not password:
        errors["password"] = [_("This field is required.")]
    else:
        try:
            validate_password(password, user=user_model(username=username))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    assert role is not None  # refused above
    user = user_model.objects.create_user(
        username=username, password=password, first_name=(contact.name or "")[:150]
    )
    account = PortalAccount.objects.create(user=user, contact=contact)
    user.groups.add(role)
    log_change(
        actor=actor,
        kind="portal_account.created",
        subject=username,
        after={
            "username": username,
            "contact": contact.pk,
            "contact_name": contact.name,
            "role": role.name,
        },
        company=contact.company,
    )
    return account


@transaction.atomic
def portal_account_set_active(
    *, actor: Actor, account: PortalAccount, active: bool
) -> PortalAccount:
    """Deactivate or reactivate a portal sign-in; audited.

    A deactivated account cannot sign in, and an open session or API use of it ends at its next
    request (`accounts.AccountBackend`); its user, contact and role are kept for reactivation.
    """
    account = (
        PortalAccount.objects.select_for_update(of=("self",))
        .select_related("user", "contact")
        .get(pk=account.pk)  # access-ok: the caller reached it through a contact it may view
    )
    if actor is not None and user_company_id(actor) not in (None, account.contact.company_id):
        raise ValidationError(_("This portal account belongs to another company."))
    if account.is_active == active:
        return account
    account.is_active = active
    stamp_history(account, actor)
    account.save(update_fields=["is_active"])
    if not active:  # a session taken before must not come back with a reactivation
        account_sign_outs(account.user)
    log_change(
        actor=actor,
        kind="portal_account.reactivated" if active else "portal_account.deactivated",
        subject=account.user.get_username(),
        before={"is_active": not active},
        after={"is_active": active},
        company=account.contact.company,
    )
    return account
