"""Fixtures of the documents tests: files stored in a temporary folder, a contact, and users
who may and may not see it."""

import pytest

from tawasul.contacts.tests.factories import make_contact
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

from .factories import DOC_PERMS


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Every stored file goes to this test's own folder (encrypted, as in production)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tawasul.core.storage.EncryptedFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    return tmp_path / "media"


def fresh(user):
    """`user` read again, so permissions granted since are seen."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def contact(company, customer_type):
    return make_contact(company=company, contact_type=customer_type, name="Omar Trading")


@pytest.fixture
def writer(staff_user):
    """The sales user (every contact, every contacts permission) with every documents one."""
    from django.contrib.auth.models import Permission

    for dotted in DOC_PERMS:
        app, codename = dotted.split(".")
        staff_user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return fresh(staff_user)


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


@pytest.fixture
def outsider(company):
    """A colleague with every contacts and documents permission but no rule: sees no contact."""
    from tawasul.conftest import CONTACT_PERMS

    user = UserFactory(username="outsider", perms=CONTACT_PERMS + DOC_PERMS)
    EmployeeFactory(company=company, user=user, name="Olga Outside", code="O001")
    return fresh(user)
