"""API tokens: named, revocable, expiring keys of which only a digest is stored.

A token is made by its owner (the tokens page, or `POST /api/auth/token/` with a username and
password) and shown once. It ends when revoked by its owner or an administrator of the owner's
company, when unused for API_TOKEN_IDLE_DAYS or older than API_TOKEN_MAX_DAYS, when its owner's
password changes, or when its owner may no longer sign in. Why our own model and not
django-rest-knox: docs/development/api-tokens.md.
"""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from tawasul.core import clock
from tawasul.core.types import Actor
from tawasul.org.models import Company

from .accounts import account_state, is_portal_user, may_sign_in
from .audit import log_change
from .mfa import mfa_enrolment_missing
from .models import ApiToken
from .querysets import user_company_id
from .services import company_users

logger = logging.getLogger("tawasul.access")

KEY_PREFIX = "tw_"
SHOWN_PREFIX_LENGTH = 9  # "tw_" and six characters of the random part
# Last use is written at most this often per token, not on every request.
LAST_USE_PRECISION = timedelta(minutes=1)
# A user who piles up more live tokens than this must revoke some first.
MAX_TOKENS_PER_USER = 100
NAME_MAX_LENGTH: int = ApiToken._meta.get_field("name").max_length or 0  # a CharField's


def key_digest(key: str) -> str:
    """SHA-256 of a key: keys are 256 random bits, so a fast unsalted hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


def password_fingerprint(user) -> str:
    """Changes whenever the user's password does (their password hash is never shown)."""
    return hashlib.sha256(f"tawasul.api-token:{user.password}".encode()).hexdigest()


def token_expiry(token: ApiToken) -> datetime | None:
    """When `token` ends if unused from now on (None: never, when both limits are off)."""
    ends = []
    if settings.API_TOKEN_MAX_DAYS:
        ends.append(token.created_at + timedelta(days=settings.API_TOKEN_MAX_DAYS))
    if settings.API_TOKEN_IDLE_DAYS:
        last = token.last_used_at or token.created_at
        ends.append(last + timedelta(days=settings.API_TOKEN_IDLE_DAYS))
    return min(ends) if ends else None


def token_is_live(token: ApiToken, now: datetime | None = None) -> bool:
    """Not expired, and made since the owner's password last changed."""
    expiry = token_expiry(token)
    if expiry is not None and expiry <= (now or clock.now()):
        return False
    return secrets.compare_digest(token.password_fingerprint, password_fingerprint(token.user))


# --- selectors ------------------------------------------------------------------------------


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first."""
    return ApiToken.objects.filter(user_id=user.pk).select_related("user")


def api_tokens_administered(actor, company_id: int) -> QuerySet[ApiToken]:
    """Tokens of the company's users whose employee records `actor` may view."""
    users = company_users(actor, company_id)
    return (
        ApiToken.objects.filter(user__in=users.values("pk"))
        .select_related("user__employee")
        .order_by("-created_at", "-pk")
    )


def may_administer(actor, token: ApiToken) -> bool:
    """The owner, or an administrator (access.delete_apitoken) of the owner's company."""
    if actor is None or not actor.is_authenticated or not may_sign_in(actor):
        return False
    if token.user_id == actor.pk:
        return True
    if not actor.has_perm("access.delete_apitoken") or is_portal_user(actor):
        return False
    if actor.is_superuser and user_company_id(actor) is None:
        return True
    company_id = user_company_id(actor)
    if company_id is None:
        return False
    return api_tokens_administered(actor, company_id).filter(pk=token.pk).exists()


# --- services -------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: Actor, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `actor` itself; returns it with its key, which is never shown again."""
    if actor is None or not actor.is_authenticated or not may_sign_in(actor):
        raise PermissionDenied
    if is_portal_user(actor):
        raise PermissionDenied  # the portal offers no API
    name = " ".join((name or "").split())
    if not name:
        name = _("Token of %(date)s") % {"date": clock.today().isoformat()}
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("At most %(count)s characters.") % {"count": NAME_MAX_LENGTH}}
        )
    mine = list(
        ApiToken.objects.select_for_update().filter(user_id=actor.pk).select_related("user")
    )
    dead = [t.pk for t in mine if not token_is_live(t)]
    if dead:
        ApiToken.objects.filter(pk__in=dead).delete()
    if len(mine) - len(dead) >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            _("You have %(count)s tokens; revoke some before making another.")
            % {"count": len(mine) - len(dead)}
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=key[:SHOWN_PREFIX_LENGTH],
        digest=key_digest(key),
        password_fingerprint=password_fingerprint(actor),
    )
    log_change(
        actor=actor,
        kind="api_token.created",
        subject=actor.get_username(),
        after={"username": actor.get_username(), "name": name},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> None:
    """End one token: by its owner, or an administrator of the owner's company (audited)."""
    if not may_administer(actor, token):
        raise PermissionDenied
    owner = token.user
    deleted, _rows = ApiToken.objects.filter(pk=token.pk).delete()
    if deleted:
        log_change(
            actor=actor,
            kind="api_token.revoked",
            subject=owner.get_username(),
            before={"username": owner.get_username(), "name": token.name},
            company=_company_of(owner),
        )


@transaction.atomic
def api_tokens_revoke_all(*, actor: Actor, user, reason: str = "") -> int:
    """End every token of `user` (on a password change, or at their request); audited."""
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        company_id = user_company_id(actor)
        if not actor.has_perm("access.delete_apitoken") or company_id != user_company_id(user):
            raise PermissionDenied
    names = list(ApiToken.objects.filter(user_id=user.pk).values_list("name", flat=True))
    if not names:
        return 0
    ApiToken.objects.filter(user_id=user.pk).delete()
    log_change(
        actor=actor,
        kind="api_token.revoked",
        subject=user.get_username(),
        before={"username": user.get_username(), "name": ", ".join(sorted(names))},
        after={"reason": reason} if reason else None,
        company=_company_of(user),
    )
    return len(names)


def _company_of(user):
    company_id = user_company_id(user)
    return Company(pk=company_id) if company_id else None


# --- authentication -------------------------------------------------------------------------


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`: the token's owner, if the token is live and they may sign in.

    One query (token, user and account flags together); last use is written at most once a
    minute per token.
    """

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        token = (
            ApiToken.objects.select_related("user")
            .annotate(**account_state("user_id"))
            .filter(digest=key_digest(key))
            .first()
        )
        now = clock.now()
        if (
            token is None
            or not token_is_live(token, now)
            or not may_sign_in(token.user, annotated=token)
            or token.account_portal  # the portal offers no API
        ):
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if mfa_enrolment_missing(token.user):  # MFA_REQUIRED_FOR_ADMINS and not set up yet
            raise exceptions.AuthenticationFailed(
                _("Set up two-factor authentication before using the API.")
            )
        self._note_use(token, now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword

    @staticmethod
    def _note_use(token: ApiToken, now: datetime) -> None:
        if token.last_used_at is not None and now - token.last_used_at < LAST_USE_PRECISION:
            return
        try:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        except DatabaseError:  # a busy database must not fail a read; the next use retries
            logger.warning("could not note the use of API token %s", token.pk, exc_info=True)
        token.last_used_at = now


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes ApiTokenAuthentication."""

    target_class = "tawasul.access.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication: "Token <key>" (POST /api/auth/token/).',
        }
