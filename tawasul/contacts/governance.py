"""Contacts declare, once, which link fields record rules may test."""

from django.utils.translation import gettext_lazy as _

from tawasul.access.fields import sensitive
from tawasul.access.registry import (
    BRANCH,
    CHOICE,
    DEALER,
    EMPLOYEE,
    MANY,
    MASTER,
    TREE,
    LinkField,
    govern,
)


def register() -> None:
    from tawasul.org.models import Branch, Employee

    from .choices import Lifecycle
    from .models import (
        Area,
        Contact,
        ContactCategory,
        ContactType,
        Industry,
        ProductGroup,
        ReferralSource,
        Segment,
        Size,
    )

    govern(
        Contact,
        [
            LinkField("area", _("Area"), TREE, "area", Area),
            LinkField("industry", _("Industry"), MASTER, "industry", Industry),
            LinkField("segment", _("Segment"), MASTER, "segment", Segment),
            LinkField("size", _("Size"), MASTER, "size", Size),
            LinkField("product_groups", _("Product groups"), MANY, "product_groups", ProductGroup),
            LinkField("contact_type", _("Type"), MASTER, "contact_type", ContactType),
            LinkField("category", _("Category"), MASTER, "category", ContactCategory),
            LinkField(
                "referral_source", _("Referral source"), MASTER, "referral_source", ReferralSource
            ),
            LinkField("branch", _("Branch"), BRANCH, "branch", Branch),
            LinkField("representative", _("Representative"), EMPLOYEE, "representative", Employee),
            LinkField("coordinator", _("Coordinator"), EMPLOYEE, "coordinator", Employee),
            LinkField("manager", _("Manager"), EMPLOYEE, "manager", Employee),
            LinkField(
                "lifecycle", _("Lifecycle"), CHOICE, "lifecycle", None, tuple(Lifecycle.choices)
            ),
            LinkField("dealer", _("Served by dealer or agent"), DEALER, "dealer", Contact),
        ],
        portal_path="pk",
        portal_dealer_path="dealer",
    )
    sensitive("contacts.dealerprofile.commission_rate", "contacts.view_commission")
