"""API tokens: a new one per request, stored as a digest, listed, revocable, expiring, and ended by
a password change (tawasul/access/tokens.py)."""

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tawasul.access.models import AccessChange, ApiToken
from tawasul.access.tokens import api_token_create, key_digest
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

PASSWORD = "pass-word-123"


def sign_in(client, username="sales", password=PASSWORD, **extra):
    return client.post(
        "/api/auth/token/",
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


def new_key(client, username="sales", **extra) -> str:
    response = sign_in(client, username, **extra)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def call(client, key, path="/api/contacts/", method="get"):
    return getattr(client, method)(path, HTTP_AUTHORIZATION=f"Token {key}")


@pytest.mark.real_password_hasher
def test_each_sign_in_gives_a_new_token_and_only_its_digest_is_stored(client, staff_user):
    first = sign_in(client, name="Accounting sync").json()
    second = new_key(client)
    assert first["token"] != second
    assert first["name"] == "Accounting sync" and first["expires_at"]
    assert ApiToken.objects.filter(user=staff_user).count() == 2
    for token in ApiToken.objects.all():
        stored = " ".join(str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields)
        assert first["token"] not in stored and second not in stored
    assert ApiToken.objects.filter(digest=key_digest(second)).exists()
    assert call(client, first["token"]).status_code == 200
    assert call(client, second).status_code == 200


def test_a_wrong_or_missing_token_is_refused(client, staff_user):
    assert call(client, "tw_not-a-real-token").status_code == 401
    assert client.get("/api/contacts/", HTTP_AUTHORIZATION="Token").status_code == 401


def test_last_use_is_noted_at_most_once_a_minute(client, staff_user):
    key = new_key(client)
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    assert call(client, key).status_code == 200
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    with CaptureQueriesContext(connection) as queries:
        assert call(client, key).status_code == 200
    writes = [q["sql"] for q in queries if "access_apitoken" in q["sql"].lower()]
    assert not [sql for sql in writes if sql.upper().startswith("UPDATE")], writes
    ApiToken.objects.update(last_used_at=first_use - timedelta(minutes=2))
    assert call(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first_use - timedelta(seconds=1)


def test_a_token_ends_after_the_idle_days_unused(client, staff_user, settings):
    settings.API_TOKEN_IDLE_DAYS, settings.API_TOKEN_MAX_DAYS = 30, 180
    key = new_key(client)
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(days=29))
    assert call(client, key).status_code == 200
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(days=31))
    assert call(client, key).status_code == 401


def test_a_token_ends_after_the_max_days_even_if_used(client, staff_user, settings):
    settings.API_TOKEN_IDLE_DAYS, settings.API_TOKEN_MAX_DAYS = 30, 180
    key = new_key(client)
    ApiToken.objects.update(
        created_at=timezone.now() - timedelta(days=181), last_used_at=timezone.now()
    )
    assert call(client, key).status_code == 401


def test_the_owner_lists_and_revokes_tokens_through_the_api(client, staff_user):
    key = new_key(client, name="Script")
    other = new_key(client, name="Other")
    listing = call(client, key, "/api/auth/tokens/")
    assert listing.status_code == 200
    rows = listing.json()
    assert {r["name"] for r in rows} == {"Script", "Other"}
    assert all("token" not in r and "digest" not in r for r in rows)
    assert all(r["prefix"].startswith("tw_") and r["expires_at"] for r in rows)
    other_id = next(r["id"] for r in rows if r["name"] == "Other")
    assert call(client, key, f"/api/auth/tokens/{other_id}/", "delete").status_code == 204
    assert call(client, other).status_code == 401
    assert call(client, key).status_code == 200
    # Sign-out for an API client: revoke the token the request carries.
    assert call(client, key, "/api/auth/tokens/current/", "delete").status_code == 204
    assert call(client, key).status_code == 401
    assert not ApiToken.objects.exists()
    kinds = set(AccessChange.objects.values_list("kind", flat=True))
    assert {"api_token.created", "api_token.revoked"} <= kinds


def test_nobody_lists_or_revokes_another_users_token_through_the_api(client, staff_user, company):
    mine = new_key(client)
    EmployeeFactory(company=company, user=UserFactory(username="other"), code="O1")
    theirs = new_key(client, "other")
    their_id = ApiToken.objects.get(digest=key_digest(theirs)).pk
    assert call(client, mine, f"/api/auth/tokens/{their_id}/").status_code == 404
    assert call(client, mine, f"/api/auth/tokens/{their_id}/", "delete").status_code == 404
    assert call(client, theirs, "/api/auth/tokens/").status_code == 200


