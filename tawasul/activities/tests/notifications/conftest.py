"""Fixtures of the notifications area's tests: colleagues of one company with the everyday
permissions on notifications and messages, and one of another company."""

import pytest

from tawasul.conftest import grant_all_contacts
from tawasul.contacts.tests.factories import make_contact
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

EVERYDAY = [
    "activities.view_notification",
    "activities.change_notification",
    "activities.view_messagethread",
    "activities.add_messagethread",
    "activities.view_internalmessage",
    "activities.add_internalmessage",
    "org.view_employee",
    "contacts.view_contact",
]


def colleague(company, username, name, *, perms=EVERYDAY, email=True):
    user = UserFactory(username=username, perms=perms)
    if not email:
        user.email = ""
        user.save(update_fields=["email"])
    EmployeeFactory(company=company, user=user, name=name)
    return user


@pytest.fixture
def sara(company):
    """Sees every contact of the company."""
    user = colleague(company, "sara", "Sara Sales")
    grant_all_contacts(user, company, actions=("view",))
    return user


@pytest.fixture
def omar(company):
    """May view contacts, but no rule gives him any: every contact is hidden from him."""
    return colleague(company, "omar", "Omar Rep")


@pytest.fixture
def huda(company):
    return colleague(company, "huda", "Huda Coord")


@pytest.fixture
def outsider(db):
    other = CompanyFactory(code="OTHR", name="Other Co", name_ar="أخرى")
    return colleague(other, "outsider", "Out Sider")


@pytest.fixture
def secret_contact(company):
    """A contact whose name must never reach Omar."""
    return make_contact(company=company, name="Zephyr Secret Trading")


@pytest.fixture
def sara_client(client, sara):
    client.force_login(sara)
    return client


@pytest.fixture
def omar_client(client, omar):
    client.force_login(omar)
    return client
