"""Price resolution: the rate of a product for a customer on a date, and where it came from.

The order (docs/development/pricing.md; issue 13 §2):

1. an **approved special price** whose conditions all hold: the customer is its customer, or
   of its category; the product is its product, or within its product group's subtree; the
   date is within `valid_from`..`valid_until`; the quantity is at least its minimum quantity;
   and, when it has a minimum value, the document's value (`document_value`) or the customer's
   cumulative sales within its period (`cumulative_sales`, by its basis) is at least that.
   It discounts the base rate (2, else 3) by its maximum discount; with no base rate it gives
   nothing;
2. else a **customer price** in the currency on that date: the customer's own before its
   category's;
3. else the **sales type's price list** in the currency: the item effective on that date.

Ties are broken the same way every time. Among special prices that hold: the customer's own
before its category's, then a product before a product group, a deeper group before a
shallower one, then the larger discount, the later `valid_from`, the higher id. Among
customer prices of the same kind, and price list items: the later start, then the higher id
(the services refuse overlapping periods, so on a consistent database there is one).

Nothing is written here; every read is confined to `company`. Access to the quotation that
asks is the quotation's business: these functions see every price of the company.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from tawasul.contacts.models import Contact
from tawasul.core import money
from tawasul.org.models import Company

from .choices import MinimumValueBasis, SpecialPriceStatus
from .models import CustomerPrice, PriceList, PriceListItem, Product, SalesType, SpecialPrice

SPECIAL = "special"
CUSTOMER = "customer"
PRICE_LIST = "price_list"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PriceResolution:
    """The answer for one line.

    - `rate`: the unit price in the asked currency (Decimal, rounded to its minor unit), or
      None when no source has a price for the product (a missing price is not a price of 0);
    - `floor`: the lowest unit price a line may have without approval, or None for no floor
      (a special price's floor is its own rate; a customer price's is the price list's floor,
      never above the rate; a price list's is its item's floor);
    - `source`: "special", "customer", "price_list", or None;
    - `record`: the SpecialPrice, CustomerPrice or PriceListItem that gave the rate;
    - `base`: for a special price, the CustomerPrice or PriceListItem it discounted;
    - `reason`: why, in the active language, for the quotation line.
    """

    rate: Decimal | None
    floor: Decimal | None
    source: str | None
    record: Any = None
    base: Any = None
    reason: str = ""


@dataclass(frozen=True)
class PriceLine:
    """A line to price: a product (or its id) and a quantity (in the product's unit)."""

    product: Product | int
    quantity: Decimal


def rate_on(price_list: PriceList, product: Product | int, on_date: date) -> PriceListItem | None:
    """The item of `price_list` for `product` effective on `on_date` (its start on or before
    it, its end, inclusive, on or after it or empty), or None. Periods do not overlap (the
    services and, on PostgreSQL, a constraint refuse it); were two ever to match, the later
    start and then the higher id wins, so the answer is one item, always the same."""
    product_id = product if isinstance(product, int) else product.pk
    return (
        PriceListItem.objects.filter(price_list=price_list, product_id=product_id)
        .filter(_effective(on_date, "effective_from", "effective_to"))
        .order_by("-effective_from", "-pk")
        .first()
    )


def _effective(on_date: date, start: str, end: str) -> Q:
    return Q(**{f"{start}__lte": on_date}) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": on_date})
    )


def resolve_price(
    *,
    company: Company,
    customer: Contact | None,
    product: Product | int,
    quantity: Decimal,
    on_date: date,
    sales_type: SalesType | None,
    currency: str,
    document_value: Decimal | None = None,
    cumulative_sales: Decimal | None = None,
) -> PriceResolution:
    """The price of one line (see the module's docstring for the order and the ties).

    `customer` is the contact priced for (None: a prospect not yet saved; only the price list
    applies). `quantity` is Decimal in the product's unit; `currency` an ISO 4217 code.
    `document_value` is the value of the whole document (a quotation's total before this
    resolution's discounts), for special prices whose minimum value is of the document.
    `cumulative_sales` is the customer's sales within a special price's period, for special
    prices whose minimum value is cumulative: no module records sales yet (orders and
    invoices come later), so the caller supplies it; None means unknown, and such a special
    price then does not apply. Four queries, whatever the sources."""
    return resolve_prices(
        [PriceLine(product, quantity)],
        company=company,
        customer=customer,
        on_date=on_date,
        sales_type=sales_type,
        currency=currency,
        document_value=document_value,
        cumulative_sales=cumulative_sales,
    )[0]


def resolve_prices(
    lines: Sequence[PriceLine],
    *,
    company: Company,
    customer: Contact | None,
    on_date: date,
    sales_type: SalesType | None,
    currency: str,
    document_value: Decimal | None = None,
    cumulative_sales: Decimal | None = None,
) -> list[PriceResolution]:
    """`resolve_price` for many lines of one document at once, in their order, with at most
    four queries however many lines (products, price list items, customer prices, special
    prices). A product of another company, or unknown, resolves to no price."""
    currency = currency.strip().upper()
    ids = {line.product if isinstance(line.product, int) else line.product.pk for line in lines}
    products = {
        p.pk: p
        for p in Product.objects.filter(company=company, pk__in=ids).select_related("product_group")
    }
    listed = _list_items(company, sales_type, currency, on_date, products)
    own, by_category = _customer_prices(company, customer, currency, on_date, products)
    specials = _special_prices(company, customer, on_date, products)
    answers = []
    for line in lines:
        product_id = line.product if isinstance(line.product, int) else line.product.pk
        product = products.get(product_id)
        if product is None:
            answers.append(PriceResolution(None, None, None, reason=_("Unknown product.")))
            continue
        item = listed.get(product_id)
        customer_price = own.get(product_id) or by_category.get(product_id)
        base = _base(item, customer_price)
        special = None
        if base.rate is not None:
            special = _best_special(
                specials, product, line.quantity, document_value, cumulative_sales
            )
        if special is not None and base.rate is not None:
            answers.append(_from_special(special, base, currency))
        else:
            answers.append(base)
    return answers


