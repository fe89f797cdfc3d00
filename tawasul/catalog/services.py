"""Every write of the catalog: `<entity>_<verb>(*, actor, ...)`, each in one transaction.

Refusals are `ValidationError({field: message})` (forms and the API show them at the field);
a record saved outside the actor's rights is rolled back by `verify_within`. Amounts are
rounded to their currency's minor unit (`tawasul.core.money.quantize`) before saving.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tawasul.core import clock, money
from tawasul.core.access import verify_within
from tawasul.core.history import stamp_history
from tawasul.core.types import Actor
from tawasul.org.models import Company

from .choices import DEFAULT_SALES_TYPES, SpecialPriceStatus
from .models import CustomerPrice, PriceList, PriceListItem, Product, SalesType, SpecialPrice

# Database names of the overlap guard PostgreSQL adds (migration 0002).
ITEM_OVERLAP_CONSTRAINT = "catalog_item_no_overlap"


def _assign(obj, fields: dict[str, Any]) -> bool:
    """Set `fields` on `obj`; True when a value changed (history keeps only real changes)."""
    changed = obj.pk is None
    for name, value in fields.items():
        if changed or getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _same_company(obj, *names: str) -> None:
    """Refuse a link of `obj` (by field name) to another company's record."""
    if obj.company_id is None:
        raise ValidationError({"company": _("This field is required.")})
    for name in names:
        if getattr(obj, f"{name}_id") is None:
            continue
        linked = getattr(obj, name)
        if linked.company_id != obj.company_id:
            raise ValidationError({name: _("This value belongs to another company.")})
    category_id = getattr(obj, "category_id", None)
    if category_id is not None and obj.category.contact_type.company_id != obj.company_id:
        raise ValidationError({"category": _("This value belongs to another company.")})


def _save(actor: Actor, obj, action: str, exclude=None):
    stamp_history(obj, actor)
    obj.full_clean(exclude=exclude)
    obj.save()
    verify_within(actor, obj, action)
    return obj


def periods_overlapping(queryset: QuerySet, start: date, end: date | None, *, fields) -> QuerySet:
    """Rows of `queryset` whose period (`fields`: the start and end field names; an empty end
    is open) shares at least one day with `start`..`end` (inclusive; `end` None: open)."""
    start_field, end_field = fields
    overlap = Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": start})
    if end is not None:
        overlap &= Q(**{f"{start_field}__lte": end})
    return queryset.filter(overlap)


# --- sales types --------------------------------------------------------------------------------


@transaction.atomic
def sales_type_save(*, actor: Actor, instance: SalesType | None = None, **fields) -> SalesType:
    """Create or change a sales type (code, names, active)."""
    obj = instance or SalesType()
    action = "change" if obj.pk else "add"
    if not _assign(obj, fields):
        return obj
    return _save(actor, obj, action)


def sales_types_seed(*, company: Company) -> list[SalesType]:
    """Give `company` the default sales types it does not hold yet (by code); the new ones."""
    held = set(SalesType.objects.filter(company=company).values_list("code", flat=True))
    made = []
    for code, name, name_ar in DEFAULT_SALES_TYPES:
        if code not in held:
            made.append(
                sales_type_save(actor=None, company=company, code=code, name=name, name_ar=name_ar)
            )
    return made


# --- products -----------------------------------------------------------------------------------


@transaction.atomic
def product_save(*, actor: Actor, instance: Product | None = None, **fields) -> Product:
    """Create or change a product. Its group must be the company's; the standard cost is
    rounded to the company's currency and may be set only by whoever may see it."""
    obj = instance or Product()
    action = "change" if obj.pk else "add"
    if "standard_cost" in fields and actor is not None:
        if not actor.has_perm("catalog.view_product_cost"):
            raise PermissionDenied(_("You may not set the standard cost."))
    if not _assign(obj, fields):
        return obj
    _same_company(obj, "product_group")
    company = Company.objects.get(pk=obj.company_id)
    if obj.standard_cost is not None:
        obj.standard_cost = money.quantize(obj.standard_cost, company.currency)
    return _save(actor, obj, action)


# --- price lists --------------------------------------------------------------------------------


@transaction.atomic
def price_list_save(*, actor: Actor, instance: PriceList | None = None, **fields) -> PriceList:
    """Create or change a price list (name, sales type, currency, active). Its currency cannot
    change once it holds rates (they are amounts in that currency)."""
    obj = instance or PriceList()
    action = "change" if obj.pk else "add"
    if "currency" in fields and isinstance(fields["currency"], str):
        fields["currency"] = fields["currency"].strip().upper()
    if obj.pk and fields.get("currency", obj.currency) != obj.currency and obj.items.exists():
        raise ValidationError(
            {"currency": _("The currency cannot change: the list already holds rates.")}
        )
    if not _assign(obj, fields):
        return obj
    _same_company(obj, "sales_type")
    return _save(actor, obj, action)


