"""Two-factor sign-in: TOTP authenticator apps and recovery codes, stored by allauth.mfa.

allauth.mfa keeps the authenticators (its `Authenticator` model, TOTP and recovery-code checks);
our own sign-in page asks for a code after the password (`mfa_views`), the token endpoint asks
for `otp`, and administrators may be required to set it up (MFA_REQUIRED_FOR_ADMINS). Why this
way round and not allauth's own sign-in pages: docs/development/two-factor.md.

Wrong codes count towards the same sign-in lockout as wrong passwords (django-axes, per user
name and client address).
"""

import base64
import os
import re
from io import BytesIO

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, validate_totp_code
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tawasul.core.access import user_company_id
from tawasul.core.storage import master_keys
from tawasul.org.models import Company

from .audit import log_change

Type = Authenticator.Type
# Session keys: the secret offered while setting up, and "this session passed the check".
SETUP_SECRET_KEY = "tawasul.mfa.setup_secret"
SESSION_OK_KEY = "tawasul.mfa.ok"
# Who must use two-factor sign-in when MFA_REQUIRED_FOR_ADMINS is on: whoever may change roles
# can grant themselves anything, so they count as administrators (superusers hold it too).
ADMIN_PERMISSION = "auth.change_group"
_ENCRYPTED_PREFIX = "tw1:"


class TawasulMFAAdapter(DefaultMFAAdapter):
    """allauth.mfa's adapter: secrets encrypted at rest, users named by their user name."""

    def get_totp_label(self, user) -> str:
        return user.get_username()

    def get_totp_issuer(self) -> str:
        return settings.MFA_TOTP_ISSUER

    def build_totp_svg(self, url: str) -> str:
        """The QR code as an inline <svg> element (no XML declaration, scales to its box)."""
        import qrcode
        from qrcode.image.svg import SvgPathImage

        buffer = BytesIO()
        qrcode.make(url, image_factory=SvgPathImage).save(buffer)
        svg = buffer.getvalue().decode()
        svg = svg[svg.index("<svg") :]
        # Its own size is in millimetres; let it fill the box the page gives it instead.
        return re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg width="100%" height="100%"', svg)

    def encrypt(self, text: str) -> str:
        """AES-256-GCM under the current file master key (FILE_ENCRYPTION_KEYS), as files are."""
        key_id, key = next(iter(master_keys().items()))
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, text.encode(), b"tawasul.mfa")
        return f"{_ENCRYPTED_PREFIX}{key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(_ENCRYPTED_PREFIX):
            return encrypted_text  # stored before encryption (or by allauth's own pages)
        key_id, _sep, payload = encrypted_text[len(_ENCRYPTED_PREFIX) :].partition(":")
        raw = base64.b64decode(payload)
        key = master_keys().get(key_id)
        if key is None:
            raise ValueError(f"two-factor secret sealed with unknown key {key_id}")
        return AESGCM(key).decrypt(raw[:12], raw[12:], b"tawasul.mfa").decode()


# --- selectors ------------------------------------------------------------------------------


def mfa_enabled(user) -> bool:
    """True when `user` has an authenticator app set up (recovery codes alone do not count)."""
    if user is None or not getattr(user, "pk", None):
        return False
    return Authenticator.objects.filter(user_id=user.pk, type=Type.TOTP).exists()


def mfa_required(user) -> bool:
    """True when MFA_REQUIRED_FOR_ADMINS is on and `user` is an administrator."""
    if not settings.MFA_REQUIRED_FOR_ADMINS or user is None or not user.is_authenticated:
        return False
    return user.is_superuser or user.has_perm(ADMIN_PERMISSION)


def mfa_enrolment_missing(user) -> bool:
    """An administrator who must set up two-factor sign-in and has not yet."""
    return mfa_required(user) and not mfa_enabled(user)


def mfa_status(user) -> dict:
    """What the two-factor page shows: whether it is on, since when, codes left."""
    found = {a.type: a for a in Authenticator.objects.filter(user_id=user.pk)}
    totp = found.get(Type.TOTP)
    codes = found.get(Type.RECOVERY_CODES)
    return {
        "enabled": totp is not None,
        "enabled_at": totp.created_at if totp else None,
        "last_used_at": max(
            (a.last_used_at for a in found.values() if a.last_used_at), default=None
        ),
        "recovery_codes_left": len(RecoveryCodes(codes).get_unused_codes()) if codes else 0,
        "recovery_codes_total": settings.MFA_RECOVERY_CODE_COUNT,
    }


def setup_secret(session, *, renew: bool = False) -> str:
    """The secret offered for setting up, kept in the session until it is confirmed."""
    secret = None if renew else session.get(SETUP_SECRET_KEY)
    if not secret:
        secret = session[SETUP_SECRET_KEY] = generate_totp_secret()
    return secret


def setup_qr(user, secret: str) -> tuple[str, str]:
    """The otpauth:// address of `secret` for `user`, and its QR code as inline SVG."""
    adapter = TawasulMFAAdapter()
    url = adapter.build_totp_url(user, secret)
    return url, adapter.build_totp_svg(url)


