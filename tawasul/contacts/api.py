"""REST API for contacts and their link-field master data."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError as APIValidationError

from tawasul.access.api import RestrictedViewSetMixin
from tawasul.access.fields import can_see
from tawasul.access.querysets import user_company, user_company_id
from tawasul.core.api import CleanCharField, CleanTextField, CountryCodeField, ModelSerializer
from tawasul.org.api import ScopedPrimaryKeyRelatedField, ServiceWriteMixin
from tawasul.org.models import Company

from . import filtersets, services
from .links import SINGLE_LINKS
from .models import (
    Address,
    Area,
    Contact,
    ContactCategory,
    ContactPerson,
    ContactType,
    DealerProfile,
    Email,
    Industry,
    Phone,
    ProductGroup,
    ReferralSource,
    Segment,
    Size,
)
from .phones import phone_region, phone_to_e164

COMMISSION = "contacts.dealerprofile.commission_rate"

# --- master data ---------------------------------------------------------------------------


class MasterDataSerializer(ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(model=Company, required=False)

    def validate(self, attrs):
        if "company" not in attrs and self.instance is None:
            request = self.context["request"]
            company_id = user_company_id(request.user)
            if company_id is None:
                raise APIValidationError({"company": ["This field is required."]})
            attrs["company"] = user_company(request.user)
        return attrs


def masterdata_viewset(model_cls, filterset, extra_fields=(), links=None):
    """A CRUD viewset for one kind of master data, writing through `masterdata_save`."""
    serializer_attrs = {
        "Meta": type(
            "Meta",
            (),
            {
                "model": model_cls,
                "fields": ["id", "company", "name", "name_ar", "is_active", *extra_fields],
                "read_only_fields": ["path"] if model_cls in (Area, ProductGroup) else [],
            },
        )
    }
    for name, model in (links or {}).items():
        serializer_attrs[name] = ScopedPrimaryKeyRelatedField(
            model=model, required=name != "parent", allow_null=name == "parent"
        )
    serializer_cls = type(
        f"{model_cls.__name__}Serializer", (MasterDataSerializer,), serializer_attrs
    )

    class MasterDataViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
        queryset = model_cls.objects.all()  # access-ok: RestrictedViewSetMixin narrows it
        serializer_class = serializer_cls
        filterset_class = filterset
        ordering_fields = ["name", "id"]
        ordering = "name"

        def perform_create(self, serializer):
            serializer.instance = services.masterdata_save(
                actor=self.request.user, model=model_cls, **serializer.validated_data
            )

        def perform_update(self, serializer):
            serializer.instance = services.masterdata_save(
                actor=self.request.user,
                model=model_cls,
                instance=serializer.instance,
                **serializer.validated_data,
            )

    MasterDataViewSet.__name__ = f"{model_cls.__name__}ViewSet"
    MasterDataViewSet.__qualname__ = MasterDataViewSet.__name__
    return MasterDataViewSet


AreaViewSet = masterdata_viewset(
    Area, filtersets.AreaFilterSet, ["parent", "level", "path"], {"parent": Area}
)
IndustryViewSet = masterdata_viewset(Industry, filtersets.IndustryFilterSet)
SegmentViewSet = masterdata_viewset(Segment, filtersets.SegmentFilterSet)
SizeViewSet = masterdata_viewset(Size, filtersets.SizeFilterSet)
ProductGroupViewSet = masterdata_viewset(
    ProductGroup, filtersets.ProductGroupFilterSet, ["parent", "path"], {"parent": ProductGroup}
)
ReferralSourceViewSet = masterdata_viewset(
    ReferralSource, filtersets.ReferralSourceFilterSet, ["kind"]
)
ContactTypeViewSet = masterdata_viewset(ContactType, filtersets.ContactTypeFilterSet, ["code"])
ContactCategoryViewSet = masterdata_viewset(
    ContactCategory,
    filtersets.ContactCategoryFilterSet,
    ["contact_type"],
    {"contact_type": ContactType},
)


# --- contacts ------------------------------------------------------------------------------


class KeptLinkField(ScopedPrimaryKeyRelatedField):
    """A contact's link: what the user may view, plus, on an update, what the contact links to
    today (`current(contact)` gives those keys) even if the user may not view it.

    The representation is the key alone, never a name, so a hidden linked record's key may be
    read back and sent again: a PUT of what a GET returned neither fails nor drops the link.
    Services refuse changes to links the user may not view.
    """

    def __init__(self, current=None, **kwargs):
        self.current = current
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        contact = getattr(self.root, "instance", None)
        if self.current is None or not isinstance(contact, Contact):
            return queryset
        keep = {pk for pk in self.current(contact) if pk is not None}
        if not keep:
            return queryset
        return queryset.model._default_manager.filter(
            Q(pk__in=queryset.values("pk")) | Q(pk__in=keep)
        )


def _link(model, **kw):
    return KeptLinkField(model=model, required=False, allow_null=True, **kw)


def _today(name):
    """The key a contact links to today through the foreign key `name`."""
    return lambda contact: [getattr(contact, f"{name}_id")]


class PhoneField(CleanCharField):
    """A phone number, read in the company's default country and returned in E.164."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        region = self.context.get("phone_region") or phone_region(None)
        try:
            return phone_to_e164(value, region)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages)


