"""Two-factor sign-in: setting it up with a real TOTP code, the code step of signing in, recovery
codes, the lockout, administrators required to set it up, and the token endpoint's `otp`."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.test import override_settings

from tawasul.access.mfa import TawasulMFAAdapter, mfa_enabled, verify_code
from tawasul.access.models import AccessChange, ApiToken
from tawasul.access.tests.test_sign_in import (
    LOCKED,
    PASSWORD,
    page_sign_in,
    portal_user,  # noqa: F401 (fixture)
    signed_in,
    token_sign_in,
)

REQUIRED = override_settings(MFA_REQUIRED_FOR_ADMINS=True)


@pytest.fixture(autouse=True)
def fresh_codes():
    cache.clear()  # app codes are remembered as used (in the cache) for their 30 seconds
    yield
    cache.clear()


def totp(secret: str, step: int = 0) -> str:
    """The code an authenticator app shows for `secret`, `step` periods from now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def enable(client, step: int = 0) -> tuple[str, list[str]]:
    """Set up two-factor sign-in through the pages; returns the secret and the recovery codes."""
    page = client.get("/accounts/two-factor/set-up/")
    assert page.status_code == 200
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page.content.decode()).group(1)
    done = client.post("/accounts/two-factor/set-up/", {"code": totp(secret, step)})
    assert done.status_code == 200 and b'id="recovery-codes"' in done.content
    codes = re.findall(r'<li class="col py-1">(\d+)</li>', done.content.decode())
    return secret, codes


@pytest.fixture
def enrolled(client, staff_user):
    """`sales` with two-factor sign-in on; returns (secret, recovery codes), signed out."""
    client.force_login(staff_user)
    secret, codes = enable(client)
    client.logout()
    cache.clear()  # as if the set-up's 30 seconds had passed
    return secret, codes


# --- setting it up --------------------------------------------------------------------------


def test_setting_up_with_a_real_code_turns_it_on_and_shows_ten_codes_once(client, staff_user):
    client.force_login(staff_user)
    page = client.get("/accounts/two-factor/set-up/")
    assert b"<svg" in page.content and b"<?xml" not in page.content  # the QR code, inline
    secret, codes = enable(client)
    assert mfa_enabled(staff_user) and len(codes) == 10 and len(set(codes)) == 10
    assert AccessChange.objects.filter(kind="mfa.enabled", subject="sales").exists()
    overview = client.get("/accounts/two-factor/")
    assert b'id="mfa-on"' in overview.content
    for code in codes:  # shown once: not on the two-factor page afterwards
        assert code.encode() not in overview.content


def test_a_wrong_code_does_not_turn_it_on(client, staff_user):
    client.force_login(staff_user)
    page = client.get("/accounts/two-factor/set-up/")
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page.content.decode()).group(1)
    wrong = str((int(totp(secret)) + 1) % 1_000_000).zfill(6)
    refused = client.post("/accounts/two-factor/set-up/", {"code": wrong})
    assert refused.status_code == 400 and b"invalid-feedback" in refused.content
    assert secret.encode() in refused.content  # the same secret: the app need not rescan
    assert not mfa_enabled(staff_user)


def test_the_secret_is_stored_encrypted(client, staff_user):
    client.force_login(staff_user)
    secret, _codes = enable(client)
    stored = Authenticator.objects.get(user=staff_user, type="totp").data["secret"]
    assert secret not in stored and stored.startswith("tw1:")
    assert TawasulMFAAdapter().decrypt(stored) == secret


# --- signing in -----------------------------------------------------------------------------


@pytest.mark.real_password_hasher
def test_sign_in_asks_for_the_code_after_the_password(client, enrolled):
    secret, _codes = enrolled
    step = page_sign_in(client, "sales")
    assert step.status_code == 302 and step["Location"] == "/accounts/login/code/"
    assert not client.get("/contacts/").wsgi_request.user.is_authenticated
    assert client.get("/accounts/login/code/").status_code == 200
    done = client.post("/accounts/login/code/", {"code": totp(secret)})
    assert signed_in(done)
    assert client.get("/contacts/").status_code == 200


def test_the_code_step_keeps_the_next_address(client, enrolled):
    secret, _codes = enrolled
    client.post(
        "/accounts/login/", {"username": "sales", "password": PASSWORD, "next": "/contacts/"}
    )
    done = client.post("/accounts/login/code/", {"code": totp(secret)})
    assert done["Location"] == "/contacts/"


def test_a_wrong_code_is_refused_and_an_app_code_works_once(client, enrolled):
    secret, _codes = enrolled
    page_sign_in(client, "sales")
    wrong = str((int(totp(secret)) + 500_000) % 1_000_000).zfill(6)
    refused = client.post("/accounts/login/code/", {"code": wrong})
    assert refused.status_code == 400 and not refused.wsgi_request.user.is_authenticated
    code = totp(secret)
    assert signed_in(client.post("/accounts/login/code/", {"code": code}))
    client.logout()
    page_sign_in(client, "sales")
    replay = client.post("/accounts/login/code/", {"code": code})
    assert replay.status_code == 400  # the same code again, within its 30 seconds


