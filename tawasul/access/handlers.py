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
