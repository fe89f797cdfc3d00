"""Catalog records for tests, made through the services as the application makes them."""

from datetime import date
from decimal import Decimal

from tawasul.catalog import services
from tawasul.catalog.models import PriceList, Product, SalesType
from tawasul.contacts.models import ProductGroup
from tawasul.contacts.services import masterdata_save

CATALOG_PERMS = [
    *(
        f"catalog.{action}_{model}"
        for model in ("product", "salestype", "pricelist", "pricelistitem")
        for action in ("view", "add", "change", "delete")
    ),
    *(
        f"catalog.{action}_{model}"
        for model in ("customerprice", "specialprice")
        for action in ("view", "add", "change", "delete", "export")
    ),
    "catalog.export_product",
    "catalog.view_product_cost",
    "catalog.approve_specialprice",
]


def make_group(company, name="Group", parent=None) -> ProductGroup:
    return masterdata_save(
        actor=None, model=ProductGroup, company=company, name=name, parent=parent
    )


def make_product(company, code="P-1", group=None, **fields) -> Product:
    group = group or make_group(company, f"Group of {code}")
    fields.setdefault("name", f"Product {code}")
    return services.product_save(
        actor=None, company=company, code=code, product_group=group, **fields
    )


def make_sales_type(company, code="local") -> SalesType:
    found = SalesType.objects.filter(company=company, code=code).first()
    return found or services.sales_type_save(
        actor=None, company=company, code=code, name=code.title()
    )


def make_price_list(company, sales_type=None, currency="SAR", name="Local SAR") -> PriceList:
    return services.price_list_save(
        actor=None,
        company=company,
        name=name,
        sales_type=sales_type or make_sales_type(company),
        currency=currency,
    )


def make_item(price_list, product, rate, start=date(2026, 1, 1), end=None, floor=None):
    return services.price_list_item_save(
        actor=None,
        price_list=price_list,
        product=product,
        rate=Decimal(rate),
        floor=None if floor is None else Decimal(floor),
        effective_from=start,
        effective_to=end,
    )