def _rounded(amount: Decimal | None, currency: str) -> Decimal | None:
    return None if amount is None else money.quantize(amount, currency)


@transaction.atomic
def price_list_item_save(
    *, actor: Actor, instance: PriceListItem | None = None, **fields
) -> PriceListItem:
    """Create or change a product's dated rate and floor in a price list.

    Refused (ValidationError at the field): a product of another company, a negative rate,
    a floor above the rate, an end before the start, and a period that shares a day with
    another period of the same product in the same list (`effective_from`). Writers of one
    list are serialised by a lock on its row, so the check holds under concurrency; on
    PostgreSQL an exclusion constraint holds it too. Changing a rate means closing one
    period and opening the next: both stay in the list as its history.
    """
    obj = instance or PriceListItem()
    action = "change" if obj.pk else "add"
    if not _assign(obj, fields):
        return obj
    if obj.price_list_id is None:
        raise ValidationError({"price_list": _("This field is required.")})
    price_list = PriceList.objects.select_for_update().get(pk=obj.price_list_id)
    if obj.product_id and obj.product.company_id != price_list.company_id:
        raise ValidationError({"product": _("This value belongs to another company.")})
    if obj.rate is not None:
        obj.rate = money.quantize(obj.rate, price_list.currency)
    obj.floor = _rounded(obj.floor, price_list.currency)
    stamp_history(obj, actor)
    obj.full_clean()
    clash = (
        periods_overlapping(
            PriceListItem.objects.filter(price_list_id=price_list.pk, product_id=obj.product_id),
            obj.effective_from,
            obj.effective_to,
            fields=("effective_from", "effective_to"),
        )
        .exclude(pk=obj.pk)
        .order_by("effective_from")
        .first()
    )
    if clash is not None:
        raise ValidationError({"effective_from": _overlap_message(clash)})
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        if ITEM_OVERLAP_CONSTRAINT in str(exc):
            raise ValidationError(
                {"effective_from": _("This period overlaps another rate of this product.")}
            ) from exc
        raise
    verify_within(actor, obj, action)
    return obj


def _overlap_message(clash: PriceListItem) -> str:
    if clash.effective_to is None:
        return _(
            "This period overlaps the rate effective from %(start)s with no end date; give "
            "that one an end date first."
        ) % {"start": clash.effective_from.isoformat()}
    return _("This period overlaps the rate effective from %(start)s to %(end)s.") % {
        "start": clash.effective_from.isoformat(),
        "end": clash.effective_to.isoformat(),
    }


@transaction.atomic
def price_list_item_delete(*, actor: Actor, item: PriceListItem) -> None:
    """Remove a dated rate (entered by mistake; a rate that ends is given an end date)."""
    verify_within(actor, item, "change")
    stamp_history(item, actor)
    item.delete()


# --- customer prices ----------------------------------------------------------------------------


@transaction.atomic
def customer_price_save(
    *, actor: Actor, instance: CustomerPrice | None = None, **fields
) -> CustomerPrice:
    """Create or change a customer's (or a category's) rate for a product in a currency, with
    its payment and delivery terms. Refused at the field: a customer or category or product of
    another company, both or neither of customer and category, a negative rate, an end before
    the start, and a period overlapping another of the same customer (or category), product
    and currency (`valid_from`)."""
    obj = instance or CustomerPrice()
    action = "change" if obj.pk else "add"
    if "currency" in fields and isinstance(fields["currency"], str):
        fields["currency"] = fields["currency"].strip().upper()
    if not _assign(obj, fields):
        return obj
    _same_company(obj, "contact", "product")
    if obj.currency and obj.rate is not None:
        try:
            obj.rate = money.quantize(obj.rate, obj.currency)
        except ValueError:
            raise ValidationError(
                {"currency": _("Enter a three-letter currency code (ISO 4217).")}
            ) from None
    Product.objects.select_for_update().filter(pk=obj.product_id).first()
    stamp_history(obj, actor)
    obj.full_clean()
    whom = Q(contact_id=obj.contact_id) if obj.contact_id else Q(category_id=obj.category_id)
    same = (
        CustomerPrice.objects.filter(whom, product_id=obj.product_id, currency=obj.currency)
        .filter(contact__isnull=obj.contact_id is None)
        .exclude(pk=obj.pk)
    )
    clash = (
        periods_overlapping(same, obj.valid_from, obj.valid_to, fields=("valid_from", "valid_to"))
        .order_by("valid_from")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "valid_from": _(
                    "This period overlaps this customer's price of this product from %(start)s."
                )
                % {"start": clash.valid_from.isoformat()}
            }
        )
    obj.save()
    verify_within(actor, obj, action)
    return obj


