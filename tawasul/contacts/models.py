"""Contacts and the link-field master data that classifies them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tawasul.access.querysets import RestrictedQuerySet
from tawasul.core.constraints import ConstraintFieldErrors
from tawasul.core.fields import ClockDateTimeField
from tawasul.core.importer.models import ImportJob as BaseImportJob
from tawasul.core.models import TimeStampedModel
from tawasul.org.models import BilingualName, Branch, Company, Employee

from .choices import (
    DEALER_TYPE_CODES,
    AddressKind,
    AreaLevel,
    ContactKind,
    EmailKind,
    Lifecycle,
    PhoneKind,
    ReferralKind,
)
from .lifecycle import ContactLifecycle
from .links import RULE_COLUMNS  # columns record rules test, carried by the name index


class MasterData(BilingualName):
    """A value of a link field that administrators maintain per company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]


class ContactType(ConstraintFieldErrors, MasterData):
    """Customer, prospect, supplier, dealer, agent, competitor, employee, or one an admin adds."""

    code = models.SlugField(_("code"), max_length=30)
    is_system = models.BooleanField(default=False, editable=False)
    history = HistoricalRecords(excluded_fields=["search_text"])
    constraint_error_fields = {"uniq_contact_type_code": "code"}

    class Meta(MasterData.Meta):
        verbose_name = _("contact type")
        verbose_name_plural = _("contact types")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"],
                name="uniq_contact_type_code",
                violation_error_message=_("A contact type with this code already exists."),
                violation_error_code="uniq_contact_type_code",
            )
        ]


class ContactCategory(MasterData):
    """A category within one contact type (for example "Wholesale" customers)."""

    contact_type = models.ForeignKey(
        ContactType,
        on_delete=models.CASCADE,
        related_name="categories",
        verbose_name=_("contact type"),
    )
    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta(MasterData.Meta):
        verbose_name = _("contact category")
        verbose_name_plural = _("contact categories")


class Area(MasterData):
    """A place in the area tree: country, region, city, zone.

    `path` holds the ids from the root ("/3/17/"), so "within the subtree of Riyadh" is one
    indexed prefix match.
    """

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent area"),
    )
    level = models.CharField(_("level"), max_length=10, choices=AreaLevel.choices)
    path = models.CharField(max_length=500, editable=False, db_index=True, default="/")
    history = HistoricalRecords(excluded_fields=["path", "search_text"])

    class Meta(MasterData.Meta):
        ordering = ["path"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")


class Industry(MasterData):
    """Industry a contact works in."""

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta(MasterData.Meta):
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class Segment(MasterData):
    """Market segment."""

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta(MasterData.Meta):
        verbose_name = _("segment")
        verbose_name_plural = _("segments")


class Size(MasterData):
    """Company size band."""

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta(MasterData.Meta):
        verbose_name = _("size")
        verbose_name_plural = _("sizes")


class ProductGroup(MasterData):
    """A group of products a contact deals in, and the catalog files its products under.

    Groups form a tree as areas do: `path` holds the ids from the root ("/4/9/"), kept by
    `services.masterdata_save`, so "within this group" is one indexed prefix match and a
    group's depth is its path's number of ids less one.
    """

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent group"),
    )
    path = models.CharField(max_length=500, editable=False, db_index=True, default="/")
    history = HistoricalRecords(excluded_fields=["path", "search_text"])

    class Meta(MasterData.Meta):
        ordering = ["path"]
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")


