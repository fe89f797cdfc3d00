"""The catalog declares, once, what record rules may test on customer and special prices, and
which field only some roles may see.

Customer prices and special prices are about a customer: rules may test the customer's link
fields (area, representative, branch...: `contact__<field>`, as tasks do) and, for prices given
to a whole category, the category. Products, sales types and price lists are the company's
catalog: confined to the company and the model permission, with no record rules.
"""

from typing import cast

from django.db import models
from django.utils.translation import gettext_lazy as _

from tawasul.access.fields import sensitive
from tawasul.access.registry import CHOICE, MASTER, LinkField, govern
from tawasul.contacts.links import RULE_FIELDS
from tawasul.contacts.models import Contact, ContactCategory

from .models import CustomerPrice, SpecialPrice

# The permission that shows a product's standard cost (pages, API, exports).
COST = "catalog.product.standard_cost"
COST_PERMISSION = "catalog.view_product_cost"
ACTIONS = ("view", "change", "delete", "export")


def customer_fields() -> list[LinkField]:
    """The customer's link fields as seen from a price (`contact__<field>`), and the category."""
    fields = [LinkField("category", _("Customer category"), MASTER, "category", ContactCategory)]
    for name, kind_or_none, label in RULE_FIELDS:
        kind = cast(str, kind_or_none)  # RULE_FIELDS holds the fields that have a kind
        lookup = f"contact__{name}"
        field = cast(models.Field, Contact._meta.get_field(name))
        if kind == CHOICE:
            fields.append(LinkField(lookup, label, kind, lookup, None, tuple(field.choices or ())))
        else:
            related = cast("type[models.Model]", field.related_model)
            fields.append(LinkField(lookup, label, kind, lookup, related))
    return fields


def register() -> None:
    """Declare the catalog to the access app (called from the app's `ready`, models loaded)."""
    govern(CustomerPrice, customer_fields(), actions=ACTIONS)
    govern(SpecialPrice, customer_fields(), actions=(*ACTIONS, "approve"))
    sensitive(COST, COST_PERMISSION)
