"""Per-app registration (`core.registry`): every kind the modules declare in their module.py
reaches the mechanism that reads it, in layer order, and what users see is what it was when
core named every module itself."""

import pytest
from django.urls import reverse
from django.utils import translation

from tawasul.core.navigation import COMING, NavItem, coming, navigation_for, sections
from tawasul.core.registry import Registry, autodiscover, get_registry


@pytest.fixture(autouse=True)
def _english():
    """Labels are compared in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


# The sidebar as core.navigation listed it by hand before the modules declared it.
SIDEBAR_BEFORE = [
    (
        "Contacts",
        [
            "contacts:contact_list",
            "contacts:dealer_list",
            "contacts:team",
            "contacts:import_list",
        ],
    ),
    (
        "Settings",
        [
            "org:overview",
            "org:chart",
            "contacts:masterdata_index",
            "access:rule_list",
            "access:audit",
            "api-docs",
        ],
    ),
]
# The communicator's section and settings pages, declared by the activities module (issue 12).
COMMUNICATOR = (
    "Communicator",
    [
        "activities:task_list",
        "activities:follow_up_list",
        "activities:reminder_list",
        "activities:notification_list",
        "activities:message_list",
        "activities:calendar",
    ],
)
COMMUNICATOR_SETTINGS = [
    "activities:follow_up_rule_list",
    "activities:message_template_list",
    "activities:automatic_task_rule_list",
]
# The sidebar now: the communicator first, then the sidebar of before with the communicator's
# settings pages among the settings (before the API, which closes the list).
SIDEBAR = [
    COMMUNICATOR,
    SIDEBAR_BEFORE[0],
    (
        "Settings",
        [*SIDEBAR_BEFORE[1][1][:-1], *COMMUNICATOR_SETTINGS, SIDEBAR_BEFORE[1][1][-1]],
    ),
]
COMING_BEFORE = [
    "Tasks",
    "Follow-ups",
    "Reminders",
    "E-mail",
    "Documents",
    "Inquiries",
    "Quotations",
    "Orders",
    "Samples",
    "Complaints",
    "Calls & visits",
    "Sale agreements",
    "Stock",
    "Budgets",
    "Service visits",
    "Workshop",
    "Installment bills",
    "Cash & custody",
    "Ledger",
    "Reports",
]

# What the communicator made real of "Coming soon".
COMING_NOW = [label for label in COMING_BEFORE if label not in ("Tasks", "Follow-ups", "Reminders")]


def test_modules_register_in_layer_order_once():
    registry = get_registry()
    assert registry.modules == [
        "core",
        "org",
        "access",
        "contacts",
        "documents",
        "activities",
        "portal",
    ]
    entries = len(registry.nav_entries)
    assert autodiscover() is registry
    assert len(registry.nav_entries) == entries


def test_the_sidebar_is_what_it_was_with_the_communicator():
    assert [
        (str(title), [item.url_name for item in items]) for title, items in sections()
    ] == SIDEBAR
    assert [str(item.label) for item in COMING] == COMING_BEFORE
    assert [str(item.label) for item in coming()] == COMING_NOW


@pytest.mark.django_db
def test_an_administrator_sees_every_declared_entry(admin_user):
    navigation = navigation_for(admin_user, "/contacts/")
    assert [(str(title), [row["url"] for row in rows]) for title, rows in navigation.groups] == [
        (title, [reverse(name) for name in names]) for title, names in SIDEBAR
    ]
    assert [str(row["label"]) for row in navigation.soon] == COMING_NOW
    active = [row for _t, rows in navigation.groups for row in rows if row["active"]]
    assert [row["url"] for row in active] == ["/contacts/"]


def test_urls_keep_their_addresses_and_names():
    assert reverse("org:overview").startswith("/org/")
    assert reverse("contacts:contact_list") == "/contacts/"
    assert reverse("access:rule_list").startswith("/access/")
    assert reverse("access_tokens:mine") == "/api-tokens/"
    assert reverse("portal:home").startswith("/portal/")
    assert reverse("login") == "/accounts/login/"
    assert reverse("api-token") == "/api/auth/token/"
    assert reverse("contact-list") == "/api/contacts/"
    assert reverse("employee-list") == "/api/employees/"


def test_api_routes_in_layer_order():
    from tawasul.api_urls import router

    prefixes = [prefix for prefix, _viewset, _basename in router.registry]
    assert prefixes[:4] == ["companies", "branches", "departments", "employees"]
    assert "contacts" in prefixes


def test_demo_steps_run_in_layer_order():
    steps = get_registry().demo_builders
    apps = [step.app for step in steps]
    assert apps == ["org", "access", "contacts", "documents", *["activities"] * 5, "portal"]
    for step in steps:
        assert callable(get_registry().resolve(step.build))


def test_widgets_and_providers_come_from_module_py():
    from tawasul.core.dashboard import widgets
    from tawasul.core.search import providers

    assert [w.template for w in widgets()] == [
        "contacts/_widget_my_contacts.html",
        "activities/notifications/_widget.html",
        "activities/agenda/_my_tasks.html",
        "activities/agenda/_follow_ups_due.html",
        "activities/agenda/_initiated_tasks.html",
        "activities/agenda/_reminders.html",
        "activities/agenda/_team.html",
    ]
    assert list(providers()) == ["contacts"]


def test_timeline_sources_are_handed_to_the_timeline(monkeypatch):
    from tawasul.core import timeline

    # The timeline's table of sources for this test only, so the source does not outlive it.
    monkeypatch.setattr(timeline, "_SOURCES", {})
    fresh = Registry()

    def source(user, record):
        return []

    fresh.timeline_source("org.employee", source)
    assert timeline._SOURCES == {"org.employee": [timeline._paged(source)]}
    assert fresh.timeline_sources == [("org.employee", source)]


def test_calendar_sources_are_kept_by_key():
    fresh = Registry()

    def source(user, start, end):
        return []

    fresh.calendar_source("visits", source)
    assert fresh.calendar_sources == {"visits": source}


def test_a_section_nobody_declared_is_an_error():
    fresh = Registry()
    fresh.nav_item("nowhere", NavItem("Lost", "x", "home"))
    with pytest.raises(LookupError):
        sections(fresh)


def test_every_coming_soon_entry_has_a_key_of_its_own():
    keys = [item.key for item in COMING]
    assert all(keys) and len(set(keys)) == len(keys)
    # The communicator replaced its three; the other modules are still to come.
    assert [str(item.label) for item in coming()] == COMING_NOW


def _sales_module(*, key: str | None) -> Registry:
    """A throwaway registry holding one module that declares a quotations page."""
    fresh = Registry()
    fresh.nav_section("sales", "Sales", order=10)
    fresh.nav_item(
        "sales",
        NavItem("Quotations", "file-earmark-text", "home", "contacts.view_contact", key=key),
    )
    return fresh


@pytest.mark.django_db
def test_a_module_that_declares_a_coming_entrys_key_takes_its_place(admin_user):
    fresh = _sales_module(key="quotations")
    assert [str(item.label) for item in coming(fresh)] == [
        label for label in COMING_BEFORE if label != "Quotations"
    ]
    navigation = navigation_for(admin_user, "/", registry=fresh)
    assert [(title, [str(row["label"]) for row in rows]) for title, rows in navigation.groups] == [
        ("Sales", ["Quotations"])
    ]
    assert [str(row["label"]) for row in navigation.soon] == [
        label for label in COMING_BEFORE if label != "Quotations"
    ]


@pytest.mark.django_db
def test_an_entry_without_a_coming_key_leaves_coming_soon_whole(admin_user):
    for key in (None, "price_lists"):
        navigation = navigation_for(admin_user, "/", registry=_sales_module(key=key))
        assert [str(row["label"]) for row in navigation.soon] == COMING_BEFORE
