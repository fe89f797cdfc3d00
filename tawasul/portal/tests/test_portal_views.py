import pytest
from django.contrib.auth.models import Group, Permission

from tawasul.access.models import PortalAccount
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.org.tests.factories import UserFactory


@pytest.fixture
def portal_client(client, company, customer_type):
    own = make_contact(
        company=company,
        contact_type=customer_type,
        name="Own Shop",
        persons=[{"name": "Mariam", "phones": ["0501234567"]}],
    )
    make_contact(company=company, contact_type=customer_type, name="Someone Else")
    user = UserFactory(username="shop")
    group, _ = Group.objects.get_or_create(name="Portal customer")
    group.permissions.add(Permission.objects.get(codename="view_contact"))
    user.groups.add(group)
    PortalAccount.objects.create(user=user, contact=own)
    client.force_login(user)
    return client


def test_portal_shows_own_profile_and_persons_only(portal_client):
    body = portal_client.get("/portal/").content.decode()
    assert "Own Shop" in body and "Mariam" in body and "Someone Else" not in body


def test_portal_root_and_staff_pages(portal_client):
    assert portal_client.get("/")["Location"] == "/portal/"
    assert portal_client.get("/contacts/").status_code == 404
    assert portal_client.get("/api/contacts/").status_code == 404


def test_dealer_portal_lists_customers_served(client, company, customer_type):
    dealer_type = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    dealer = make_contact(company=company, contact_type=dealer_type, name="Dealer Co")
    make_contact(company=company, contact_type=customer_type, name="Served One", dealer=dealer)
    make_contact(company=company, contact_type=customer_type, name="Not Served")
    user = UserFactory(username="dealeruser")
    user.user_permissions.add(Permission.objects.get(codename="view_contact"))
    PortalAccount.objects.create(user=user, contact=dealer)
    client.force_login(user)
    body = client.get("/portal/").content.decode()
    assert "Served One" in body and "Not Served" not in body
