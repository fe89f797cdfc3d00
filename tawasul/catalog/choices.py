"""Fixed choices of the catalog: product kinds and units, special prices' statuses and bases."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Service")
    SERIALISED = "serialised", _("Serialised device")


class Unit(models.TextChoices):
    """Units of sale. Fixed choices rather than master data: stock, orders and invoices will
    convert and add quantities by these codes, so they must mean the same thing in every
    company; an administrator adding "carton" would need its conversion too."""

    PIECE = "piece", _("Piece")
    BOX = "box", _("Box")
    CARTON = "carton", _("Carton")
    SET = "set", _("Set")
    KILOGRAM = "kg", _("Kilogram")
    TONNE = "t", _("Tonne")
    METRE = "m", _("Metre")
    SQUARE_METRE = "m2", _("Square metre")
    LITRE = "l", _("Litre")
    HOUR = "hour", _("Hour")
    DAY = "day", _("Day")
    MONTH = "month", _("Month")


class SpecialPriceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class MinimumValueBasis(models.TextChoices):
    """What a special price's minimum value is compared with."""

    DOCUMENT = "document", _("Value of the document")
    CUMULATIVE = "cumulative", _("Customer's sales within the period")


# The sales types a new company starts with, and the demo's: (code, English, Arabic).
DEFAULT_SALES_TYPES = (
    ("local", "Local", "محلي"),
    ("export", "Export", "تصدير"),
    ("dealer", "Dealer", "وكلاء"),
    ("government", "Government", "حكومي"),
    ("cash", "Cash", "نقدي"),
    ("installment", "Installment", "تقسيط"),
)
