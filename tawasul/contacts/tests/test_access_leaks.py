"""Contacts through the access test kit (tawasul.access.testkit): list, record page, global
search, autocomplete, CSV export, API list and record, and API writes answer exactly what drawn
record rules over the contact's declared link fields allow.

The contact-specific properties (dealer and team pages, home widget, dealer autocomplete, the
rule editor, lifecycle and bulk moves, portal accounts) stay in
tawasul/access/tests/test_properties.py.
"""

from tawasul.access.testkit import LeakSpec, leak_tests
from tawasul.contacts.models import Contact, ReferralSource
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactCategoryFactory,
    ContactTypeFactory,
    IndustryFactory,
    ProductGroupFactory,
    SegmentFactory,
    SizeFactory,
    make_contact,
)


def _make(*, company, name, **links):
    contact_type = links.pop("contact_type", None) or ContactTypeFactory(
        company=company, code="customer"
    )
    category = links.get("category")
    if category is not None and category.contact_type_id != contact_type.pk:
        links.pop("category")  # a category belongs to one type
    if links.get("lifecycle") == "rejected":
        links["rejection_reason"] = "Too far"
    dealer = links.get("dealer")
    if dealer is not None and dealer.pk is None:
        links.pop("dealer")
    return make_contact(company=company, contact_type=contact_type, name=name, **links)


def _values(company, world) -> dict[str, list]:
    """Master data, areas (a tree) and two dealers, one served by the kit user's team."""
    country = AreaFactory(company=company, name="Kit country", level="country")
    city = AreaFactory(company=company, name="Kit city", parent=country, level="city")
    zone = AreaFactory(company=company, name="Kit zone", parent=city, level="zone")
    types = [ContactTypeFactory(company=company, code=code) for code in ("customer", "prospect")]
    dealer_type = ContactTypeFactory(company=company, code="dealer")
    dealers = [
        make_contact(
            company=company,
            contact_type=dealer_type,
            name=f"Kit dealer {who}",
            representative=world.employees[who],
        )
        for who in ("report", "peer")
    ]
    return {
        "area": [country.pk, city.pk, zone.pk],
        "industry": [IndustryFactory(company=company).pk for _ in range(2)],
        "segment": [SegmentFactory(company=company).pk],
        "size": [SizeFactory(company=company).pk],
        "product_groups": [ProductGroupFactory(company=company).pk for _ in range(3)],
        "contact_type": [t.pk for t in types],
        "category": [ContactCategoryFactory(contact_type=types[0], company=company).pk],
        "referral_source": [ReferralSource.objects.create(company=company, name="Fair").pk],
        "dealer": [d.pk for d in dealers],
    }


SPEC = LeakSpec(
    model=Contact,
    make=_make,
    link_values=_values,
    list_url="contacts:contact_list",
    detail_url="contacts:contact_detail",
    api_list="/api/contacts/",
    export_url="contacts:contact_export",
    autocomplete_url="/contacts/autocomplete/contact/",
    patch={"notes": "Checked by the kit"},
)

kit_world, test_reads_match_the_rules, test_writes_match_the_rules = leak_tests(SPEC)
