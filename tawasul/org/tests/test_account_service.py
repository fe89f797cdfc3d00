"""The employee page's new user account is made by a service, which checks what the form does."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from tawasul.org.services import employee_account_create
from tawasul.org.tests.factories import UserFactory


@pytest.mark.django_db
def test_an_account_is_created_with_a_usable_password():
    user = employee_account_create(
        actor=None, username=" huda ", password="a-long-pass-phrase-9", name="Huda Ali"
    )
    assert (user.username, user.first_name) == ("huda", "Huda Ali")
    assert user.check_password("a-long-pass-phrase-9")


@pytest.mark.django_db
def test_a_taken_username_and_a_weak_password_are_refused_at_their_fields():
    UserFactory(username="Huda")
    with pytest.raises(ValidationError) as exc:
        employee_account_create(actor=None, username="huda", password="123")
    assert set(exc.value.message_dict) == {"username", "password"}
    assert get_user_model().objects.filter(username__iexact="huda").count() == 1