def test_a_recovery_code_signs_in_once(client, enrolled, staff_user):
    _secret, codes = enrolled
    page_sign_in(client, "sales")
    assert signed_in(client.post("/accounts/login/code/", {"code": codes[0]}))
    client.logout()
    page_sign_in(client, "sales")
    assert client.post("/accounts/login/code/", {"code": codes[0]}).status_code == 400
    # Typed with a space and in Arabic-Indic digits, another code still works.
    typed = codes[1][:4] + " " + codes[1][4:].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert signed_in(client.post("/accounts/login/code/", {"code": typed}))


def test_the_code_step_needs_the_password_step_first(client, enrolled):
    response = client.get("/accounts/login/code/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_the_code_step_expires(client, enrolled, settings):
    secret, _codes = enrolled
    page_sign_in(client, "sales")
    session = client.session
    session["tawasul.mfa.pending"]["at"] -= 301
    session.save()
    response = client.post("/accounts/login/code/", {"code": totp(secret)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_a_password_change_ends_a_half_finished_sign_in(client, enrolled, staff_user):
    secret, _codes = enrolled
    page_sign_in(client, "sales")
    staff_user.set_password("Another-pass-1")
    staff_user.save()
    response = client.post("/accounts/login/code/", {"code": totp(secret)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


@LOCKED
def test_wrong_codes_count_towards_the_lockout(client, enrolled):
    secret, _codes = enrolled
    page_sign_in(client, "sales")
    for _ in range(3):
        response = client.post("/accounts/login/code/", {"code": "000000"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429  # the third failure locks, as for passwords
    # The right password and code no longer help from this address...
    assert page_sign_in(client, "sales").status_code == 429
    # ...but do from another one.
    assert page_sign_in(client, "sales", address="10.0.0.9")["Location"] == "/accounts/login/code/"
    assert signed_in(
        client.post("/accounts/login/code/", {"code": totp(secret)}, REMOTE_ADDR="10.0.0.9")
    )


@LOCKED
def test_a_wrong_password_then_a_right_sign_in_with_code_clears_the_failures(client, enrolled):
    secret, _codes = enrolled
    page_sign_in(client, "sales", "wrong")
    page_sign_in(client, "sales")
    assert AccessAttempt.objects.exists()  # not cleared by the password alone
    assert signed_in(
        client.post("/accounts/login/code/", {"code": totp(secret)}, REMOTE_ADDR="10.0.0.1")
    )
    assert not AccessAttempt.objects.exists()


def test_the_django_admin_signs_in_through_our_page(client, staff_user, admin_user):
    response = client.get("/django-admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/django-admin/"
    client.force_login(staff_user)  # signed in, not staff: refused, not sent round in a loop
    assert client.get("/django-admin/login/?next=/django-admin/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/django-admin/").status_code == 200


# --- recovery codes and turning it off -----------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(client, enrolled, staff_user):
    secret, old = enrolled
    client.force_login(staff_user)
    wrong = client.post("/accounts/two-factor/recovery-codes/", {"code": "123456"})
    assert wrong.status_code == 400
    renewed = client.post("/accounts/two-factor/recovery-codes/", {"code": totp(secret)})
    new = re.findall(r'<li class="col py-1">(\d+)</li>', renewed.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert verify_code(staff_user, old[0]) is None
    assert verify_code(staff_user, new[0]) is not None


def test_turning_it_off_needs_a_code(client, enrolled, staff_user):
    secret, _codes = enrolled
    client.force_login(staff_user)
    assert client.post("/accounts/two-factor/turn-off/", {"code": "123456"}).status_code == 400
    assert mfa_enabled(staff_user)
    done = client.post("/accounts/two-factor/turn-off/", {"code": totp(secret)})
    assert done.status_code == 302 and not mfa_enabled(staff_user)
    assert not Authenticator.objects.filter(user=staff_user).exists()
    client.logout()
    assert signed_in(page_sign_in(client, "sales"))  # one step again


# --- administrators -----------------------------------------------------------------------------


@pytest.fixture
def role_manager(company):
    """An administrator by right: may change roles (not a superuser)."""
    from tawasul.org.tests.factories import EmployeeFactory, UserFactory

    user = UserFactory(username="roles", perms=["auth.change_group", "auth.view_group"])
    EmployeeFactory(company=company, user=user, code="R1")
    return user


@REQUIRED
@pytest.mark.parametrize("who", ["boss", "roles"])
def test_an_administrator_without_it_must_set_it_up_first(client, admin_user, role_manager, who):
    response = page_sign_in(client, who)
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/accounts/two-factor/set-up/?next=%2F"
    for path in ("/contacts/", "/access/roles/", "/api-tokens/", "/django-admin/"):
        assert client.get(path)["Location"].startswith("/accounts/two-factor/set-up/"), path
    assert client.get("/api/contacts/").status_code == 403
    assert client.get("/accounts/two-factor/set-up/").status_code == 200
    enable(client)
    assert client.get("/contacts/").status_code in (200, 403)  # past the gate


@REQUIRED
def test_the_requirement_spares_other_users(client, staff_user):
    assert signed_in(page_sign_in(client, "sales"))
    assert client.get("/contacts/").status_code == 200


@REQUIRED
def test_an_administrators_token_waits_for_two_factor(client, role_manager):
    assert token_sign_in(client, "roles").status_code == 403
    assert not ApiToken.objects.exists()


@REQUIRED
def test_an_administrators_old_token_stops_until_two_factor_is_on(client, role_manager):
    from tawasul.access.tokens import api_token_create

    _token, key = api_token_create(actor=role_manager, name="older")
    assert client.get("/api/auth/tokens/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    with override_settings(MFA_REQUIRED_FOR_ADMINS=False):
        assert client.get("/api/auth/tokens/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_the_requirement_is_off_in_tests_and_demo_and_on_otherwise(monkeypatch):
    import importlib

    import tawasul.settings as project_settings

    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.delenv("MFA_REQUIRED_FOR_ADMINS", raising=False)
    try:
        for testing, demo, expected in (("1", "0", False), ("0", "1", False), ("0", "0", True)):
            monkeypatch.setenv("TAWASUL_TESTING", testing)
            monkeypatch.setenv("TAWASUL_DEMO", demo)
            assert importlib.reload(project_settings).MFA_REQUIRED_FOR_ADMINS is expected
        monkeypatch.setenv("MFA_REQUIRED_FOR_ADMINS", "true")
        assert importlib.reload(project_settings).MFA_REQUIRED_FOR_ADMINS is True
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)


# --- the token endpoint --------------------------------------------------------------------------


def test_the_token_endpoint_needs_otp_when_two_factor_is_on(client, enrolled):
    secret, codes = enrolled
    missing = token_sign_in(client, "sales")
    assert missing.status_code == 400 and "otp" in missing.json()
    wrong = client.post(
        "/api/auth/token/",
        {"username": "sales", "password": PASSWORD, "otp": "000000"},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "otp" in wrong.json()
    assert not ApiToken.objects.exists()
    for otp in (totp(secret), codes[0]):
        made = client.post(
            "/api/auth/token/",
            {"username": "sales", "password": PASSWORD, "otp": otp},
            content_type="application/json",
        )
        assert made.status_code == 200 and made.json()["token"].startswith("tw_")


@pytest.mark.real_password_hasher
def test_a_wrong_password_with_a_right_code_still_fails(client, enrolled):
    secret, _codes = enrolled
    response = client.post(
        "/api/auth/token/",
        {"username": "sales", "password": "wrong", "otp": totp(secret)},
        content_type="application/json",
    )
    assert response.status_code == 400 and "otp" not in response.json()


@LOCKED
def test_wrong_otp_counts_towards_the_lockout(client, enrolled):
    for _ in range(2):
        response = client.post(
            "/api/auth/token/",
            {"username": "sales", "password": PASSWORD, "otp": "000000"},
            content_type="application/json",
            REMOTE_ADDR="10.0.0.1",
        )
        assert response.status_code == 400
    response = client.post(
        "/api/auth/token/",
        {"username": "sales", "password": PASSWORD, "otp": "000000"},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 429


# --- portal accounts ----------------------------------------------------------------------------


@REQUIRED
def test_portal_users_may_use_it_and_need_not(client, portal_user):  # noqa: F811
    assert page_sign_in(client, "shop")["Location"] == "/"
    assert client.get("/portal/").status_code == 200  # not required for them
    overview = client.get("/accounts/two-factor/")
    assert overview.status_code == 200 and b"Tawasul portal" in overview.content
    secret, _codes = enable(client)
    client.logout()
    cache.clear()
    assert page_sign_in(client, "shop")["Location"] == "/accounts/login/code/"
    done = client.post("/accounts/login/code/", {"code": totp(secret)})
    assert done.status_code == 302 and client.get("/portal/").status_code == 200


def test_the_user_menu_links_to_the_two_factor_page(client, staff_user):
    client.force_login(staff_user)
    assert b'href="/accounts/two-factor/"' in client.get("/").content


def test_a_group_granting_role_changes_counts_as_administrator(client, company):
    from tawasul.access.mfa import mfa_required
    from tawasul.org.tests.factories import UserFactory

    user = UserFactory(username="grouped")
    group = Group.objects.create(name="Role keepers")
    group.permissions.add(Permission.objects.get(codename="change_group"))
    user.groups.add(group)
    with override_settings(MFA_REQUIRED_FOR_ADMINS=True):
        assert mfa_required(user)
    with override_settings(MFA_REQUIRED_FOR_ADMINS=False):
        assert not mfa_required(user)


def test_an_operator_can_remove_a_users_two_factor(client, enrolled, staff_user):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("mfa_reset", "sales", stdout=out)
    assert "removed" in out.getvalue() and not mfa_enabled(staff_user)
    assert AccessChange.objects.filter(kind="mfa.reset", subject="sales").exists()
    assert signed_in(page_sign_in(client, "sales"))
