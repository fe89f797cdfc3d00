"""Contacts declare, once, which link fields record rules may test, and that portal accounts
are about a contact (dealers and agents also seeing the contacts they serve)."""

from django.urls import reverse, reverse_lazy

from tawasul.access.fields import sensitive
from tawasul.access.registry import CHOICE, LinkField, govern, portal_subject

from .links import RULE_FIELDS
from .models import Contact


def register() -> None:
    """Declare contacts to the access app (called from the app's `ready`, models loaded)."""
    fields = []
    for name, kind, label in RULE_FIELDS:
        if kind == CHOICE:
            choices = tuple(Contact._meta.get_field(name).choices)
            fields.append(LinkField(name, label, kind, name, None, choices))
        else:
            model = Contact._meta.get_field(name).related_model
            fields.append(LinkField(name, label, kind, name, model))
    govern(Contact, fields, portal_path="pk", portal_dealer_path="dealer")
    portal_subject(
        Contact,
        is_dealer=lambda contact: contact.is_dealer,
        picker_url=reverse_lazy("contacts:autocomplete", args=["contact"]),
        detail_url=lambda pk: reverse("contacts:contact_detail", args=[pk]),
        describe=lambda contact: str(contact.contact_type),
        related=("contact_type",),
    )
    sensitive("contacts.dealerprofile.commission_rate", "contacts.view_commission")
