"""Price resolution against a plain reference, over random dates, quantities, values and
overlapping sources (Hypothesis), and the batch resolver's constant number of queries."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tawasul.catalog import services
from tawasul.catalog.choices import MinimumValueBasis, SpecialPriceStatus
from tawasul.catalog.models import CustomerPrice, PriceListItem, SpecialPrice
from tawasul.catalog.pricing import PriceLine, resolve_prices
from tawasul.contacts.tests.factories import ContactCategoryFactory, make_contact

from .factories import make_group, make_item, make_price_list, make_product, make_sales_type

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 1)


@dataclass
class World:
    company: object
    customer: object
    other: object
    sales_type: object
    price_list: object
    groups: list  # root, child, grandchild
    products: list  # one in each group


@pytest.fixture
def world(company, customer_type):
    category = ContactCategoryFactory(contact_type=customer_type, company=company, name="Retail")
    customer = make_contact(
        company=company, contact_type=customer_type, name="Customer", category=category
    )
    other = make_contact(
        company=company, contact_type=customer_type, name="Other", category=category
    )
    root = make_group(company, "Root")
    child = make_group(company, "Child", parent=root)
    grandchild = make_group(company, "Grandchild", parent=child)
    groups = [root, child, grandchild]
    products = [make_product(company, f"W-{n}", group=g) for n, g in enumerate(groups)]
    sales_type = make_sales_type(company)
    return World(
        company, customer, other, sales_type, make_price_list(company, sales_type), groups, products
    )


def _day(n: int) -> date:
    return START + timedelta(days=n)


periods = st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 30)))
money = st.integers(1, 500).map(lambda n: D(n))
list_items = st.lists(st.tuples(st.integers(0, 2), periods, money), max_size=6)
customer_prices = st.lists(
    st.tuples(st.integers(0, 2), st.booleans(), st.booleans(), periods, money), max_size=6
)
specials = st.lists(
    st.fixed_dictionaries(
        {
            "mine": st.booleans(),  # the customer's own, else its category's ... or another's
            "other": st.booleans(),
            "target": st.integers(0, 5),  # 0-2: a product, 3-5: a group
            "period": periods,
            "min_quantity": st.integers(0, 10).map(D),
            "min_value": st.one_of(st.none(), st.integers(0, 2000).map(D)),
            "basis": st.sampled_from(MinimumValueBasis.values),
            "discount": st.integers(0, 100).map(D),
            "status": st.sampled_from(SpecialPriceStatus.values),
        }
    ),
    max_size=6,
)
asks = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 12).map(D), st.integers(-5, 100)),
    min_size=1,
    max_size=5,
)


def _end(period):
    start, length = period
    return None if length is None else _day(start + length)


def _within(on, start, end):
    return start <= on and (end is None or on <= end)


def _group_chain(world, product_index):
    """The group of the product and its ancestors (the groups hold products 0, 1, 2)."""
    return world.groups[: product_index + 1]


def reference(world, rows, product_index, quantity, on, document_value, cumulative):
    """The rule written plainly, from the rows as stored (no queries of its own)."""
    product = world.products[product_index]
    items = [
        i
        for i in rows["items"]
        if i.product_id == product.pk and _within(on, i.effective_from, i.effective_to)
    ]
    item = max(items, key=lambda i: (i.effective_from, i.pk)) if items else None
    mine = [
        p
        for p in rows["customer"]
        if p.product_id == product.pk
        and p.contact_id == world.customer.pk
        and _within(on, p.valid_from, p.valid_to)
    ]
    theirs = [
        p
        for p in rows["customer"]
        if p.product_id == product.pk
        and p.category_id == world.customer.category_id
        and _within(on, p.valid_from, p.valid_to)
    ]
    chosen = mine or theirs
    customer_price = max(chosen, key=lambda p: (p.valid_from, p.pk)) if chosen else None
    if customer_price is not None:
        base_rate, base_record = customer_price.rate, customer_price
        floor = min(item.floor, base_rate) if item and item.floor is not None else None
        source = "customer"
    elif item is not None:
        base_rate, base_record, floor, source = item.rate, item, item.floor, "price_list"
    else:
        return (None, None, None, None)
    chain = [g.pk for g in _group_chain(world, product_index)]

    def holds(s):
        if s.status != SpecialPriceStatus.APPROVED:
            return False
        if not (s.contact_id == world.customer.pk or s.category_id == world.customer.category_id):
            return False
        if s.product_id is not None and s.product_id != product.pk:
            return False
        if s.product_id is None and s.product_group_id not in chain:
            return False
        if not (s.valid_from <= on <= s.valid_until) or quantity < s.min_quantity:
            return False
        if s.min_value:
            seen = (
                cumulative if s.min_value_basis == MinimumValueBasis.CUMULATIVE else document_value
            )
            return seen is not None and seen >= s.min_value
        return True

    def rank(s):
        depth = 0 if s.product_id else -(chain.index(s.product_group_id) + 1)
        return (
            0 if s.contact_id else 1,
            0 if s.product_id else 1,
            depth,
            -s.max_discount_percent,
            -s.valid_from.toordinal(),
            -s.pk,
        )

    holding = sorted(filter(holds, rows["special"]), key=rank)
    if holding:
        best = holding[0]
        rate = (base_rate * (100 - best.max_discount_percent) / 100).quantize(
            D("0.01"), ROUND_HALF_UP
        )
        return (rate, rate, "special", best)
    return (base_rate, floor, source, base_record)


def _store(world, items, cprices, sps):
    """Write the drawn sources through the services; drawn overlaps the services refuse are
    left out, as a user's would be."""
    from django.core.exceptions import ValidationError

    for product_index, period, rate in items:
        try:
            make_item(
                world.price_list,
                world.products[product_index],
                rate,
                _day(period[0]),
                _end(period),
                floor=rate - 1 if rate > 1 else None,
            )
        except ValidationError:
            pass
    for product_index, own, _unused, period, rate in cprices:
        whom = {"contact": world.customer} if own else {"category": world.customer.category}
        try:
            services.customer_price_save(
                actor=None,
                company=world.company,
                product=world.products[product_index],
                currency="SAR",
                rate=rate,
                valid_from=_day(period[0]),
                valid_to=_end(period),
                **whom,
            )
        except ValidationError:
            pass
    for s in sps:
        if s["mine"]:
            whom = {"contact": world.other if s["other"] else world.customer}
        else:
            whom = {"category": world.customer.category}
        target = s["target"]
        what = (
            {"product": world.products[target]}
            if target < 3
            else {"product_group": world.groups[target - 3]}
        )
        start = _day(s["period"][0])
        special = services.special_price_save(
            actor=None,
            company=world.company,
            valid_from=start,
            valid_until=_end(s["period"]) or start + timedelta(days=45),
            min_quantity=s["min_quantity"],
            min_value=s["min_value"],
            min_value_basis=s["basis"],
            max_discount_percent=s["discount"],
            **whom,
            **what,
        )
        if s["status"] != SpecialPriceStatus.DRAFT:
            services.special_price_submit(actor=None, special=special)
        if s["status"] == SpecialPriceStatus.APPROVED:
            services.special_price_approve(actor=None, special=special)
        if s["status"] == SpecialPriceStatus.REJECTED:
            services.special_price_reject(actor=None, special=special)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    items=list_items,
    cprices=customer_prices,
    sps=specials,
    lines=asks,
    document_value=st.one_of(st.none(), st.integers(0, 3000).map(D)),
    cumulative=st.one_of(st.none(), st.integers(0, 3000).map(D)),
)
def test_resolution_matches_the_reference(
    world, items, cprices, sps, lines, document_value, cumulative
):
    PriceListItem.objects.all().delete()
    CustomerPrice.objects.all().delete()
    SpecialPrice.objects.all().delete()
    _store(world, items, cprices, sps)
    rows = {
        "items": list(PriceListItem.objects.all()),
        "customer": list(CustomerPrice.objects.all()),
        "special": list(SpecialPrice.objects.all()),
    }
    for product_index, quantity, day in lines:
        on = _day(day)
        [answer] = resolve_prices(
            [PriceLine(world.products[product_index], quantity)],
            company=world.company,
            customer=world.customer,
            on_date=on,
            sales_type=world.sales_type,
            currency="SAR",
            document_value=document_value,
            cumulative_sales=cumulative,
        )
        expected = reference(world, rows, product_index, quantity, on, document_value, cumulative)
        assert (answer.rate, answer.floor, answer.source, answer.record) == expected


