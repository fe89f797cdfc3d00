"""Exact query counts of the rule, role and portal account lists, against committed baselines;
and the same count for a page of a few rows as for a full page (no query per row).

See tawasul/core/tests/query_baselines.py for what fails and how to record a new baseline
(`query_counts.json` beside this file, per database engine).
"""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tawasul.access.models import PortalAccount
from tawasul.access.roles import PORTAL_CUSTOMER, PORTAL_DEALER, ensure_default_roles
from tawasul.access.services import rule_save
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.tests.query_baselines import assert_get_queries
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

APP = "access"


@pytest.fixture
def admin_client(admin_user, staff_user, company):
    """An administrator's client, with the default roles and a few rules of both kinds."""
    ensure_default_roles()
    rep = EmployeeFactory(company=company, user=None, name="Rami Rep", code="R1")
    rule_save(
        actor=None,
        company=company,
        name="Rami's contacts",
        model="contacts.contact",
        actions=["view", "change"],
        user=staff_user,
        conditions=[{"field": "representative", "operator": "in", "values": [rep.pk]}],
    )
    rule_save(
        actor=None,
        company=company,
        name="My own",
        model="contacts.contact",
        actions=["view"],
        user=staff_user,
        conditions=[{"field": "representative", "operator": "is_me", "values": []}],
    )
    client = Client()
    client.force_login(admin_user)
    return client


def test_rule_list(admin_client):
    assert_get_queries(admin_client, reverse("access:rule_list"), app=APP, name="rule_list")


def test_role_list(admin_client):
    assert_get_queries(admin_client, reverse("access:role_list"), app=APP, name="role_list")


def test_portal_account_list(admin_client, company, customer_type):
    _portal_accounts(company, customer_type, 3)
    url = reverse("access:portal_account_list")
    assert_get_queries(admin_client, url, app=APP, name="portal_account_list")


# --- the same count whatever the number of rows ---------------------------------------------------


def _queries(client, url, **headers) -> int:
    """The queries of a second GET (the first warms the per-user caches)."""
    assert client.get(url, headers=headers).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=headers).status_code == 200
    return len(captured)


def _more_rules(company, staff_user, start, count):
    reps = [
        EmployeeFactory(company=company, user=None, name=f"Rep {n}", code=f"RP{n}")
        for n in range(start, start + count)
    ]
    role = Group.objects.get(name="Sales manager")
    for n, rep in enumerate(reps, start=start):
        rule_save(
            actor=None,
            company=company,
            name=f"Rule {n:03d}",
            model="contacts.contact",
            actions=["view"],
            role=role if n % 2 else None,
            user=None if n % 2 else staff_user,
            conditions=[
                {"field": "representative", "operator": "in", "values": [rep.pk]},
                {"field": "lifecycle", "operator": "in", "values": ["customer"]},
            ],
        )


def test_rule_list_costs_the_same_for_a_full_page(admin_client, company, staff_user):
    url = reverse("access:rule_list")
    _more_rules(company, staff_user, 0, 2)
    few = _queries(admin_client, url)
    _more_rules(company, staff_user, 2, 30)
    assert _queries(admin_client, url) == few
    assert_get_queries(admin_client, url, app=APP, name="rule_list_full_page")
    # The row count, asked for by the page once shown, is one query more than the session's.
    count = {"HX-Request": "true", "HX-Target": "row-count"}
    assert_get_queries(admin_client, url, app=APP, name="rule_list_count", headers=count)


def test_role_list_costs_the_same_for_a_full_page(admin_client, company):
    # The company's own roles (not the default ones): one, then a page and more.
    url = reverse("access:role_list") + "?kind=own&sort=-member_count"

    def add_roles(start, count):
        for n in range(start, start + count):
            role = Group.objects.create(name=f"Own role {n:02d}")
            member = UserFactory(username=f"member{n}")
            EmployeeFactory(company=company, user=member, code=f"M{n}")
            role.user_set.add(member)

    add_roles(0, 1)
    few = _queries(admin_client, url)
    add_roles(1, 30)
    assert _queries(admin_client, url) == few
    assert_get_queries(admin_client, url, app=APP, name="role_list_full_page")


def _portal_accounts(company, customer_type, count, start=0):
    ensure_default_roles()
    customer = Group.objects.get(name=PORTAL_CUSTOMER)
    dealer = Group.objects.get(name=PORTAL_DEALER)
    for n in range(start, start + count):
        contact = make_contact(company=company, contact_type=customer_type, name=f"Shop {n}")
        user = UserFactory(username=f"shop{n}")
        user.groups.add(customer, *([dealer] if n % 3 == 0 else []))
        PortalAccount.objects.create(user=user, contact=contact, is_active=n % 4 != 0)


def test_portal_account_list_costs_the_same_for_a_full_page(admin_client, company, customer_type):
    url = reverse("access:portal_account_list")
    _portal_accounts(company, customer_type, 2)
    few = _queries(admin_client, url)
    _portal_accounts(company, customer_type, 30, start=2)
    assert _queries(admin_client, url) == few
    assert_get_queries(admin_client, url, app=APP, name="portal_account_list_full_page")
