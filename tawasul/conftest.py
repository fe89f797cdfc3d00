"""Fixtures shared by every module's tests."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls there are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tawasul.contacts.tests.factories import ContactTypeFactory
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

CONTACT_PERMS = [
    "contacts.view_contact",
    "contacts.view_commission",
    "contacts.add_contact",
    "contacts.change_contact",
    "contacts.delete_contact",
    "contacts.export_contact",
    "contacts.assign_contact",
    "contacts.import_contact",
    "contacts.view_importjob",
]
MASTER_PERMS = [
    f"contacts.{a}_{m}"
    for a in ("view", "add", "change")
    for m in (
        "area",
        "industry",
        "segment",
        "size",
        "productgroup",
        "referralsource",
        "contacttype",
        "contactcategory",
    )
]
ORG_VIEW_PERMS = [f"org.view_{m}" for m in ("company", "branch", "department", "employee")]


@pytest.fixture(autouse=True)
def _real_password_hasher(request):
    """Tests marked `real_password_hasher` hash with production's Argon2, not the tests' MD5.

    Settings put MD5 first under TAWASUL_TESTING (every factory user hashes a password); the
    tests of signing in and changing passwords take it out again, so they run the real hasher.
    Autouse, so it runs before the fixtures that create users.
    """
    if request.node.get_closest_marker("real_password_hasher") is None:
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = [
        name for name in settings.PASSWORD_HASHERS if not name.endswith(".MD5PasswordHasher")
    ]


@pytest.fixture
def company(db):
    return CompanyFactory(code="ACME", name="Acme Trading", name_ar="أكمي للتجارة")


@pytest.fixture
def customer_type(company):
    return ContactTypeFactory(company=company, code="customer", name="Customer")


def grant_all_contacts(user, company, actions=("view", "change", "delete", "export", "assign")):
    """A record rule giving `user` every contact of `company`."""
    from tawasul.access.services import rule_save

    return rule_save(
        actor=None,
        company=company,
        name=f"All contacts for {user.username}",
        model="contacts.contact",
        actions=list(actions),
        user=user,
        all_records=True,
    )


@pytest.fixture
def staff_user(company):
    """A sales user of `company` with every contacts permission and a rule over all contacts."""
    user = UserFactory(username="sales", perms=CONTACT_PERMS + MASTER_PERMS + ORG_VIEW_PERMS)
    EmployeeFactory(company=company, user=user, name="Sara Sales", code="S001")
    grant_all_contacts(user, company)
    return user


@pytest.fixture
def admin_user(company):
    user = UserFactory(username="boss")
    user.is_superuser = True
    user.is_staff = True
    user.save()
    EmployeeFactory(company=company, user=user, name="Boss", code="A001")
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def api_client(staff_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(staff_user)
    return api


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


# Room for a machine under load (the suite runs beside other work): actions, navigations and
# `expect` assertions wait up to this long for the element they name. Tests wait for elements,
# never for a fixed time.
BROWSER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium per test worker, shared by every browser test."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
    tab = context.new_page()
    # Anything the Content Security Policy blocks is a defect of the page: collect and fail.
    blocked = []
    tab.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield tab
    context.close()
    assert not blocked, f"blocked by the Content Security Policy: {blocked}"