def normalise_code(code: str) -> str:
    """Codes as people type them: spaces and dashes dropped, Arabic-Indic digits as ASCII."""
    code = (code or "").translate(_DIGITS)
    return "".join(ch for ch in code if ch not in " -\u00a0\t")


_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def verify_code(user, code: str) -> Authenticator | None:
    """The authenticator that accepts `code` for `user` (its app, else an unused recovery code,
    which is then used up), or None. An app code is accepted once only."""
    code = normalise_code(code)
    if not code or not code.isdigit():
        return None
    found = {a.type: a for a in Authenticator.objects.filter(user_id=user.pk)}
    totp = found.get(Type.TOTP)
    if totp is None:
        return None
    if TOTP(totp).validate_code(code):
        totp.record_usage()
        return totp
    codes = found.get(Type.RECOVERY_CODES)
    if codes is not None and RecoveryCodes(codes).validate_code(code):
        codes.record_usage()
        return codes
    return None


# --- services -------------------------------------------------------------------------------


@transaction.atomic
def mfa_enable(*, actor, secret: str, code: str) -> list[str]:
    """Turn on two-factor sign-in for `actor` with `secret` once `code` proves their app has it;
    returns the new recovery codes (shown once)."""
    _check_actor(actor)
    code = normalise_code(code)
    if not code.isdigit() or not validate_totp_code(secret, code):
        raise ValidationError(
            {"code": _("That code is not right. Enter the code your app shows now.")}
        )
    get_user_model()._default_manager.select_for_update().filter(pk=actor.pk).first()
    if Authenticator.objects.filter(user_id=actor.pk, type=Type.TOTP).exists():
        raise ValidationError(_("Two-factor authentication is already on."))
    Authenticator.objects.filter(user_id=actor.pk, type=Type.RECOVERY_CODES).delete()
    totp = TOTP.activate(actor, secret)
    totp._mark_code_used(code)  # the code that set it up cannot sign in as well
    codes = RecoveryCodes.activate(actor)
    log_change(
        actor=actor,
        kind="mfa.enabled",
        subject=actor.get_username(),
        after={"username": actor.get_username()},
    )
    return codes.generate_codes()


@transaction.atomic
def mfa_recovery_codes_renew(*, actor, code: str) -> list[str]:
    """New recovery codes for `actor` (the old ones stop working), after a current code."""
    _check_actor(actor)
    _require_code(actor, code)
    Authenticator.objects.filter(user_id=actor.pk, type=Type.RECOVERY_CODES).delete()
    codes = RecoveryCodes.activate(actor)
    log_change(
        actor=actor,
        kind="mfa.recovery_codes_renewed",
        subject=actor.get_username(),
        after={"username": actor.get_username()},
    )
    return codes.generate_codes()


@transaction.atomic
def mfa_disable(*, actor, code: str) -> None:
    """Turn off two-factor sign-in for `actor`, after a current code (or a recovery code)."""
    _check_actor(actor)
    _require_code(actor, code)
    Authenticator.objects.filter(user_id=actor.pk).delete()
    log_change(
        actor=actor,
        kind="mfa.disabled",
        subject=actor.get_username(),
        before={"username": actor.get_username()},
    )


@transaction.atomic
def mfa_reset(*, actor, user) -> bool:
    """Remove `user`'s two-factor sign-in (they lost their phone and their recovery codes).

    For operators (`manage.py mfa_reset`, actor None) and superusers; audited. Returns whether
    there was anything to remove.
    """
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied
    deleted, _rows = Authenticator.objects.filter(user_id=user.pk).delete()
    if deleted:
        log_change(
            actor=actor,
            kind="mfa.reset",
            subject=user.get_username(),
            before={"username": user.get_username()},
            company=_company_of(user),
        )
    return bool(deleted)


def _check_actor(actor) -> None:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied


def _require_code(actor, code: str) -> Authenticator:
    if not mfa_enabled(actor):
        raise ValidationError(_("Two-factor authentication is off."))
    used = verify_code(actor, code)
    if used is None:
        raise ValidationError({"code": _("That code is not right.")})
    return used


def _company_of(user):
    company_id = user_company_id(user)
    return Company(pk=company_id) if company_id else None


def count_failure(request, username: str) -> None:
    """A wrong code counts towards the sign-in lockout of `username` from this address."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


# --- the enrolment gate ---------------------------------------------------------------------

# What an administrator who must set up two-factor sign-in may still reach.
ENROLMENT_PATHS = ("/accounts/", "/i18n/", "/static/", "/preferences/")


def mark_session_checked(request) -> None:
    """This session passed the two-factor check (or set it up): skip the gate from now on."""
    request.session[SESSION_OK_KEY] = True


class MfaEnrolmentMiddleware:
    """Administrators without two-factor sign-in reach only its set-up page while
    MFA_REQUIRED_FOR_ADMINS is on (pages redirect there, the API answers 403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.MFA_REQUIRED_FOR_ADMINS:
            refused = self._gate(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    @staticmethod
    def _gate(request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.session.get(SESSION_OK_KEY) or request.path.startswith(ENROLMENT_PATHS):
            return None
        if not mfa_required(user):
            return None
        if mfa_enabled(user):
            mark_session_checked(request)
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Set up two-factor authentication before using the API.")},
                status=403,
            )
        target = reverse("mfa_setup")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