class PhoneSerializer(ModelSerializer):
    id = serializers.IntegerField(required=False)
    number = PhoneField()

    class Meta:
        model = Phone
        fields = ["id", "kind", "number"]


class EmailSerializer(ModelSerializer):
    id = serializers.IntegerField(required=False)

    class Meta:
        model = Email
        fields = ["id", "kind", "address"]


class PersonSerializer(ModelSerializer):
    id = serializers.IntegerField(required=False)
    phones = serializers.ListField(child=PhoneField(), required=False, write_only=True)
    emails = serializers.ListField(child=serializers.EmailField(), required=False, write_only=True)

    class Meta:
        model = ContactPerson
        fields = ["id", "name", "name_ar", "title", "department", "is_primary", "phones", "emails"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["phones"] = [p.number for p in instance.phones.all()]
        data["emails"] = [e.address for e in instance.emails.all()]
        return data


class AddressSerializer(ModelSerializer):
    id = serializers.IntegerField(required=False)
    country = CountryCodeField(required=False, allow_blank=True)
    area = KeptLinkField(
        model=Area,
        required=False,
        allow_null=True,
        current=lambda contact: [a.area_id for a in contact.addresses.all()],
    )

    class Meta:
        model = Address
        fields = [
            "id",
            "kind",
            "line1",
            "line2",
            "city",
            "area",
            "postal_code",
            "country",
            "latitude",
            "longitude",
        ]


def _territories(contact: Contact) -> list[int]:
    try:
        profile = contact.dealer_profile
    except DealerProfile.DoesNotExist:
        return []
    return [area.pk for area in profile.territories.all()]


class DealerProfileSerializer(ModelSerializer):
    territories = KeptLinkField(
        model=Area, many=True, required=False, current=lambda contact: _territories(contact)
    )

    class Meta:
        model = DealerProfile
        fields = ["territories", "commission_rate", "agreement_start", "agreement_end"]


def _link_fields() -> dict[str, KeptLinkField]:
    """The API field of each single-valued link of a contact (`links.SINGLE_LINKS`): optional
    unless the model requires it (the contact type)."""
    fields = {}
    for name in SINGLE_LINKS:
        field = Contact._meta.get_field(name)
        optional = {"required": False, "allow_null": True} if field.blank else {}
        fields[name] = KeptLinkField(model=field.related_model, current=_today(name), **optional)
    return fields


# The links are declared on a base class made from `_link_fields` (DRF collects declared
# fields from base classes too).
_ContactLinks = type("_ContactLinks", (ModelSerializer,), _link_fields())


class ContactSerializer(_ContactLinks):
    code = CleanCharField(required=False, allow_blank=True, max_length=30)
    product_groups = KeptLinkField(
        model=ProductGroup,
        many=True,
        required=False,
        current=lambda contact: [g.pk for g in contact.product_groups.all()],
    )
    persons = PersonSerializer(many=True, required=False)
    addresses = AddressSerializer(many=True, required=False)
    phones = PhoneSerializer(many=True, required=False)
    emails = EmailSerializer(many=True, required=False)
    dealer_profile = DealerProfileSerializer(required=False, allow_null=True)
    lifecycle_reason = CleanTextField(required=False, allow_blank=True, write_only=True)
    possible_duplicates = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            *services.CONTACT_FIELDS,
            "product_groups",
            "lifecycle_reason",
            "persons",
            "addresses",
            "phones",
            "emails",
            "dealer_profile",
            "possible_duplicates",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_possible_duplicates(self, obj):
        return getattr(obj, "_possible_duplicates", [])

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Persons' own phones and e-mails are shown under each person, not twice.
        data["phones"] = [
            p
            for p, obj in zip(data["phones"], instance.phones.all(), strict=True)
            if obj.person_id is None
        ]
        data["emails"] = [
            e
            for e, obj in zip(data["emails"], instance.emails.all(), strict=True)
            if obj.person_id is None
        ]
        request = self.context.get("request")
        if data.get("dealer_profile") and not can_see(request and request.user, COMMISSION):
            data["dealer_profile"].pop("commission_rate", None)
        return data

    def validate_dealer_profile(self, value):
        request = self.context.get("request")
        if (
            value
            and "commission_rate" in value
            and not can_see(request and request.user, COMMISSION)
        ):
            raise serializers.ValidationError({"commission_rate": ["You may not set this field."]})
        return value


class ContactViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Contacts with their persons, addresses, phones and e-mails nested."""

    queryset = Contact.objects.select_related("dealer_profile").prefetch_related(
        "product_groups",
        "addresses",
        "phones",
        "emails",
        "persons__phones",
        "persons__emails",
        "dealer_profile__territories",
    )
    serializer_class = ContactSerializer
    keys_first = True  # page keys from the covering name index (see KeysetCursorPagination)
    filterset_class = filtersets.ContactFilterSet
    ordering_fields = ["name", "code", "created_at", "updated_at", "id"]
    ordering = "name"

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        company = user_company(self.request.user) if self.request else None
        if company is not None:
            ctx["phone_region"] = phone_region(company)
        return ctx

    def _split(self, validated: dict):
        data = dict(validated)
        nested = {
            "product_groups": data.pop("product_groups", None),
            "persons": data.pop("persons", None),
            "addresses": data.pop("addresses", None),
            "phones": data.pop("phones", None),
            "emails": data.pop("emails", None),
            "dealer_profile": data.pop("dealer_profile", None),
        }
        reason = data.pop("lifecycle_reason", "")
        return data, nested, reason

    def perform_create(self, serializer):
        data, nested, _reason = self._split(serializer.validated_data)
        user = self.request.user
        company = user_company(user)
        if company is None:
            raise APIValidationError({"company": ["Your account is not linked to a company."]})
        with transaction.atomic():
            contact = services.contact_create(actor=user, company=company, data=data, **nested)
        duplicates = services.contact_find_duplicates(
            user=user,
            company=company,
            exclude_pk=contact.pk,
            **services.contact_duplicate_values(
                data=data,
                persons=nested["persons"],
                phones=nested["phones"],
                emails=nested["emails"],
            ),
        )
        contact._possible_duplicates = [match.pk for match in duplicates]
        serializer.instance = self.queryset.get(pk=contact.pk)
        serializer.instance._possible_duplicates = contact._possible_duplicates

    def perform_update(self, serializer):
        data, nested, reason = self._split(serializer.validated_data)
        contact = services.contact_update(
            actor=self.request.user,
            contact=serializer.instance,
            data=data,
            reason=reason,
            **nested,
        )
        serializer.instance = self.queryset.get(pk=contact.pk)

    def perform_destroy(self, instance):
        services.contact_delete(actor=self.request.user, contact=instance)


def register(router) -> None:
    router.register("contacts", ContactViewSet)
    router.register("contact-types", ContactTypeViewSet)
    router.register("contact-categories", ContactCategoryViewSet)
    router.register("areas", AreaViewSet)
    router.register("industries", IndustryViewSet)
    router.register("segments", SegmentViewSet)
    router.register("sizes", SizeViewSet)
    router.register("product-groups", ProductGroupViewSet)
    router.register("referral-sources", ReferralSourceViewSet)


__all__ = ["register", "ServiceWriteMixin"]
