"""Reactions of the catalog to domain events (listed in docs/development/events.md)."""

from tawasul.core import events
from tawasul.org.models import Company

from .services import sales_types_seed


@events.handler("company.created")
def give_new_company_sales_types(*, company_id: int, actor_id=None) -> None:
    """A new company starts with the default sales types (local, export, dealer, government,
    cash, installment), which its administrators may rename, deactivate or add to."""
    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        sales_types_seed(company=company)
