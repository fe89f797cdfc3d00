"""One FilterSet per model, shared by the list page, the API and exports."""

import django_filters as filters
from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from tawasul.core.filters import LocalDateFilter
from tawasul.core.search import text_filter
from tawasul.core.widgets import RemoteSelect, RemoteSelectMultiple, SearchableSelectMultiple
from tawasul.org.models import Branch, Employee

from .choices import ContactKind, Lifecycle
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
from .selectors import RANKED_NAMES


def _scoped(model):
    """Choices for a link filter: only what the requesting user may view."""

    def queryset(request):
        user = getattr(request, "user", None)
        return model.objects.restrict(user, "view")

    return queryset


def _ac(kind):
    return reverse_lazy("contacts:autocomplete", args=[kind])


class ContactFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, code, phone, e-mail")}
        ),
    )
    contact_type = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(ContactType),
        label=_("Type"),
        widget=SearchableSelectMultiple(),
    )
    lifecycle = filters.MultipleChoiceFilter(
        distinct=False,
        choices=Lifecycle.choices,
        label=_("Lifecycle"),
        widget=SearchableSelectMultiple(),
    )
    category = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(ContactCategory),
        label=_("Category"),
        widget=SearchableSelectMultiple(),
    )
    kind = filters.ChoiceFilter(choices=ContactKind.choices, label=_("Organisation or individual"))
    area = filters.ModelChoiceFilter(
        queryset=_scoped(Area),
        method="filter_area",
        label=_("Area (and below)"),
        widget=RemoteSelect(_ac("area")),
    )
    industry = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(Industry),
        label=_("Industry"),
        widget=SearchableSelectMultiple(),
    )
    segment = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(Segment),
        label=_("Segment"),
        widget=SearchableSelectMultiple(),
    )
    size = filters.ModelMultipleChoiceFilter(
        distinct=False, queryset=_scoped(Size), label=_("Size"), widget=SearchableSelectMultiple()
    )
    product_group = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(ProductGroup),
        method="filter_product_group",
        label=_("Product group"),
        widget=SearchableSelectMultiple(),
    )
    referral_source = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(ReferralSource),
        label=_("Referral source"),
        widget=SearchableSelectMultiple(),
    )
    branch = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(Branch),
        label=_("Branch"),
        widget=SearchableSelectMultiple(),
    )
    representative = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(Employee),
        label=_("Representative"),
        widget=RemoteSelectMultiple(_ac("employee")),
    )
    coordinator = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(Employee),
        label=_("Coordinator"),
        widget=RemoteSelectMultiple(_ac("employee")),
    )
    manager = filters.ModelMultipleChoiceFilter(
        distinct=False,
        queryset=_scoped(Employee),
        label=_("Manager"),
        widget=RemoteSelectMultiple(_ac("employee")),
    )
    dealer = filters.ModelChoiceFilter(
        queryset=_scoped(Contact),
        label=_("Served by dealer or agent"),
        widget=RemoteSelect(_ac("dealer")),
    )
    code = filters.CharFilter(label=_("Code"))
    tax_number = filters.CharFilter(label=_("Tax number"))
    # Days in the user's time zone (tawasul.core.timezones.zone_for), as index-friendly ranges.
    created_after = LocalDateFilter(
        field_name="created_at",
        lookup_expr="gte",
        label=_("Created from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = LocalDateFilter(
        field_name="created_at",
        lookup_expr="lte",
        label=_("Created until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return text_filter(queryset, value, rank_by=RANKED_NAMES)

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)

    def filter_product_group(self, queryset, name, value: list[int]):
        if not value:
            return queryset
        # A subquery on the key: no join fan-out, no DISTINCT.
        through = Contact.product_groups.through
        return queryset.filter(
            pk__in=through.objects.filter(productgroup__in=value).values("contact_id")
        )


class MasterDataFilterSet(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", label=_("Search"))
    is_active = filters.BooleanFilter()

    def filter_search(self, queryset, name, value):
        # Names (and a type's code) in the normalised form: BilingualName.search_text.
        return text_filter(queryset, value)


def _filter_within(self, queryset, name, value: int):
    return queryset.filter(path__startswith=value.path)


def masterdata_filterset(model_cls, extra_fields=()):
    """A FilterSet for one master-data model (search by name, active, and its own fields)."""
    meta = type("Meta", (), {"model": model_cls, "fields": ["is_active", *extra_fields]})
    attrs = {"Meta": meta}
    if model_cls is Area:
        attrs["within"] = filters.ModelChoiceFilter(
            queryset=_scoped(Area), method="filter_within", label=_("Within area")
        )
        attrs["filter_within"] = _filter_within
    return type(f"{model_cls.__name__}FilterSet", (MasterDataFilterSet,), attrs)


AreaFilterSet = masterdata_filterset(Area, ["parent", "level"])
IndustryFilterSet = masterdata_filterset(Industry)
SegmentFilterSet = masterdata_filterset(Segment)
SizeFilterSet = masterdata_filterset(Size)
ProductGroupFilterSet = masterdata_filterset(ProductGroup, ["parent"])
ReferralSourceFilterSet = masterdata_filterset(ReferralSource, ["kind"])
ContactTypeFilterSet = masterdata_filterset(ContactType, ["code"])
ContactCategoryFilterSet = masterdata_filterset(ContactCategory, ["contact_type"])


# --- the master-data list pages -----------------------------------------------------------------
# The pages (and their exports) filter with these; the API keeps the FilterSets above, whose
# `is_active` is a boolean and whose model fields (parent, level, code...) the page does not offer.

ACTIVE, INACTIVE = "true", "false"


class MasterDataListFilterSet(filters.FilterSet):
    """A master-data list page's filters: a search by name, the status, and between the two the
    kind's own (a subclass per kind that has some)."""

    search = filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name")}),
    )
    is_active = filters.ChoiceFilter(
        choices=[(ACTIVE, _("Active")), (INACTIVE, _("Inactive"))],
        empty_label=_("Any"),
        method="filter_is_active",
        label=_("Status"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.move_to_end("is_active")

    def filter_search(self, queryset, name, value):
        # Names (and a type's code) in the normalised form: BilingualName.search_text.
        return text_filter(queryset, value)

    def filter_is_active(self, queryset, name, value):
        return queryset.filter(is_active=value == ACTIVE)


class AreaListFilterSet(MasterDataListFilterSet):
    within = filters.ModelChoiceFilter(
        queryset=_scoped(Area), method="filter_within", label=_("Within area"), empty_label=_("Any")
    )

    class Meta:
        model = Area
        fields: list[str] = []

    def filter_within(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path)


class ReferralSourceListFilterSet(MasterDataListFilterSet):
    kind = filters.ChoiceFilter(
        choices=ReferralSource._meta.get_field("kind").choices,
        label=_("Kind"),
        empty_label=_("Any"),
    )

    class Meta:
        model = ReferralSource
        fields: list[str] = []


class ContactCategoryListFilterSet(MasterDataListFilterSet):
    contact_type = filters.ModelChoiceFilter(
        queryset=_scoped(ContactType), label=_("Contact type"), empty_label=_("Any")
    )

    class Meta:
        model = ContactCategory
        fields: list[str] = []


def masterdata_list_filterset(model_cls) -> type[MasterDataListFilterSet]:
    """The list page's FilterSet of a kind with no filters of its own."""
    meta = type("Meta", (), {"model": model_cls, "fields": []})
    return type(f"{model_cls.__name__}ListFilterSet", (MasterDataListFilterSet,), {"Meta": meta})
