"""Reactions of the contacts app to domain events (listed in docs/development/events.md)."""

from tawasul.access.default_rules import ensure_default_rules
from tawasul.core import events
from tawasul.org.models import Company

from .choices import SYSTEM_CONTACT_TYPES
from .models import ContactType
from .services import masterdata_save


@events.handler("company.created")
def give_new_company_contact_types(*, company_id: int, actor_id=None) -> None:
    """A new company starts with the built-in contact types, and with the default rules that
    name them (customers of my branch...), which could not be made before the types existed."""
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return
    held = set(ContactType.objects.filter(company=company).values_list("code", flat=True))
    for code, name, name_ar in SYSTEM_CONTACT_TYPES:
        if code not in held:
            masterdata_save(
                actor=None,
                model=ContactType,
                company=company,
                code=code,
                name=name,
                name_ar=name_ar,
                is_system=True,
            )
    ensure_default_rules(company)