class ReferralSource(MasterData):
    """A campaign, exhibition or channel that brings contacts in."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=ReferralKind.choices, default=ReferralKind.CAMPAIGN
    )
    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta(MasterData.Meta):
        verbose_name = _("referral source")
        verbose_name_plural = _("referral sources")


class Contact(ContactLifecycle, ConstraintFieldErrors, TimeStampedModel):
    """A customer, prospect, supplier, dealer, agent, competitor or employee."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="contacts")
    code = models.CharField(_("code"), max_length=30)
    kind = models.CharField(
        _("organisation or individual"),
        max_length=12,
        choices=ContactKind.choices,
        default=ContactKind.ORGANISATION,
    )
    contact_type = models.ForeignKey(
        ContactType, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("type")
    )
    category = models.ForeignKey(
        ContactCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("category"),
    )
    name = models.CharField(_("name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    tax_number = models.CharField(_("tax number"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("area"),
    )
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("industry"),
    )
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("segment"),
    )
    size = models.ForeignKey(
        Size,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("size"),
    )
    product_groups = models.ManyToManyField(
        ProductGroup, blank=True, related_name="contacts", verbose_name=_("product groups")
    )
    referral_source = models.ForeignKey(
        ReferralSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("referral source"),
    )
    referred_by_contact = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by contact"),
    )
    referred_by_employee = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by representative"),
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("branch"),
    )
    representative = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="represented_contacts",
        verbose_name=_("representative"),
    )
    coordinator = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_contacts",
        verbose_name=_("coordinator"),
    )
    manager = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_contacts",
        verbose_name=_("manager"),
    )
    dealer = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="served_contacts",
        verbose_name=_("served by dealer or agent"),
    )
    lifecycle = models.CharField(
        _("lifecycle"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.TARGET
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # Derived, kept by services (contact_search_columns): comparison forms of the names, which
    # duplicate detection looks up, and the text search matches.
    name_normalized = models.CharField(max_length=400, editable=False, default="")
    name_ar_normalized = models.CharField(max_length=400, editable=False, default="")
    search_text = models.TextField(editable=False, default="")

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["name_normalized", "name_ar_normalized", "search_text", "updated_at"]
    )
    constraint_error_fields = {"uniq_contact_code": "code"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        permissions = [
            ("export_contact", "Can export contacts"),
            ("assign_contact", "Can assign contacts"),
            ("import_contact", "Can import contacts"),
            ("view_commission", "Can see dealer commission rates"),
        ]
        constraints = [
            # The same answer whether or not the user may see the contact holding the code.
            models.UniqueConstraint(
                fields=["company", "code"],
                name="uniq_contact_code",
                violation_error_message=_(
                    "This code cannot be used; leave it empty to number automatically."
                ),
                violation_error_code="uniq_contact_code",
            ),
        ]
        indexes = [
            # The default list order. It also carries every link column a record rule may test
            # (PostgreSQL; other databases ignore `include`), so the keys of a page come from
            # an index-only scan whatever the user's rules (docs/development/access-at-scale.md).
            models.Index(
                fields=["company", "name", "id"],
                include=RULE_COLUMNS,
                name="contact_company_name_cover",
            ),
            models.Index(fields=["company", "created_at", "id"], name="contact_company_created"),
            models.Index(fields=["company", "updated_at", "id"], name="contact_company_updated"),
            models.Index(fields=["company", "name_normalized"], name="contact_company_nname"),
            models.Index(fields=["company", "name_ar_normalized"], name="contact_company_nname_ar"),
            models.Index(fields=["company", "lifecycle", "name", "id"], name="contact_lifecycle"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if get_language() == "ar" and self.name_ar:
            return self.name_ar
        return self.name

    @property
    def is_dealer(self) -> bool:
        return self.contact_type.code in DEALER_TYPE_CODES


class ContactPerson(ConstraintFieldErrors, models.Model):
    """Someone at an organisation that we talk to."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(_("name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    history = HistoricalRecords()
    constraint_error_fields = {"one_primary_person": "is_primary"}

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        constraints = [
            models.UniqueConstraint(
                fields=["contact"],
                condition=models.Q(is_primary=True),
                name="one_primary_person",
                violation_error_message=_("Only one contact person can be the primary one."),
                violation_error_code="one_primary_person",
            )
        ]

    def __str__(self) -> str:
        return self.name


ADDRESS_EMPTY = _("Give at least a line of the address, a city or an area.")


class Address(models.Model):
    """A typed postal address, optionally geo-located."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(
        _("kind"), max_length=10, choices=AddressKind.choices, default=AddressKind.OFFICE
    )
    # Many customers are known by city (and area) alone: every part is optional, but an address
    # must say something (`clean`).
    line1 = models.CharField(_("address"), max_length=200, blank=True)
    line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addresses",
        verbose_name=_("area"),
    )
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        parts = [self.line1, self.line2, self.city]
        return ", ".join(p for p in parts if p) or str(self.area or "")

    def clean(self) -> None:
        super().clean()
        parts = (self.line1, self.line2, self.city, self.postal_code)
        located = self.latitude is not None and self.longitude is not None
        if not any((p or "").strip() for p in parts) and not self.area_id and not located:
            raise ValidationError({"line1": ADDRESS_EMPTY})

    @property
    def map_url(self) -> str | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (
            "https://www.openstreetmap.org/?mlat="
            f"{self.latitude}&mlon={self.longitude}#map=17/{self.latitude}/{self.longitude}"
        )


class Phone(models.Model):
    """A phone number in E.164, of the contact or of one of its persons."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    person = models.ForeignKey(
        ContactPerson, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE
    )
    number = models.CharField(_("number"), max_length=20, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("phone")
        verbose_name_plural = _("phones")

    def __str__(self) -> str:
        return self.number


class Email(models.Model):
    """An e-mail address, of the contact or of one of its persons."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    person = models.ForeignKey(
        ContactPerson, on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=EmailKind.choices, default=EmailKind.WORK
    )
    address = models.EmailField(_("e-mail"), db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")

    def __str__(self) -> str:
        return self.address


class DealerProfile(ConstraintFieldErrors, models.Model):
    """Terms of a dealer or agent: territory, commission and agreement dates."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="dealer_profile")
    territories = models.ManyToManyField(
        Area, blank=True, related_name="dealers", verbose_name=_("territory")
    )
    commission_rate = models.DecimalField(
        _("commission rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    agreement_start = models.DateField(_("agreement start"), null=True, blank=True)
    agreement_end = models.DateField(_("agreement end"), null=True, blank=True)
    history = HistoricalRecords()
    constraint_error_fields = {"dealer_agreement_dates": "agreement_end"}

    class Meta:
        verbose_name = _("dealer terms")
        verbose_name_plural = _("dealer terms")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agreement_end__isnull=True)
                | models.Q(agreement_start__isnull=True)
                | models.Q(agreement_end__gte=models.F("agreement_start")),
                name="dealer_agreement_dates",
                violation_error_message=_("The agreement cannot end before it starts."),
                violation_error_code="dealer_agreement_dates",
            )
        ]

    def __str__(self) -> str:
        return str(self.contact)


class LifecycleChange(models.Model):
    """One move of a contact through the lifecycle, with who, when and why."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="lifecycle_changes")
    from_stage = models.CharField(max_length=12, choices=Lifecycle.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=Lifecycle.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} → {self.to_stage}"


class ImportJob(BaseImportJob):
    """An uploaded contacts file, its column mapping, and the report of its dry run or import
    (the generic importer's job, see `tawasul.core.importer`)."""

    class DuplicatePolicy(models.TextChoices):
        """What a row that matches an existing contact (or an earlier row) does."""

        SKIP = "skip", _("Skip the row")
        UPDATE = "update", _("Update the existing contact")
        CREATE = "create", _("Import it as a new contact anyway")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    duplicate_policy = models.CharField(
        max_length=10, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )

    objects = RestrictedQuerySet.as_manager()