def _list_items(company, sales_type, currency, on_date, products) -> dict[int, PriceListItem]:
    if sales_type is None or not products:
        return {}
    found: dict[int, PriceListItem] = {}
    items = (
        PriceListItem.objects.filter(
            price_list__company=company,
            price_list__sales_type=sales_type,
            price_list__currency=currency,
            price_list__is_active=True,
            product_id__in=list(products),
        )
        .filter(_effective(on_date, "effective_from", "effective_to"))
        .select_related("price_list")
        .order_by("product_id", "-effective_from", "-pk")
    )
    for item in items:
        found.setdefault(item.product_id, item)
    return found


def _customer_prices(company, customer, currency, on_date, products):
    own: dict[int, CustomerPrice] = {}
    by_category: dict[int, CustomerPrice] = {}
    if customer is None or not products:
        return own, by_category
    whom = Q(contact_id=customer.pk)
    if customer.category_id:
        whom |= Q(category_id=customer.category_id)
    prices = (
        CustomerPrice.objects.filter(whom, company=company, currency=currency)
        .filter(product_id__in=list(products))
        .filter(_effective(on_date, "valid_from", "valid_to"))
        .order_by("product_id", "-valid_from", "-pk")
    )
    for price in prices:
        (own if price.contact_id else by_category).setdefault(price.product_id, price)
    return own, by_category


def _group_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _special_prices(company, customer, on_date, products) -> list[SpecialPrice]:
    if customer is None or not products:
        return []
    whom = Q(contact_id=customer.pk)
    if customer.category_id:
        whom |= Q(category_id=customer.category_id)
    groups = {g for p in products.values() for g in _group_ids(p.product_group.path)}
    what = Q(product_id__in=list(products)) | Q(product_group_id__in=sorted(groups))
    return list(
        SpecialPrice.objects.filter(
            whom,
            what,
            company=company,
            status=SpecialPriceStatus.APPROVED,
            valid_from__lte=on_date,
            valid_until__gte=on_date,
        ).select_related("product_group")
    )


def _holds(special, product, quantity, document_value, cumulative_sales) -> bool:
    if special.product_id is not None:
        if special.product_id != product.pk:
            return False
    elif special.product_group_id not in _group_ids(product.product_group.path):
        return False
    if quantity < special.min_quantity:
        return False
    if special.min_value is not None and special.min_value > 0:
        if special.min_value_basis == MinimumValueBasis.CUMULATIVE:
            measured = cumulative_sales
        else:
            measured = document_value
        if measured is None or measured < special.min_value:
            return False
    return True


def special_rank(special: SpecialPrice) -> tuple:
    """The order special prices that hold are preferred in (smallest first): the customer's
    own, a product before a group, a deeper group, a larger discount, a later start, a higher
    id."""
    if special.product_group is None:
        what = (0, 0)
    else:
        what = (1, -len(_group_ids(special.product_group.path)))
    return (
        0 if special.contact_id else 1,
        *what,
        -special.max_discount_percent,
        -special.valid_from.toordinal(),
        -special.pk,
    )


def _best_special(specials, product, quantity, document_value, cumulative_sales):
    holding = [
        s for s in specials if _holds(s, product, quantity, document_value, cumulative_sales)
    ]
    return min(holding, key=special_rank) if holding else None


def _base(item: PriceListItem | None, customer_price: CustomerPrice | None) -> PriceResolution:
    if customer_price is not None:
        floor = None
        if item is not None and item.floor is not None:
            floor = min(item.floor, customer_price.rate)
        if customer_price.contact_id:
            reason = _("The customer's own price, valid from %(start)s.")
        else:
            reason = _("The price for the customer's category, valid from %(start)s.")
        return PriceResolution(
            customer_price.rate,
            floor,
            CUSTOMER,
            customer_price,
            reason=reason % {"start": customer_price.valid_from.isoformat()},
        )
    if item is not None:
        return PriceResolution(
            item.rate,
            item.floor,
            PRICE_LIST,
            item,
            reason=_("Price list “%(list)s”, effective from %(start)s.")
            % {"list": item.price_list.name, "start": item.effective_from.isoformat()},
        )
    return PriceResolution(None, None, None, reason=_("No price for this product."))


def _from_special(special: SpecialPrice, base: PriceResolution, currency: str) -> PriceResolution:
    assert base.rate is not None
    rate = money.quantize(base.rate * (HUNDRED - special.max_discount_percent) / HUNDRED, currency)
    return PriceResolution(
        rate,
        rate,
        SPECIAL,
        special,
        base=base.record,
        reason=_("Approved special price: %(discount)s %% off, valid until %(until)s.")
        % {"discount": special.max_discount_percent, "until": special.valid_until.isoformat()},
    )
