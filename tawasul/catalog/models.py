"""The catalog: products, sales types, price lists with dated rates, customer and special prices.

Product groups are the contacts' `ProductGroup` tree (a lower layer). Money is Decimal,
`max_digits=18, decimal_places=3` (the widest minor unit, JOD/KWD/BHD), rounded to the price's
currency by the services (`tawasul.core.money.quantize`). Dates are calendar dates; every
"to" or "until" date is the last day a price applies (inclusive), empty for open-ended.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tawasul.access.querysets import RestrictedQuerySet
from tawasul.contacts.models import Contact, ContactCategory, ProductGroup
from tawasul.core.constraints import ConstraintFieldErrors
from tawasul.core.models import TimeStampedModel
from tawasul.org.models import BilingualName, Company

from .choices import MinimumValueBasis, ProductKind, SpecialPriceStatus, Unit

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
CURRENCY = RegexValidator(r"^[A-Z]{3}$", _("Enter a three-letter currency code (ISO 4217)."))


def _currency_field():
    return models.CharField(
        _("currency"), max_length=3, validators=[CURRENCY], help_text=_("ISO 4217, e.g. SAR.")
    )


class SalesType(ConstraintFieldErrors, BilingualName, TimeStampedModel):
    """A way of selling (local, export, dealer, government, cash, installment...), defined by
    administrators per company; each price list serves one."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=30)
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"])
    constraint_error_fields = {"catalog_salestype_code": "code"}

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("sales type")
        verbose_name_plural = _("sales types")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"],
                name="catalog_salestype_code",
                violation_error_message=_("A sales type with this code already exists."),
                violation_error_code="catalog_salestype_code",
            )
        ]
        indexes = [models.Index(fields=["company", "name", "id"], name="catalog_salestype_name")]


class Product(ConstraintFieldErrors, BilingualName, TimeStampedModel):
    """Something the company sells: goods, a service or a serialised device, filed under a
    product group. `standard_cost` is shown only with `catalog.view_product_cost`."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    product_group = models.ForeignKey(
        ProductGroup,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("product group"),
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    kind = models.CharField(
        _("kind"), max_length=12, choices=ProductKind.choices, default=ProductKind.GOODS
    )
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty (months)"), default=0, validators=[MaxValueValidator(600)]
    )
    standard_cost = models.DecimalField(
        _("standard cost"),
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_text"])
    constraint_error_fields = {"catalog_product_code": "code"}

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        permissions = [
            ("view_product_cost", "Can see products' standard cost"),
            ("export_product", "Can export products"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"],
                name="catalog_product_code",
                violation_error_message=_("A product with this code already exists."),
                violation_error_code="catalog_product_code",
            )
        ]
        indexes = [
            models.Index(fields=["company", "name", "id"], name="catalog_product_name"),
            models.Index(fields=["company", "code", "id"], name="catalog_product_code_idx"),
        ]


class PriceList(ConstraintFieldErrors, TimeStampedModel):
    """The rates of one sales type in one currency; each product's rate is dated (its items)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    sales_type = models.ForeignKey(
        SalesType,
        on_delete=models.PROTECT,
        related_name="price_lists",
        verbose_name=_("sales type"),
    )
    currency = _currency_field()
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()
    constraint_error_fields = {"catalog_pricelist_type_currency": "currency"}

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            # One list per sales type and currency, so that "the sales type's rate in SAR" is
            # one list's rate.
            models.UniqueConstraint(
                fields=["company", "sales_type", "currency"],
                name="catalog_pricelist_type_currency",
                violation_error_message=_(
                    "This sales type already has a price list in this currency."
                ),
                violation_error_code="catalog_pricelist_type_currency",
            )
        ]
        indexes = [models.Index(fields=["company", "name", "id"], name="catalog_pricelist_name")]

    def __str__(self) -> str:
        return self.name


