"""Query counts of the follow-up pages and API lists: exact baselines (shared file
`tawasul/activities/tests/query_counts.json`, keys `followups_*`), and no growth with rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.activities.choices import Cadence
from tawasul.activities.followups_rules import follow_up_rule_save
from tawasul.activities.followups_services import follow_up_complete, follow_up_create
from tawasul.activities.models import FollowUp
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.tests.query_baselines import assert_get_queries

pytestmark = pytest.mark.django_db


def _fill(org, due, count, start=0):
    made = []
    for n in range(start, start + count):
        contact = make_contact(
            company=org.company,
            contact_type=org.customer,
            name=f"Shop {n}",
            representative=org.rep1,
        )
        made.append(
            follow_up_create(
                actor=org.lead.user,
                assignee=org.rep1 if n % 2 else org.rep2,
                due_at=due + dt.timedelta(hours=n),
                purpose=f"Call {n}",
                channel="call",
                record=contact,
            )
        )
    follow_up_complete(actor=org.lead.user, follow_up=made[0], outcome="ok")
    follow_up_rule_save(
        actor=org.boss.user,
        name=f"Rule {start}",
        cadence=Cadence.SINCE_FOLLOW_UP,
        interval_days=30,
    )
    return made


@pytest.fixture
def lead_client(client, org, due):
    _fill(org, due, 5)
    client.force_login(org.lead.user)
    return client


def test_follow_up_list(lead_client):
    assert_get_queries(
        lead_client,
        reverse("activities:follow_up_list"),
        app="activities",
        name="followups_follow_up_list",
    )


def test_follow_up_list_filtered(lead_client):
    assert_get_queries(
        lead_client,
        reverse("activities:follow_up_list") + "?scope=team&status=open&due=week",
        app="activities",
        name="followups_follow_up_list_filtered",
    )


def test_follow_up_detail(lead_client, org):
    follow_up = FollowUp.objects.order_by("pk").first()
    assert_get_queries(
        lead_client,
        reverse("activities:follow_up_detail", args=[follow_up.pk]),
        app="activities",
        name="followups_follow_up_detail",
    )


def test_follow_up_rule_list(client, org, due):
    _fill(org, due, 2)
    client.force_login(org.boss.user)
    assert_get_queries(
        client,
        reverse("activities:follow_up_rule_list"),
        app="activities",
        name="followups_follow_up_rule_list",
    )


def test_api_follow_ups(org, due):
    _fill(org, due, 5)
    api = APIClient()
    api.force_authenticate(org.lead.user)
    assert_get_queries(api, "/api/follow-ups/", app="activities", name="followups_api_follow_ups")


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_and_api_do_not_grow_with_rows(client, org, due):
    client.force_login(org.lead.user)
    api = APIClient()
    api.force_authenticate(org.lead.user)
    _fill(org, due, 3)
    urls = [
        reverse("activities:follow_up_list"),
        reverse("activities:follow_up_list") + "?scope=team",
    ]
    few = [_count(client, url) for url in urls] + [_count(api, "/api/follow-ups/")]
    _fill(org, due, 20, start=100)
    many = [_count(client, url) for url in urls] + [_count(api, "/api/follow-ups/")]
    assert few == many