def test_batch_resolution_takes_a_constant_number_of_queries(world):
    products = [make_product(world.company, f"Q-{n}", group=world.groups[n % 3]) for n in range(30)]
    for n, product in enumerate(products):
        make_item(world.price_list, product, str(10 + n))
        if n % 3 == 0:
            services.customer_price_save(
                actor=None,
                company=world.company,
                contact=world.customer,
                product=product,
                currency="SAR",
                rate=D(5 + n),
                valid_from=START,
            )
    special = services.special_price_save(
        actor=None,
        company=world.company,
        contact=world.customer,
        product_group=world.groups[2],
        valid_from=START,
        valid_until=_day(300),
        max_discount_percent=D("3"),
    )
    services.special_price_submit(actor=None, special=special)
    services.special_price_approve(actor=None, special=special)

    def ask(count):
        lines = [PriceLine(products[n % 30], D(1 + n % 4)) for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            answers = resolve_prices(
                lines,
                company=world.company,
                customer=world.customer,
                on_date=_day(10),
                sales_type=world.sales_type,
                currency="SAR",
            )
        assert all(a.rate is not None for a in answers)
        return len(queries), {a.source for a in answers}

    few, _sources = ask(2)
    many, sources = ask(200)
    assert many == few == 4
    assert sources == {"special", "customer", "price_list"}
