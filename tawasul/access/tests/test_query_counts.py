"""Exact query counts of the rule and role lists, against committed baselines.

See tawasul/core/tests/query_baselines.py for what fails and how to record a new baseline
(`query_counts.json` beside this file, per database engine).
"""

import pytest
from django.test import Client
from django.urls import reverse

from tawasul.access.roles import ensure_default_roles
from tawasul.access.services import rule_save
from tawasul.core.tests.query_baselines import assert_get_queries
from tawasul.org.tests.factories import EmployeeFactory

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