@pytest.mark.real_password_hasher
def test_a_password_change_ends_every_token(client, staff_user, django_capture_on_commit_callbacks):
    key = new_key(client)
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password/change/",
            {
                "old_password": PASSWORD,
                "new_password1": "Fresh-pass-987",
                "new_password2": "Fresh-pass-987",
            },
        )
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=staff_user).exists()
    client.logout()
    assert call(client, key).status_code == 401
    assert call(client, new_key(client, password="Fresh-pass-987")).status_code == 200


def test_a_password_reset_ends_every_token(client, staff_user, django_capture_on_commit_callbacks):
    key = new_key(client)
    uid = urlsafe_base64_encode(force_bytes(staff_user.pk))
    link = f"/accounts/password/reset/{uid}/{default_token_generator.make_token(staff_user)}/"
    form_url = client.get(link)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url, {"new_password1": "Fresh-pass-987", "new_password2": "Fresh-pass-987"}
        )
    assert response.status_code == 302, response.content
    assert not ApiToken.objects.filter(user=staff_user).exists()
    assert call(client, key).status_code == 401


def test_a_password_set_anywhere_else_ends_tokens_too(client, staff_user):
    key = new_key(client)
    staff_user.set_password("Set-by-script-1")
    staff_user.save()
    assert call(client, key).status_code == 401


def test_signing_out_of_the_browser_keeps_api_tokens(client, staff_user):
    """Tokens serve programs, not the browser session (docs/development/api-tokens.md)."""
    key = new_key(client)
    client.force_login(staff_user)
    client.post("/accounts/logout/")
    assert call(client, key).status_code == 200


def test_a_deactivated_user_or_employee_loses_their_tokens_use(client, staff_user):
    key = new_key(client)
    staff_user.employee.is_active = False
    staff_user.employee.save()
    assert call(client, key).status_code == 401
    assert sign_in(client).status_code == 400
    staff_user.employee.is_active = True
    staff_user.employee.save()
    assert call(client, key).status_code == 200
    staff_user.is_active = False
    staff_user.save()
    assert call(client, key).status_code == 401
    assert sign_in(client).status_code == 400


# --- the pages ----------------------------------------------------------------------------------


def test_the_tokens_page_shows_a_new_key_once_and_revokes(client, staff_user):
    client.force_login(staff_user)
    page = client.get("/api-tokens/")
    assert page.status_code == 200 and b'id="no-tokens"' in page.content
    created = client.post("/api-tokens/", {"name": "Power BI"})
    assert created.status_code == 200
    key = created.context["new_key"]
    assert key.encode() in created.content and created["Cache-Control"] == "no-store"
    again = client.get("/api-tokens/")
    assert key.encode() not in again.content and b"Power BI" in again.content
    token = ApiToken.objects.get()
    assert call(client, key).status_code == 200
    confirm = client.get(f"/api-tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200 and b"Power BI" in confirm.content
    done = client.post(f"/api-tokens/{token.pk}/revoke/", {"next": "//evil.example/"})
    assert done.status_code == 302 and done["Location"] == "/api-tokens/"
    assert not ApiToken.objects.exists()


def test_the_user_menu_links_the_tokens_page(client, staff_user):
    client.force_login(staff_user)
    assert b'href="/api-tokens/"' in client.get("/").content


def test_an_administrator_revokes_tokens_of_their_company_only(client, staff_user, company):
    admin = UserFactory(
        username="admin",
        perms=["access.view_apitoken", "access.delete_apitoken", "org.view_employee"],
    )
    EmployeeFactory(company=company, user=admin, code="ADM")
    outsider = UserFactory(username="outsider")
    EmployeeFactory(company=CompanyFactory(code="OTHER"), user=outsider, code="X1")
    ours, _key = api_token_create(actor=staff_user, name="Sales script")
    theirs, their_key = api_token_create(actor=outsider, name="Foreign script")
    client.force_login(admin)
    listing = client.get("/api-tokens/company/")
    assert listing.status_code == 200
    assert b"Sales script" in listing.content and b"Foreign script" not in listing.content
    assert client.get(f"/api-tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/api-tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/api-tokens/{ours.pk}/revoke/").status_code == 302
    assert not ApiToken.objects.filter(pk=ours.pk).exists()
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert call(client, their_key, "/api/auth/tokens/").status_code == 200


def test_a_user_without_the_right_cannot_revoke_a_colleagues_token(client, staff_user, company):
    colleague = UserFactory(username="colleague")
    EmployeeFactory(company=company, user=colleague, code="C1")
    token, _key = api_token_create(actor=colleague, name="Theirs")
    client.force_login(staff_user)
    assert client.get("/api-tokens/company/").status_code == 403
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()
