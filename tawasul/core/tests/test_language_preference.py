"""A user's saved language follows them into every page after signing in, with production
settings too (DEBUG off), whichever way they sign in."""

import pytest
from django.test import override_settings

from tawasul.core.models import UserPreference

PASSWORD = "a-long-enough-password-1"  # noqa: S105 (a test account's)

pytestmark = pytest.mark.django_db

PRODUCTION = override_settings(DEBUG=False, MFA_REQUIRED_FOR_ADMINS=False)


@pytest.fixture
def arabic_user(staff_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    staff_user.set_password(PASSWORD)
    staff_user.save()
    UserPreference.objects.create(user=staff_user, language="ar")
    return staff_user


def _sign_in(client, **headers):
    response = client.post(
        "/accounts/login/", {"username": "sales", "password": PASSWORD}, **headers
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response


@PRODUCTION
@pytest.mark.parametrize("accept", ["", "en-US,en;q=0.9"])
def test_signing_in_brings_the_saved_language_with_debug_off(client, arabic_user, accept):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    _sign_in(client, **headers)
    for path, status in (("/", 200), ("/contacts/", 200), ("/no-such-page/", 404)):
        response = client.get(path, **headers)
        assert response.status_code == status
        assert '<html lang="ar" dir="rtl">' in response.content.decode(), path


@override_settings(DEBUG=False, MFA_REQUIRED_FOR_ADMINS=True)
def test_an_administrator_keeps_the_language_through_the_two_factor_steps(client, arabic_user):
    from django.core.cache import cache

    from tawasul.access.tests.test_mfa import enable, totp

    arabic_user.is_superuser = True
    arabic_user.save()
    _sign_in(client)
    secret, _codes = enable(client)
    for path in ("/", "/no-such-page/"):
        assert '<html lang="ar" dir="rtl">' in client.get(path).content.decode(), path
    client.post("/accounts/logout/")
    cache.clear()
    _sign_in(client)
    page = client.get("/accounts/login/code/")
    assert '<html lang="ar" dir="rtl">' in page.content.decode()  # the language cookie
    done = client.post("/accounts/login/code/", {"code": totp(secret)})
    assert done.status_code == 302
    for path in ("/", "/no-such-page/"):
        assert '<html lang="ar" dir="rtl">' in client.get(path).content.decode(), path


@PRODUCTION
def test_a_session_without_the_language_reads_the_saved_one(client, arabic_user):
    """A session that missed the sign-in's copy (made before the preference was saved, or by a
    route that did not copy it) reads the saved language once instead of falling back."""
    from tawasul.core.middleware import SESSION_LANGUAGE

    _sign_in(client)
    session = client.session
    del session[SESSION_LANGUAGE]
    session.save()
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="ar" dir="rtl">' in response.content.decode()
    assert client.session[SESSION_LANGUAGE] == "ar"


@PRODUCTION
def test_after_signing_out_the_sign_in_page_keeps_the_language(client, arabic_user):
    _sign_in(client)
    client.get("/")
    client.post("/accounts/logout/")
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="ar" dir="rtl">' in page.content.decode()


@PRODUCTION
def test_without_a_saved_language_the_browser_s_applies(client, staff_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    staff_user.set_password(PASSWORD)
    staff_user.save()
    _sign_in(client)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ar")
    assert '<html lang="ar" dir="rtl">' in page.content.decode()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en" dir="ltr">' in page.content.decode()
