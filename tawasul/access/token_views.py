"""API token pages: one's own tokens (user menu), and the company's (Settings, administrators)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from tawasul.core.errors import apply_error
from tawasul.core.http import safe_next

from .accounts import is_portal_user
from .models import ApiToken
from .querysets import user_company_id
from .tokens import (
    NAME_MAX_LENGTH,
    api_token_create,
    api_token_revoke,
    api_tokens_administered,
    api_tokens_of,
    may_administer,
    token_expiry,
)

COMPANY_PAGE_SIZE = 500


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy("What the token is for, e.g. “Accounting sync”."),
    )


class StaffOnlyMixin(LoginRequiredMixin):
    """Portal accounts have no API, so no token pages either (404 as for any staff page)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and is_portal_user(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def _with_expiry(tokens) -> list[ApiToken]:
    tokens = list(tokens)
    for token in tokens:
        token.expires_at = token_expiry(token)
    return tokens


class ApiTokenListView(StaffOnlyMixin, TemplateView):
    """The signed-in user's tokens: make one (its key shown once), see their use, revoke."""

    template_name = "access/api_tokens.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", ApiTokenForm())
        ctx["tokens"] = _with_expiry(api_tokens_of(self.request.user))
        ctx["idle_days"] = settings.API_TOKEN_IDLE_DAYS
        ctx["max_days"] = settings.API_TOKEN_MAX_DAYS
        return ctx

    def post(self, request, *args, **kwargs):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, key = api_token_create(actor=request.user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                apply_error(form, exc)
            else:
                # The key is in this answer only: not in the session, not in a redirect.
                response = self.render_to_response(
                    self.get_context_data(form=ApiTokenForm(), new_token=token, new_key=key)
                )
                response["Cache-Control"] = "no-store"
                return response
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CompanyApiTokenListView(StaffOnlyMixin, PermissionRequiredMixin, TemplateView):
    """Administrators: the tokens of their company's users, to revoke any of them."""

    permission_required = "access.view_apitoken"
    template_name = "access/api_tokens_company.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        company_id = user_company_id(self.request.user)
        tokens = (
            api_tokens_administered(self.request.user, company_id)[:COMPANY_PAGE_SIZE]
            if company_id is not None
            else []
        )
        ctx.update(tokens=_with_expiry(tokens), tab="tokens", page_size=COMPANY_PAGE_SIZE)
        return ctx


class ApiTokenRevokeView(StaffOnlyMixin, TemplateView):
    """Confirm, then revoke one token: one's own, or a company user's for an administrator."""

    template_name = "access/api_token_revoke.html"

    def _token(self) -> ApiToken:
        token = ApiToken.objects.select_related("user").filter(pk=self.kwargs["pk"]).first()
        if token is None or not may_administer(self.request.user, token):
            raise Http404
        return token

    def _back(self, token) -> str:
        mine = token.user_id == self.request.user.pk
        return safe_next(self.request, "access_tokens:mine" if mine else "access_tokens:company")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        token = self._token()
        ctx.update(token=token, back=self._back(token), own=token.user_id == self.request.user.pk)
        return ctx

    def post(self, request, *args, **kwargs):
        token = self._token()
        back = self._back(token)
        try:
            api_token_revoke(actor=request.user, token=token)
        except PermissionDenied:
            raise Http404
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect(back)
