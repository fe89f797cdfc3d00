"""Signing in: lockout per user name and address on every sign-in route, the client address
behind proxies, deactivated accounts, and who may read the API schema."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory, override_settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tawasul.access.models import ApiToken, PortalAccount
from tawasul.access.portal_services import portal_account_create
from tawasul.access.roles import PORTAL_CUSTOMER, ensure_default_roles
from tawasul.access.tokens import api_token_create
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.http import client_ip
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

PASSWORD = "pass-word-123"
LOCKED = override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)


@pytest.fixture
def colleague(company):
    user = UserFactory(username="colleague")
    EmployeeFactory(company=company, user=user, code="C1")
    return user


def page_sign_in(client, username, password=PASSWORD, address="10.0.0.1", **meta):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **meta,
    )


def token_sign_in(client, username, password=PASSWORD, address="10.0.0.1", **meta):
    return client.post(
        "/api/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
        **meta,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


# --- lockout ------------------------------------------------------------------------------------


@LOCKED
def test_failures_lock_only_that_user_name_from_that_address(client, staff_user, colleague):
    assert page_sign_in(client, "sales", "wrong").status_code == 200
    assert page_sign_in(client, "sales", "wrong").status_code == 200
    assert page_sign_in(client, "sales", "wrong").status_code == 429  # the third locks
    locked = page_sign_in(client, "sales")
    assert locked.status_code == 429 and b'id="locked-out"' in locked.content
    client.logout()
    # Another user behind the same address (same office, same proxy) signs in.
    assert signed_in(page_sign_in(client, "colleague"))
    client.logout()
    # The same user from another address signs in.
    assert signed_in(page_sign_in(client, "sales", address="10.0.0.2"))


@LOCKED
def test_the_token_endpoint_counts_failures_and_honours_the_lockout(client, staff_user, colleague):
    for _ in range(2):
        assert token_sign_in(client, "sales", "wrong").status_code == 400
    assert token_sign_in(client, "sales", "wrong").status_code == 429
    refused = token_sign_in(client, "sales")
    assert refused.status_code == 429 and "detail" in refused.json()
    assert not ApiToken.objects.exists()
    # Failures on the token endpoint lock the sign-in page too (one count for every route).
    assert page_sign_in(client, "sales").status_code == 429
    assert token_sign_in(client, "colleague").status_code == 200
    assert token_sign_in(client, "sales", address="10.0.0.2").status_code == 200


@LOCKED
def test_page_failures_lock_the_token_endpoint(client, staff_user):
    for _ in range(3):
        page_sign_in(client, "sales", "wrong")
    assert token_sign_in(client, "sales").status_code == 429


@pytest.mark.real_password_hasher
@LOCKED
def test_a_success_clears_that_pairs_failures(client, staff_user):
    for _ in range(2):
        page_sign_in(client, "sales", "wrong")
    assert signed_in(page_sign_in(client, "sales"))
    client.logout()
    assert not AccessAttempt.objects.exists()


@LOCKED
def test_a_password_reset_lifts_the_users_lockout(client, staff_user):
    for _ in range(3):
        page_sign_in(client, "sales", "wrong")
    assert page_sign_in(client, "sales").status_code == 429
    uid = urlsafe_base64_encode(force_bytes(staff_user.pk))
    link = f"/accounts/password/reset/{uid}/{default_token_generator.make_token(staff_user)}/"
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "Fresh-pass-987", "new_password2": "Fresh-pass-987"})
    assert signed_in(page_sign_in(client, "sales", "Fresh-pass-987"))


@LOCKED
@override_settings(CLIENT_IP_HEADER="X-Forwarded-For", CLIENT_IP_PROXY_COUNT=1)
def test_behind_a_proxy_clients_are_told_apart_by_the_forwarded_address(client, staff_user):
    proxy = "192.168.0.10"
    for _ in range(3):
        page_sign_in(client, "sales", "wrong", proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert (
        page_sign_in(client, "sales", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code
        == 429
    )
    # A forged left part does not get the locked client out of its lockout...
    forged = page_sign_in(
        client, "sales", address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5"
    )
    assert forged.status_code == 429
    # ...and another client behind the same proxy signs in.
    assert signed_in(
        page_sign_in(client, "sales", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6")
    )


def test_the_client_address_without_and_with_proxies(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    settings.CLIENT_IP_HEADER = ""
    assert client_ip(request) == "10.1.1.1"  # the header is ignored unless configured
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(request) == "1.2.3.4"
    request = factory.get(
        "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4, 10.0.0.5"
    )
    settings.CLIENT_IP_PROXY_COUNT = 2
    assert client_ip(request) == "1.2.3.4"
    settings.CLIENT_IP_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.5"
    request = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(request) == "10.1.1.1"
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    request = factory.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_REAL_IP="2001:db8::1")
    assert client_ip(request) == "2001:db8::1"


# --- deactivated accounts -----------------------------------------------------------------------


@pytest.fixture
def portal_user(company, customer_type):
    ensure_default_roles()
    from django.contrib.auth.models import Group

    contact = make_contact(company=company, contact_type=customer_type, name="Shop", code="SHOP")
    account = portal_account_create(
        actor=None,
        contact=contact,
        username="shop",
        password=PASSWORD,
        role=Group.objects.get(name=PORTAL_CUSTOMER),
    )
    return account.user


def test_a_deactivated_portal_account_cannot_sign_in(client, portal_user):
    assert page_sign_in(client, "shop")["Location"] == "/"
    client.logout()
    PortalAccount.objects.filter(user=portal_user).update(is_active=False)
    refused = page_sign_in(client, "shop")
    assert refused.status_code == 200 and not refused.wsgi_request.user.is_authenticated
    assert token_sign_in(client, "shop").status_code == 400
    assert client.get("/").status_code == 302 and client.get("/")["Location"].startswith(
        "/accounts/login/"
    )


def test_a_session_ends_when_its_portal_account_is_deactivated(client, portal_user):
    client.force_login(portal_user)
    assert client.get("/portal/").status_code == 200
    PortalAccount.objects.filter(user=portal_user).update(is_active=False)
    for path in ("/", "/portal/", "/contacts/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path


@pytest.mark.parametrize("what", ["user", "employee"])
def test_a_session_ends_when_its_user_or_employee_is_deactivated(client, staff_user, what):
    client.force_login(staff_user)
    assert client.get("/contacts/").status_code == 200
    record = staff_user if what == "user" else staff_user.employee
    record.is_active = False
    record.save()
    response = client.get("/contacts/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not signed_in(page_sign_in(client, "sales"))


def test_a_portal_account_gets_no_api_token(client, portal_user):
    # Refused as a wrong password is, so that the answer does not confirm the password.
    response = token_sign_in(client, "shop")
    assert response.status_code == 400 and "non_field_errors" in response.json()
    assert not ApiToken.objects.exists()


def test_a_token_made_for_a_portal_user_anyhow_is_refused(client, portal_user, staff_user):
    token, key = api_token_create(actor=staff_user, name="later a portal user")
    ApiToken.objects.filter(pk=token.pk).update(user=portal_user)
    assert client.get("/api/auth/tokens/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


# --- the API schema and docs --------------------------------------------------------------------


def test_anonymous_visitors_cannot_read_the_api_schema_or_docs(client, db):
    assert client.get("/api/schema/").status_code in (401, 403)
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")


def test_staff_read_the_schema_by_session_or_token(client, staff_user):
    _token, key = api_token_create(actor=staff_user, name="docs")
    assert client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    client.force_login(staff_user)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_a_portal_session_gets_404_for_the_schema_docs_and_token_pages(client, portal_user):
    client.force_login(portal_user)
    for path in ("/api/schema/", "/api/docs/", "/api/auth/tokens/", "/api-tokens/"):
        assert client.get(path).status_code == 404, path
