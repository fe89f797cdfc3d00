"""Tests hash passwords with MD5 for speed; the tests of signing in use production's Argon2."""

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher

from tawasul.org.tests.factories import UserFactory

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_tests_hash_with_md5_first_and_still_read_production_hashes():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.MD5PasswordHasher"
    # Production's order follows, so a stored Argon2 or PBKDF2 hash still checks.
    assert settings.PASSWORD_HASHERS[1:] == [
        ARGON2,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def test_a_factory_user_gets_the_fast_hash(db):
    assert UserFactory(username="quick").password.startswith("md5$")


@pytest.mark.real_password_hasher
def test_marked_tests_hash_with_argon2_from_their_first_fixture(staff_user):
    # staff_user was made by a fixture: the marker acts before fixtures create users.
    assert get_hasher().algorithm == "argon2"
    assert staff_user.password.startswith("argon2$")
    assert staff_user.check_password("pass-word-123")
