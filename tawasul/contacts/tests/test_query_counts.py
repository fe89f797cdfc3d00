"""Exact query counts of the contact pages and API list, against committed baselines.

See tawasul/core/tests/query_baselines.py for what fails and how to record a new baseline
(`query_counts.json` beside this file, per database engine). The "does not grow with rows"
tests stay in test_views.py and test_api.py.
"""

import pytest
from django.urls import reverse

from tawasul.contacts.masterdata_views import KINDS
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactTypeFactory,
    IndustryFactory,
    ProductGroupFactory,
    make_contact,
)
from tawasul.core.tests.query_baselines import assert_get_queries
from tawasul.org.tests.factories import BranchFactory, EmployeeFactory

APP = "contacts"


@pytest.fixture
def contacts(company, customer_type):
    """A dealer and three customers with every kind of child row and link filled in."""
    rep = EmployeeFactory(company=company, user=None, name="Rami Rep", code="R1")
    branch = BranchFactory(company=company, code="HQ")
    area = AreaFactory(company=company, name="Riyadh")
    industry = IndustryFactory(company=company)
    groups = [ProductGroupFactory(company=company) for _ in range(2)]
    dealer_type = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    dealer = make_contact(
        company=company, contact_type=dealer_type, name="Dealer One", representative=rep
    )
    customers = [
        make_contact(
            company=company,
            contact_type=customer_type,
            name=f"Customer {n}",
            representative=rep,
            branch=branch,
            area=area,
            industry=industry,
            dealer=dealer,
            product_groups=groups,
            persons=[{"name": f"Person {n}", "phones": ["0501234567"]}],
            phones=[{"number": "0112345678"}],
            emails=[{"address": f"c{n}@example.com"}],
            addresses=[{"line1": f"{n} King Road", "city": "Riyadh"}],
        )
        for n in range(3)
    ]
    return dealer, customers


def test_contact_list(staff_client, contacts):
    assert_get_queries(staff_client, reverse("contacts:contact_list"), app=APP, name="contact_list")


def test_dealer_list(staff_client, contacts):
    assert_get_queries(staff_client, reverse("contacts:dealer_list"), app=APP, name="dealer_list")


def test_contact_page(staff_client, contacts):
    _dealer, customers = contacts
    url = reverse("contacts:contact_detail", args=[customers[0].pk])
    assert_get_queries(staff_client, url, app=APP, name="contact_detail")


def test_dealer_page(staff_client, contacts):
    dealer, _customers = contacts
    url = reverse("contacts:contact_detail", args=[dealer.pk])
    assert_get_queries(staff_client, url, app=APP, name="contact_detail.dealer")


def test_contact_edit_form(staff_client, contacts):
    _dealer, customers = contacts
    url = reverse("contacts:contact_update", args=[customers[0].pk])
    assert_get_queries(staff_client, url, app=APP, name="contact_update")


def test_master_data_index(staff_client, contacts):
    url = reverse("contacts:masterdata_index")
    assert_get_queries(staff_client, url, app=APP, name="masterdata_index")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_master_data_list(staff_client, contacts, kind):
    url = reverse("contacts:masterdata_list", args=[kind])
    assert_get_queries(staff_client, url, app=APP, name=f"masterdata_list.{kind}")


def test_api_contact_list(api_client, contacts):
    assert_get_queries(api_client, "/api/contacts/", app=APP, name="api.contact_list")