@transaction.atomic
def customer_price_delete(*, actor: Actor, price: CustomerPrice) -> None:
    """Remove a customer price."""
    verify_within(actor, price, "delete")
    stamp_history(price, actor)
    price.delete()


# --- special prices -----------------------------------------------------------------------------

EDITABLE = (SpecialPriceStatus.DRAFT, SpecialPriceStatus.REJECTED)


@transaction.atomic
def special_price_save(
    *, actor: Actor, instance: SpecialPrice | None = None, **fields
) -> SpecialPrice:
    """Create or change a special price while it is a draft or rejected (a rejected one
    changed becomes a draft again, to be submitted anew). Refused at the field: records of
    another company, both or neither of customer and category or of product and group, an end
    before the start, a discount outside 0-100 %."""
    obj = instance or SpecialPrice()
    action = "change" if obj.pk else "add"
    if obj.pk:
        obj = SpecialPrice.objects.select_for_update().get(pk=obj.pk)
        if obj.status not in EDITABLE:
            raise ValidationError(
                {"status": _("Only a draft or rejected special price can be changed.")}
            )
    fields.pop("status", None)
    if not _assign(obj, fields):
        return obj
    obj.status = SpecialPriceStatus.DRAFT
    _same_company(obj, "contact", "product", "product_group")
    return _save(actor, obj, action)


def _decide(
    actor: Actor, special: SpecialPrice, verb: str, frm: tuple, to: str, remark: str = ""
) -> SpecialPrice:
    """Move `special` from one of `frm` to `to` under a row lock, naming who and when."""
    locked = SpecialPrice.objects.select_for_update().get(pk=special.pk)
    if locked.status not in frm:
        raise ValidationError(
            {
                "status": _("A special price that is %(status)s cannot be %(verb)s.")
                % {"status": locked.get_status_display().lower(), "verb": verb}
            }
        )
    who = actor if isinstance(actor, User) else None
    locked.status = to
    if to == SpecialPriceStatus.AWAITING_APPROVAL:
        locked.submitted_by, locked.submitted_at = who, clock.now()
        locked.decided_by, locked.decided_at, locked.decision_remark = None, None, ""
    else:
        locked.decided_by, locked.decided_at, locked.decision_remark = who, clock.now(), remark
    stamp_history(locked, actor, remark or None)
    locked.save()
    return locked


@transaction.atomic
def special_price_submit(*, actor: Actor, special: SpecialPrice) -> SpecialPrice:
    """Ask for approval of a draft special price (needs change on it); records who and when.
    The approval engine, when it exists, is to call `special_price_approve`/`_reject`."""
    verify_within(actor, special, "change")
    return _decide(
        actor,
        special,
        _("submitted"),
        (SpecialPriceStatus.DRAFT,),
        SpecialPriceStatus.AWAITING_APPROVAL,
    )


def _check_approver(actor: Actor, special: SpecialPrice) -> None:
    if actor is not None and not actor.has_perm("catalog.approve_specialprice"):
        raise PermissionDenied(_("You may not approve or reject special prices."))
    verify_within(actor, special, "view")


@transaction.atomic
def special_price_approve(*, actor: Actor, special: SpecialPrice, remark: str = "") -> SpecialPrice:
    """Approve a special price awaiting approval (`catalog.approve_specialprice`); from then
    on price resolution uses it within its conditions. Records who, when and the remark."""
    _check_approver(actor, special)
    return _decide(
        actor,
        special,
        _("approved"),
        (SpecialPriceStatus.AWAITING_APPROVAL,),
        SpecialPriceStatus.APPROVED,
        remark,
    )


@transaction.atomic
def special_price_reject(*, actor: Actor, special: SpecialPrice, remark: str = "") -> SpecialPrice:
    """Reject a special price awaiting approval (`catalog.approve_specialprice`), with the
    reason; it can then be changed and submitted again."""
    _check_approver(actor, special)
    return _decide(
        actor,
        special,
        _("rejected"),
        (SpecialPriceStatus.AWAITING_APPROVAL,),
        SpecialPriceStatus.REJECTED,
        remark,
    )