class PriceListItem(ConstraintFieldErrors, TimeStampedModel):
    """A product's rate and floor (minimum) price in one price list from `effective_from` to
    `effective_to` (inclusive; empty: until further notice). The periods of one product in one
    list never overlap (`services.price_list_item_save`, and on PostgreSQL an exclusion
    constraint added by migration 0002)."""

    access_company_path = "price_list__company"

    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="items", verbose_name=_("price list")
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="price_list_items",
        verbose_name=_("product"),
    )
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=3, validators=NOT_NEGATIVE)
    floor = models.DecimalField(
        _("floor price"),
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text=_("The lowest price a line may have without approval."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()
    constraint_error_fields = {
        "catalog_item_period": "effective_to",
        "catalog_item_floor": "floor",
        "catalog_item_rate": "rate",
    }

    class Meta:
        ordering = ["product_id", "effective_from", "id"]
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="catalog_item_period",
                violation_error_message=_("The end date cannot be before the start date."),
                violation_error_code="catalog_item_period",
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(floor__lte=models.F("rate")),
                name="catalog_item_floor",
                violation_error_message=_("The floor price cannot be above the rate."),
                violation_error_code="catalog_item_floor",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0),
                name="catalog_item_rate",
                violation_error_message=_("A rate cannot be negative."),
                violation_error_code="catalog_item_rate",
            ),
        ]
        indexes = [
            models.Index(
                fields=["price_list", "product", "effective_from"], name="catalog_item_lookup"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.rate} ({self.effective_from})"


class CustomerPrice(ConstraintFieldErrors, TimeStampedModel):
    """A product's rate agreed with one customer, or with every customer of a category, from
    `valid_from` to `valid_to` (inclusive; empty: until further notice), with the payment and
    delivery terms that go with it."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    category = models.ForeignKey(
        ContactCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer category"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="customer_prices", verbose_name=_("product")
    )
    currency = _currency_field()
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=3, validators=NOT_NEGATIVE)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    payment_terms = models.TextField(_("payment terms"), blank=True)
    delivery_terms = models.TextField(_("delivery terms"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()
    constraint_error_fields = {
        "catalog_customerprice_whom": "contact",
        "catalog_customerprice_period": "valid_to",
        "catalog_customerprice_rate": "rate",
    }

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("customer price")
        verbose_name_plural = _("customer prices")
        permissions = [("export_customerprice", "Can export customer prices")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(contact__isnull=False) & Q(category__isnull=True))
                | (Q(contact__isnull=True) & Q(category__isnull=False)),
                name="catalog_customerprice_whom",
                violation_error_message=_("Choose either a customer or a customer category."),
                violation_error_code="catalog_customerprice_whom",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="catalog_customerprice_period",
                violation_error_message=_("The end date cannot be before the start date."),
                violation_error_code="catalog_customerprice_period",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0),
                name="catalog_customerprice_rate",
                violation_error_message=_("A rate cannot be negative."),
                violation_error_code="catalog_customerprice_rate",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "valid_from", "id"], name="catalog_cprice_from"),
            models.Index(fields=["product", "contact", "valid_from"], name="catalog_cprice_c"),
            models.Index(fields=["product", "category", "valid_from"], name="catalog_cprice_k"),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.rate} {self.currency}"


class SpecialPrice(ConstraintFieldErrors, TimeStampedModel):
    """A discount of up to `max_discount_percent` off the customer's price, for one customer or
    a category, on one product or a whole product group (and its sub-groups), for at least
    `min_quantity` and, when `min_value` is set, a document or cumulative sales worth at least
    that. Used only once approved (`services.special_price_approve`)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    category = models.ForeignKey(
        ContactCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer category"),
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="special_prices",
        verbose_name=_("product"),
    )
    product_group = models.ForeignKey(
        ProductGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product group"),
    )
    min_quantity = models.DecimalField(
        _("minimum quantity"),
        max_digits=18,
        decimal_places=3,
        default=Decimal("0"),
        validators=NOT_NEGATIVE,
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    min_value = models.DecimalField(
        _("minimum value"),
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    min_value_basis = models.CharField(
        _("minimum value of"),
        max_length=12,
        choices=MinimumValueBasis.choices,
        default=MinimumValueBasis.DOCUMENT,
    )
    max_discount_percent = models.DecimalField(
        _("maximum discount %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SpecialPriceStatus.choices,
        default=SpecialPriceStatus.DRAFT,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_remark = models.TextField(_("decision remark"), blank=True, editable=False)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()
    constraint_error_fields = {
        "catalog_specialprice_whom": "contact",
        "catalog_specialprice_what": "product",
        "catalog_specialprice_period": "valid_until",
        "catalog_specialprice_discount": "max_discount_percent",
    }

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("special price")
        verbose_name_plural = _("special prices")
        permissions = [
            ("approve_specialprice", "Can approve or reject special prices"),
            ("export_specialprice", "Can export special prices"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(contact__isnull=False) & Q(category__isnull=True))
                | (Q(contact__isnull=True) & Q(category__isnull=False)),
                name="catalog_specialprice_whom",
                violation_error_message=_("Choose either a customer or a customer category."),
                violation_error_code="catalog_specialprice_whom",
            ),
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(product_group__isnull=True))
                | (Q(product__isnull=True) & Q(product_group__isnull=False)),
                name="catalog_specialprice_what",
                violation_error_message=_("Choose either a product or a product group."),
                violation_error_code="catalog_specialprice_what",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="catalog_specialprice_period",
                violation_error_message=_("The end date cannot be before the start date."),
                violation_error_code="catalog_specialprice_period",
            ),
            models.CheckConstraint(
                condition=Q(max_discount_percent__gte=0) & Q(max_discount_percent__lte=100),
                name="catalog_specialprice_discount",
                violation_error_message=_("A discount is between 0 and 100 %."),
                violation_error_code="catalog_specialprice_discount",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "valid_from", "id"], name="catalog_sprice_from"),
            models.Index(fields=["company", "status", "valid_from"], name="catalog_sprice_status"),
        ]

    def __str__(self) -> str:
        what = self.product if self.product_id else self.product_group
        return f"{what} −{self.max_discount_percent}%"
