"""The catalog's services: refusals at the field, overlap rules, the special price's steps,
the product-group tree, and price resolution's order on hand-made cases."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from tawasul.catalog import services
from tawasul.catalog.choices import MinimumValueBasis, SpecialPriceStatus
from tawasul.catalog.models import PriceListItem, SalesType, SpecialPrice
from tawasul.catalog.pricing import (
    CUSTOMER,
    PRICE_LIST,
    SPECIAL,
    PriceLine,
    rate_on,
    resolve_price,
    resolve_prices,
)
from tawasul.contacts.tests.factories import ContactCategoryFactory, make_contact
from tawasul.core import events
from tawasul.org.tests.factories import CompanyFactory, UserFactory

from .factories import (
    CATALOG_PERMS,
    make_group,
    make_item,
    make_price_list,
    make_product,
    make_sales_type,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _errors(exc: ValidationError) -> dict:
    return exc.message_dict


# --- product groups as a tree -------------------------------------------------------------


def test_product_group_paths_follow_the_tree(company):
    root = make_group(company, "Devices")
    phones = make_group(company, "Phones", parent=root)
    smart = make_group(company, "Smart phones", parent=phones)
    assert (root.path, phones.path, smart.path) == (
        f"/{root.pk}/",
        f"/{root.pk}/{phones.pk}/",
        f"/{root.pk}/{phones.pk}/{smart.pk}/",
    )
    other = make_group(company, "Accessories")
    from tawasul.contacts.services import masterdata_save

    masterdata_save(actor=None, model=type(phones), instance=phones, parent=other)
    smart.refresh_from_db()
    assert smart.path == f"/{other.pk}/{phones.pk}/{smart.pk}/"
    with pytest.raises(ValidationError) as refused:
        masterdata_save(actor=None, model=type(root), instance=other, parent=smart)
    assert "parent" in _errors(refused.value)


# --- products and sales types -------------------------------------------------------------------


def test_product_code_unique_per_company(company):
    make_product(company, "P-1")
    with pytest.raises(ValidationError) as refused:
        make_product(company, "P-1")
    assert "code" in _errors(refused.value)
    make_product(CompanyFactory(code="OTHER"), "P-1")  # another company may use it


def test_product_group_of_another_company_is_refused(company):
    group = make_group(CompanyFactory(code="OTHER"), "Theirs")
    with pytest.raises(ValidationError) as refused:
        make_product(company, "P-9", group=group)
    assert "product_group" in _errors(refused.value)


def test_standard_cost_is_rounded_and_needs_its_permission(company):
    product = make_product(company, "P-2", standard_cost=D("10.12345"))
    assert product.standard_cost == D("10.12")  # SAR: two decimals
    seller = UserFactory(username="seller", perms=["catalog.change_product"])
    with pytest.raises(PermissionDenied):
        services.product_save(actor=seller, instance=product, standard_cost=D("1"))


def test_new_company_gets_the_default_sales_types(django_capture_on_commit_callbacks):
    from tawasul.org.services import company_save

    with django_capture_on_commit_callbacks(execute=True):
        company = company_save(actor=None, code="NEW", name="New Co")
    codes = set(SalesType.objects.filter(company=company).values_list("code", flat=True))
    assert codes == {"local", "export", "dealer", "government", "cash", "installment"}
    assert events  # the handler is registered through the app's ready()


# --- price list items -------------------------------------------------------------------------


@pytest.fixture
def product(company):
    return make_product(company, "P-1")


@pytest.fixture
def price_list(company):
    return make_price_list(company)


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ((date(2026, 1, 1), None), (date(2026, 6, 1), None)),  # open-ended covers the future
        ((date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 3, 31), None)),  # shares one day
        ((date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 1, 1), date(2026, 12, 31))),
        ((date(2026, 3, 1), None), (date(2026, 1, 1), None)),
    ],
)
def test_overlapping_periods_are_refused_at_the_start_date(price_list, product, existing, new):
    make_item(price_list, product, "10", *existing)
    with pytest.raises(ValidationError) as refused:
        make_item(price_list, product, "11", *new)
    assert list(_errors(refused.value)) == ["effective_from"]
    assert PriceListItem.objects.count() == 1


def test_adjacent_periods_and_other_products_are_accepted(company, price_list, product):
    make_item(price_list, product, "10", date(2026, 1, 1), date(2026, 3, 31))
    make_item(price_list, product, "12", date(2026, 4, 1))
    make_item(price_list, make_product(company, "P-2"), "5", date(2026, 1, 1))
    other_list = make_price_list(company, make_sales_type(company, "export"), name="Export")
    make_item(other_list, product, "9", date(2026, 1, 1))
    assert PriceListItem.objects.count() == 4


def test_changing_an_item_checks_against_the_others_only(price_list, product):
    first = make_item(price_list, product, "10", date(2026, 1, 1), date(2026, 3, 31))
    make_item(price_list, product, "12", date(2026, 4, 1))
    services.price_list_item_save(actor=None, instance=first, rate=D("10.5"))
    with pytest.raises(ValidationError) as refused:
        services.price_list_item_save(actor=None, instance=first, effective_to=date(2026, 4, 2))
    assert "effective_from" in _errors(refused.value)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"rate": D("-1")}, "rate"),
        ({"rate": D("10"), "floor": D("11")}, "floor"),
        ({"effective_from": date(2026, 5, 1), "effective_to": date(2026, 4, 1)}, "effective_to"),
    ],
)
def test_bad_item_values_are_refused_at_their_field(price_list, product, values, field):
    data = {"rate": D("10"), "effective_from": date(2026, 1, 1), **values}
    with pytest.raises(ValidationError) as refused:
        services.price_list_item_save(actor=None, price_list=price_list, product=product, **data)
    assert field in _errors(refused.value)


def test_rates_are_rounded_to_the_list_currency(company, product):
    jod = make_price_list(company, currency="JOD", name="JOD")
    item = make_item(jod, product, "1.23456", floor="1.0004")
    assert (item.rate, item.floor) == (D("1.235"), D("1.000"))


def test_rate_on_answers_the_period_of_the_date(price_list, product):
    old = make_item(price_list, product, "10", date(2026, 1, 1), date(2026, 3, 31))
    new = make_item(price_list, product, "12", date(2026, 4, 1))
    assert rate_on(price_list, product, date(2025, 12, 31)) is None
    assert rate_on(price_list, product, date(2026, 3, 31)) == old
    assert rate_on(price_list, product, date(2026, 4, 1)) == new
    assert rate_on(price_list, product, date(2030, 1, 1)) == new


def test_database_guard_against_overlaps(price_list, product):
    """Rows written around the service: PostgreSQL's exclusion constraint still refuses an
    overlap; SQLite has none (migration 0002 adds it on PostgreSQL only), and there the
    service is the guard."""
    from django.db import IntegrityError, transaction

    make_item(price_list, product, "10", date(2026, 1, 1))

    def write_around_the_service():
        with transaction.atomic():
            PriceListItem.objects.create(
                price_list=price_list,
                product=product,
                rate=D("11"),
                effective_from=date(2027, 1, 1),
            )

    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError):
            write_around_the_service()
        assert PriceListItem.objects.count() == 1
    else:
        write_around_the_service()
        assert PriceListItem.objects.count() == 2


# --- customer prices -----------------------------------------------------------------------------


@pytest.fixture
def category(company, customer_type):
    return ContactCategoryFactory(contact_type=customer_type, company=company, name="Wholesale")


@pytest.fixture
def customer(company, customer_type, category):
    return make_contact(
        company=company, contact_type=customer_type, name="Omar Trading", category=category
    )


def _customer_price(company, product, rate, start=date(2026, 1, 1), end=None, **whom):
    return services.customer_price_save(
        actor=None,
        company=company,
        product=product,
        currency="SAR",
        rate=D(rate),
        valid_from=start,
        valid_to=end,
        **whom,
    )


def test_customer_price_needs_exactly_one_of_customer_and_category(company, product, customer):
    with pytest.raises(ValidationError) as neither:
        _customer_price(company, product, "9")
    assert "contact" in _errors(neither.value)
    with pytest.raises(ValidationError) as both:
        _customer_price(company, product, "9", contact=customer, category=customer.category)
    assert "contact" in _errors(both.value)


def test_customer_price_overlap_is_refused(company, product, customer):
    _customer_price(company, product, "9", contact=customer)
    with pytest.raises(ValidationError) as refused:
        _customer_price(company, product, "8", date(2026, 5, 1), contact=customer)
    assert "valid_from" in _errors(refused.value)
    # The category's price for the same product is another price.
    _customer_price(company, product, "8", date(2026, 5, 1), category=customer.category)


# --- special prices ------------------------------------------------------------------------------


def _special(company, customer, product=None, group=None, **fields):
    data = {
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2026, 12, 31),
        "max_discount_percent": D("10"),
        **fields,
    }
    return services.special_price_save(
        actor=None, company=company, contact=customer, product=product, product_group=group, **data
    )


def _approved(special):
    services.special_price_submit(actor=None, special=special)
    return services.special_price_approve(actor=None, special=special, remark="Fine")


def test_special_price_steps_record_who_and_when(company, customer, product):
    manager = UserFactory(username="manager", perms=CATALOG_PERMS)
    from tawasul.org.tests.factories import EmployeeFactory

    EmployeeFactory(company=company, user=manager, name="Manager")
    from tawasul.access.services import rule_save

    rule_save(
        actor=None,
        company=company,
        name="All special prices",
        model="catalog.specialprice",
        actions=["view", "change", "approve"],
        user=manager,
        all_records=True,
    )
    special = _special(company, customer, product)
    assert special.status == SpecialPriceStatus.DRAFT
    with pytest.raises(ValidationError):
        services.special_price_approve(actor=manager, special=special)  # not submitted
    special = services.special_price_submit(actor=manager, special=special)
    assert (special.status, special.submitted_by) == (SpecialPriceStatus.AWAITING_APPROVAL, manager)
    with pytest.raises(ValidationError) as locked:
        services.special_price_save(actor=manager, instance=special, min_quantity=D("5"))
    assert "status" in _errors(locked.value)
    special = services.special_price_reject(actor=manager, special=special, remark="Too much")
    assert (special.status, special.decided_by, special.decision_remark) == (
        SpecialPriceStatus.REJECTED,
        manager,
        "Too much",
    )
    special = services.special_price_save(
        actor=manager, instance=special, max_discount_percent=D("5")
    )
    assert special.status == SpecialPriceStatus.DRAFT
    services.special_price_submit(actor=manager, special=special)
    special = services.special_price_approve(actor=manager, special=special)
    assert special.status == SpecialPriceStatus.APPROVED and special.decided_at is not None
    assert special.history.count() >= 5


def test_only_approvers_approve(company, customer, product):
    special = _special(company, customer, product)
    services.special_price_submit(actor=None, special=special)
    clerk = UserFactory(username="clerk", perms=["catalog.view_specialprice"])
    with pytest.raises(PermissionDenied):
        services.special_price_approve(actor=clerk, special=special)
    special.refresh_from_db()
    assert special.status == SpecialPriceStatus.AWAITING_APPROVAL


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"max_discount_percent": D("101")}, "max_discount_percent"),
        ({"valid_until": date(2025, 1, 1)}, "valid_until"),
        ({"min_quantity": D("-1")}, "min_quantity"),
    ],
)
def test_bad_special_prices_are_refused_at_their_field(company, customer, product, values, field):
    with pytest.raises(ValidationError) as refused:
        _special(company, customer, product, **values)
    assert field in _errors(refused.value)


def test_special_price_needs_exactly_one_of_product_and_group(company, customer, product):
    with pytest.raises(ValidationError) as refused:
        _special(company, customer, product, group=product.product_group)
    assert "product" in _errors(refused.value)


# --- price resolution -----------------------------------------------------------------------------


def _resolve(company, customer, product, on=date(2026, 6, 1), qty="1", **kw):
    return resolve_price(
        company=company,
        customer=customer,
        product=product,
        quantity=D(qty),
        on_date=on,
        sales_type=make_sales_type(company),
        currency="SAR",
        **kw,
    )


def test_resolution_order(company, customer, product, price_list):
    make_item(price_list, product, "100", floor="80")
    answer = _resolve(company, customer, product)
    assert (answer.source, answer.rate, answer.floor) == (PRICE_LIST, D("100.00"), D("80.00"))
    _customer_price(company, product, "90", category=customer.category)
    answer = _resolve(company, customer, product)
    assert (answer.source, answer.rate, answer.floor) == (CUSTOMER, D("90.00"), D("80.00"))
    own = _customer_price(company, product, "70", contact=customer)
    answer = _resolve(company, customer, product)
    assert (answer.source, answer.record, answer.floor) == (CUSTOMER, own, D("70.00"))
    special = _special(company, customer, product, max_discount_percent=D("10"))
    assert _resolve(company, customer, product).source == CUSTOMER  # a draft is never used
    _approved(special)
    answer = _resolve(company, customer, product)
    assert (answer.source, answer.rate, answer.floor, answer.base) == (
        SPECIAL,
        D("63.00"),
        D("63.00"),
        own,
    )
    assert "10" in answer.reason


def test_special_price_conditions(company, customer, product, price_list):
    make_item(price_list, product, "100")
    root = product.product_group
    special = _approved(
        _special(
            company,
            customer,
            group=root,
            min_quantity=D("5"),
            min_value=D("1000"),
            min_value_basis=MinimumValueBasis.DOCUMENT,
        )
    )
    assert _resolve(company, customer, product, qty="4", document_value=D("5000")).source == (
        PRICE_LIST
    )
    assert _resolve(company, customer, product, qty="5", document_value=D("999")).source == (
        PRICE_LIST
    )
    assert _resolve(company, customer, product, qty="5").source == PRICE_LIST  # value unknown
    hit = _resolve(company, customer, product, qty="5", document_value=D("1000"))
    assert (hit.source, hit.record) == (SPECIAL, special)
    assert _resolve(company, customer, product, on=date(2027, 1, 1)).source == PRICE_LIST
    # A sub-group's product is within the group.
    child = make_group(company, "Child", parent=root)
    inner = make_product(company, "P-IN", group=child)
    make_item(price_list, inner, "50")
    assert _resolve(company, customer, inner, qty="5", document_value=D("1000")).source == SPECIAL
    # Another customer does not get it.
    stranger = make_contact(company=company, contact_type=customer.contact_type, name="Else")
    assert (
        _resolve(company, stranger, product, qty="5", document_value=D("1000")).source == PRICE_LIST
    )


def test_cumulative_basis_reads_the_given_sales(company, customer, product, price_list):
    make_item(price_list, product, "100")
    _approved(
        _special(
            company,
            customer,
            product,
            min_value=D("10000"),
            min_value_basis=MinimumValueBasis.CUMULATIVE,
        )
    )
    assert _resolve(company, customer, product, document_value=D("99999")).source == PRICE_LIST
    assert _resolve(company, customer, product, cumulative_sales=D("10000")).source == SPECIAL


def test_special_ties_prefer_the_most_specific(company, customer, product, price_list):
    make_item(price_list, product, "100")
    by_group = _approved(
        _special(company, customer, group=product.product_group, max_discount_percent=D("30"))
    )
    by_category = _approved(
        services.special_price_save(
            actor=None,
            company=company,
            category=customer.category,
            product=product,
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 12, 31),
            max_discount_percent=D("40"),
        )
    )
    assert _resolve(company, customer, product).record == by_group  # the customer's own first
    mine = _approved(_special(company, customer, product, max_discount_percent=D("5")))
    assert _resolve(company, customer, product).record == mine  # a product before a group
    assert by_category.status == SpecialPriceStatus.APPROVED


def test_no_price_is_none_not_zero(company, customer, product):
    answer = _resolve(company, customer, product)
    assert (answer.rate, answer.source) == (None, None)
    assert SpecialPrice.objects.count() == 0


def test_other_currency_or_sales_type_is_not_used(company, customer, product, price_list):
    make_item(price_list, product, "100")
    answer = resolve_price(
        company=company,
        customer=customer,
        product=product,
        quantity=D("1"),
        on_date=date(2026, 6, 1),
        sales_type=make_sales_type(company),
        currency="USD",
    )
    assert answer.source is None
    answer = resolve_price(
        company=company,
        customer=customer,
        product=product,
        quantity=D("1"),
        on_date=date(2026, 6, 1),
        sales_type=make_sales_type(company, "export"),
        currency="SAR",
    )
    assert answer.source is None


def test_batch_answers_in_line_order(company, customer, price_list):
    products = [make_product(company, f"B-{n}") for n in range(3)]
    for n, p in enumerate(products):
        make_item(price_list, p, str(10 + n))
    answers = resolve_prices(
        [
            PriceLine(products[2], D("1")),
            PriceLine(products[0].pk, D("1")),
            PriceLine(999999, D("1")),
        ],
        company=company,
        customer=customer,
        on_date=date(2026, 6, 1),
        sales_type=make_sales_type(company),
        currency="sar",
    )
    assert [a.rate for a in answers] == [D("12.00"), D("10.00"), None]
