"""Reactions of the access app to domain events (listed in docs/development/events.md)."""

from tawasul.core import events


@events.handler("company.created")
def give_new_company_default_rules(*, company_id: int, actor_id=None) -> None:
    """A new company starts with the default record rules of the default roles."""
    from tawasul.org.models import Company

    from .default_rules import ensure_default_rules

    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        ensure_default_rules(company)


@events.handler("user.password_changed")
def end_api_tokens_on_new_password(*, user_id: int, actor_id=None) -> None:
    """A new password replaces the API tokens made with the old one (they already no longer
    authenticate: their password fingerprint differs; this removes them from the lists)."""
    from django.contrib.auth import get_user_model

    from .tokens import api_tokens_revoke_all

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        api_tokens_revoke_all(actor=user, user=user, reason="password changed")
