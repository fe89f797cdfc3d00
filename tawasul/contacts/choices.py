from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContactKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    INDIVIDUAL = "individual", _("Individual")


class Lifecycle(models.TextChoices):
    TARGET = "target", _("Target")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    REJECTED = "rejected", _("Rejected")
    RECOVERED = "recovered", _("Recovered")


# Which lifecycle moves are allowed; recovering is the only way out of "rejected".
LIFECYCLE_MOVES: dict[str, set[str]] = {
    Lifecycle.TARGET: {Lifecycle.PROSPECT, Lifecycle.CUSTOMER, Lifecycle.REJECTED},
    Lifecycle.PROSPECT: {Lifecycle.TARGET, Lifecycle.CUSTOMER, Lifecycle.REJECTED},
    Lifecycle.CUSTOMER: {Lifecycle.REJECTED},
    Lifecycle.REJECTED: {Lifecycle.RECOVERED},
    Lifecycle.RECOVERED: {Lifecycle.PROSPECT, Lifecycle.CUSTOMER, Lifecycle.REJECTED},
}

# The verb that moves a contact into each stage (`core.documents.transition`); the stage a move
# ends in names it, so the lifecycle's event rows keep only the stages.
LIFECYCLE_VERBS: dict[str, str] = {
    Lifecycle.TARGET: "mark_target",
    Lifecycle.PROSPECT: "mark_prospect",
    Lifecycle.CUSTOMER: "mark_customer",
    Lifecycle.REJECTED: "reject",
    Lifecycle.RECOVERED: "recover",
}

# `LIFECYCLE_MOVES` as the document protocol's table: verb -> (stages it starts from, its stage).
LIFECYCLE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    verb: (frozenset(old for old, moves in LIFECYCLE_MOVES.items() if stage in moves), stage)
    for stage, verb in LIFECYCLE_VERBS.items()
}


class AreaLevel(models.TextChoices):
    COUNTRY = "country", _("Country")
    REGION = "region", _("Region")
    CITY = "city", _("City")
    ZONE = "zone", _("Zone")


AREA_LEVEL_ORDER = [AreaLevel.COUNTRY, AreaLevel.REGION, AreaLevel.CITY, AreaLevel.ZONE]


class AddressKind(models.TextChoices):
    OFFICE = "office", _("Office")
    BILLING = "billing", _("Billing")
    SHIPPING = "shipping", _("Shipping")
    SITE = "site", _("Site")
    HOME = "home", pgettext_lazy("address or phone kind", "Home")
    OTHER = "other", _("Other")


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    WORK = "work", _("Work")
    HOME = "home", pgettext_lazy("address or phone kind", "Home")
    FAX = "fax", _("Fax")
    WHATSAPP = "whatsapp", _("WhatsApp")
    OTHER = "other", _("Other")


class EmailKind(models.TextChoices):
    WORK = "work", _("Work")
    PERSONAL = "personal", _("Personal")
    BILLING = "billing", _("Billing")
    OTHER = "other", _("Other")


class ReferralKind(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign")
    EXHIBITION = "exhibition", _("Exhibition")
    WEBSITE = "website", _("Website")
    WALK_IN = "walk_in", _("Walk-in")
    OTHER = "other", _("Other")


# The built-in contact types; administrators may add more.
SYSTEM_CONTACT_TYPES = [
    ("customer", "Customer", "عميل"),
    ("prospect", "Prospect / target", "عميل محتمل"),
    ("supplier", "Supplier", "مورد"),
    ("dealer", "Dealer", "موزع"),
    ("agent", "Agent", "وكيل"),
    ("competitor", "Competitor", "منافس"),
    ("employee", "Employee", "موظف"),
]
DEALER_TYPE_CODES = {"dealer", "agent"}
