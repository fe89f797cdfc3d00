"""Signing in with a second factor, and the two-factor page of the user menu.

The sign-in page is Django's LoginView: a user without two-factor sign-in is signed in by the
password; a user with it is remembered in the session as "password accepted" (for at most
MFA_SIGN_IN_TIMEOUT, and only while their password is unchanged) and asked for a code, and is
signed in only once the code is right. Wrong codes count towards the sign-in lockout.
"""

import time

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from tawasul.core.auth_views import lockout_response
from tawasul.core.http import safe_next

from .accounts import account_state, is_portal_user, may_sign_in
from .mfa import (
    SESSION_OK_KEY,
    SETUP_SECRET_KEY,
    count_failure,
    mark_session_checked,
    mfa_disable,
    mfa_enable,
    mfa_enabled,
    mfa_recovery_codes_renew,
    mfa_required,
    mfa_status,
    setup_qr,
    setup_secret,
    verify_code,
)

PENDING_KEY = "tawasul.mfa.pending"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "dir": "ltr",
                "spellcheck": "false",
            }
        ),
    )


def confirm_form(prefix: str, data=None) -> CodeForm:
    """A code field confirming an action on the two-factor page (not focused on arrival)."""
    form = CodeForm(data, auto_id=f"{prefix}_%s")
    form.fields["code"].widget.attrs.pop("autofocus", None)
    return form


def _locked(request, username: str) -> bool:
    return settings.AXES_ENABLED and AxesProxyHandler.is_locked(request, {"username": username})


def _refuse_code(request, username: str, form: CodeForm, message: str) -> None:
    """Count a wrong code towards the lockout (AxesMiddleware answers 429 once it locks)."""
    count_failure(request, username)
    form.add_error("code", message)


# --- signing in -----------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """Django's sign-in page; users with two-factor sign-in go on to the code step."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not mfa_enabled(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "username": user.get_username(),
            "backend": user.backend,
            "hash": user.get_session_auth_hash(),
            "after": self.get_success_url(),  # where to go once signed in (checked here)
            "at": time.time(),
        }
        return redirect("login_code")


class SignInCodeView(FormView):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    template_name = "registration/login_code.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        self.pending = request.session.get(PENDING_KEY) or {}
        self.user = self._pending_user()
        if self.user is None:
            if self.pending:
                request.session.pop(PENDING_KEY, None)
                messages.info(request, _("Sign in again, please."))
            return redirect("login")
        return super().dispatch(request, *args, **kwargs)

    def _pending_user(self):
        pending = self.pending
        if not pending or time.time() - pending.get("at", 0) > (
            settings.MFA_SIGN_IN_TIMEOUT.total_seconds()
        ):
            return None
        user = (
            get_user_model()
            ._default_manager.annotate(**account_state())
            .filter(pk=pending.get("user_id"))
            .first()
        )
        if (
            user is None
            or not may_sign_in(user, annotated=user)
            or not constant_time_compare(user.get_session_auth_hash(), pending.get("hash", ""))
            or not mfa_enabled(user)
        ):
            return None
        return user

    def form_valid(self, form):
        request, username = self.request, self.pending["username"]
        if _locked(request, username):
            request.session.pop(PENDING_KEY, None)
            return lockout_response(request)
        if verify_code(self.user, form.cleaned_data["code"]) is None:
            _refuse_code(request, username, form, _("That code is not right."))
            return self.form_invalid(form)
        request.session.pop(PENDING_KEY, None)
        self.user.backend = self.pending["backend"]
        login(request, self.user)  # a new session key; clears this user's failures (axes)
        mark_session_checked(request)
        return redirect(
            safe_next(request, settings.LOGIN_REDIRECT_URL, value=self.pending.get("after", ""))
        )

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- the two-factor page --------------------------------------------------------------------


class TwoFactorMixin(LoginRequiredMixin):
    """The two-factor pages sit in the staff frame, or the portal's for portal accounts."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        portal = is_portal_user(self.request.user)
        ctx["portal"] = portal
        ctx["frame"] = "portal/base.html" if portal else "base.html"
        ctx["required"] = mfa_required(self.request.user)
        return ctx


class TwoFactorView(TwoFactorMixin, TemplateView):
    """Whether two-factor sign-in is on; set it up, renew the recovery codes, or turn it off."""

    template_name = "access/two_factor.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["status"] = mfa_status(self.request.user)
        ctx.setdefault("renew_form", confirm_form("renew"))
        ctx.setdefault("disable_form", confirm_form("disable"))
        return ctx


class TwoFactorSetupView(TwoFactorMixin, FormView):
    """Scan the QR code, type the code the app shows; then the recovery codes, shown once."""

    template_name = "access/two_factor_setup.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and mfa_enabled(request.user):
            return redirect("mfa_overview")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        secret = setup_secret(self.request.session)
        url, svg = setup_qr(self.request.user, secret)
        ctx.update(
            secret=secret,
            secret_groups=[secret[i : i + 4] for i in range(0, len(secret), 4)],
            otpauth_url=url,
            qr_svg=svg,
            next=safe_next(self.request, "mfa_overview"),
        )
        return ctx

    def form_valid(self, form):
        request = self.request
        secret = request.session.get(SETUP_SECRET_KEY)
        if not secret:
            return redirect("mfa_setup")
        try:
            codes = mfa_enable(actor=request.user, secret=secret, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error(None, exc)  # a {"code": ...} error lands at the field
            return self.form_invalid(form)
        request.session.pop(SETUP_SECRET_KEY, None)
        mark_session_checked(request)
        return _show_codes(request, codes, first=True)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _show_codes(request, codes: list[str], *, first: bool):
    """The recovery codes, in this answer only (not stored in the session, not cached)."""
    portal = is_portal_user(request.user)
    response = render(
        request,
        "access/two_factor_codes.html",
        {
            "codes": codes,
            "first": first,
            "portal": portal,
            "frame": "portal/base.html" if portal else "base.html",
            "next": safe_next(request, "mfa_overview"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


class _CodeActionView(TwoFactorMixin, TemplateView):
    """A POST with a current code (app or recovery); wrong codes count towards the lockout."""

    template_name = "access/two_factor.html"
    http_method_names = ["post"]
    form_prefix = ""

    def post(self, request, *args, **kwargs):
        form = confirm_form(self.form_prefix, request.POST)
        username = request.user.get_username()
        if form.is_valid():
            if _locked(request, username):
                return lockout_response(request)
            try:
                return self.act(form.cleaned_data["code"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "code" in exc.error_dict:
                    _refuse_code(request, username, form, exc.error_dict["code"][0].message)
                else:
                    form.add_error(None, exc)
        ctx = self.get_context_data(**{f"{self.form_prefix}_form": form})
        return self.render_to_response(ctx, status=400)

    def act(self, code: str):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["status"] = mfa_status(self.request.user)
        ctx.setdefault("renew_form", confirm_form("renew"))
        ctx.setdefault("disable_form", confirm_form("disable"))
        return ctx


class RecoveryCodesRenewView(_CodeActionView):
    """New recovery codes; the old ones stop working."""

    form_prefix = "renew"

    def act(self, code: str):
        codes = mfa_recovery_codes_renew(actor=self.request.user, code=code)
        return _show_codes(self.request, codes, first=False)


class TwoFactorDisableView(_CodeActionView):
    """Turn two-factor sign-in off."""

    form_prefix = "disable"

    def act(self, code: str):
        mfa_disable(actor=self.request.user, code=code)
        self.request.session.pop(SESSION_OK_KEY, None)
        messages.success(self.request, _("Two-factor authentication is off."))
        return redirect("mfa_overview")
