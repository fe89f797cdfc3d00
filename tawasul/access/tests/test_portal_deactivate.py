"""Deactivating and reactivating portal accounts on the portal accounts page: confirmed, audited,
only for accounts of contacts the administrator may view; a deactivated account cannot sign in and
its open session ends at its next request."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tawasul.access.models import AccessChange
from tawasul.access.portal_services import portal_account_create, portal_account_set_active
from tawasul.access.roles import PORTAL_CUSTOMER, ensure_default_roles
from tawasul.access.services import rule_save
from tawasul.conftest import CONTACT_PERMS, ORG_VIEW_PERMS
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

# Routes whose governed output this module checks (see test_coverage_meta): an account of a
# contact the administrator may not view answers 404 and stays as it was.
CHECKED_ROUTES = frozenset({"access:portal_account_deactivate", "access:portal_account_reactivate"})
PASSWORD = "Portal-pass-2024"
ROUTES = ("access:portal_account_deactivate", "access:portal_account_reactivate")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_account(contact, username):
    ensure_default_roles()
    return portal_account_create(
        actor=None,
        contact=contact,
        username=username,
        password=PASSWORD,
        role=Group.objects.get(name=PORTAL_CUSTOMER),
    )


@pytest.fixture
def account(company, customer_type):
    shop = make_contact(company=company, contact_type=customer_type, name="Shop", code="SHOP")
    return make_account(shop, "shop")


def sign_in(client, username="shop"):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def test_an_administrator_deactivates_and_reactivates_on_the_page(client, admin_user, account):
    portal = Client()
    portal.force_login(account.user)
    assert portal.get("/portal/").status_code == 200
    client.force_login(admin_user)
    listing = client.get(reverse("access:portal_account_list")).content.decode()
    deactivate = reverse("access:portal_account_deactivate", args=[account.pk])
    assert f'id="deactivate-{account.pk}"' in listing and deactivate in listing

    confirm = client.get(deactivate)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert 'id="confirm-active"' in page and "can no longer sign in" in page
    account.refresh_from_db()
    assert account.is_active  # asking is not doing

    response = client.post(deactivate)
    assert response.status_code == 302
    assert response["Location"] == reverse("access:portal_account_list")
    account.refresh_from_db()
    assert not account.is_active
    assert AccessChange.objects.filter(
        kind="portal_account.deactivated", subject="shop", actor=admin_user
    ).exists()
    # The open session ends at its next request, and signing in again is refused.
    response = portal.get("/portal/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not sign_in(Client())
    token = Client().post(
        "/api/auth/token/",
        {"username": "shop", "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 400

    listing = client.get(reverse("access:portal_account_list")).content.decode()
    assert f'id="reactivate-{account.pk}"' in listing and "Inactive" in listing
    assert (
        client.post(reverse("access:portal_account_reactivate", args=[account.pk])).status_code
        == 302
    )
    account.refresh_from_db()
    assert account.is_active and sign_in(Client())
    # The session taken before the deactivation stays ended: reactivating brings back the
    # account, not the sessions someone may have kept.
    response = portal.get("/portal/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    audit = client.get(reverse("access:audit"), {"tab": "changes"}).content.decode()
    assert "Portal account deactivated" in audit and "Portal account reactivated" in audit


def test_an_account_of_a_contact_out_of_reach_answers_404_and_stays(client, company, customer_type):
    """An administrator whose rules show only customers manages only customers' accounts."""
    supplier_type = ContactTypeFactory(company=company, code="supplier")
    food = make_contact(company=company, contact_type=customer_type, name="Food", code="FOOD")
    steel = make_contact(company=company, contact_type=supplier_type, name="Steel", code="STEEL")
    visible, hidden = make_account(food, "food"), make_account(steel, "steel")
    user = UserFactory(
        username="portaladmin",
        perms=[
            *CONTACT_PERMS,
            *ORG_VIEW_PERMS,
            "access.view_portalaccount",
            "access.change_portalaccount",
        ],
    )
    EmployeeFactory(company=company, user=user, code="PA1")
    rule_save(
        actor=None,
        company=company,
        name="Customers only",
        model="contacts.contact",
        actions=["view"],
        user=user,
        conditions=[{"field": "contact_type", "operator": "in", "values": [customer_type.pk]}],
    )
    client.force_login(user)
    for name in ROUTES:
        url = reverse(name, args=[hidden.pk])
        assert client.get(url).status_code == 404, name
        assert client.post(url).status_code == 404, name
        assert client.get(reverse(name, args=[987654])).status_code == 404, name
    hidden.refresh_from_db()
    assert hidden.is_active
    assert not AccessChange.objects.filter(subject="steel", kind="portal_account.deactivated")
    assert client.post(reverse(ROUTES[0], args=[visible.pk])).status_code == 302
    visible.refresh_from_db()
    assert not visible.is_active
    listing = client.get(reverse("access:portal_account_list")).content.decode()
    assert "steel" not in listing and f'id="reactivate-{visible.pk}"' in listing


def test_the_buttons_and_the_pages_need_the_change_permission(client, company, account):
    user = UserFactory(username="viewer", perms=["access.view_portalaccount", *CONTACT_PERMS])
    EmployeeFactory(company=company, user=user, code="V1")
    client.force_login(user)
    listing = client.get(reverse("access:portal_account_list")).content.decode()
    assert "shop" in listing and "deactivate-" not in listing
    for name in ROUTES:
        url = reverse(name, args=[account.pk])
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    account.refresh_from_db()
    assert account.is_active


def test_the_service_audits_each_change_once_and_stays_in_the_company(admin_user, account):
    assert not portal_account_set_active(actor=admin_user, account=account, active=False).is_active
    portal_account_set_active(actor=admin_user, account=account, active=False)
    changes = AccessChange.objects.filter(subject="shop", kind__startswith="portal_account.")
    assert list(changes.values_list("kind", flat=True)) == [
        "portal_account.deactivated",
        "portal_account.created",
    ]
    change = changes.first()
    assert change.before == {"is_active": True} and change.after == {"is_active": False}
    assert change.company_id == account.contact.company_id
    account.refresh_from_db()
    assert account.history.first().history_user == admin_user

    stranger = UserFactory(username="stranger")
    stranger.is_superuser = True
    stranger.save()
    EmployeeFactory(company=CompanyFactory(code="OTHER"), user=stranger, code="X1")
    with pytest.raises(ValidationError):
        portal_account_set_active(actor=stranger, account=account, active=True)
    account.refresh_from_db()
    assert not account.is_active
