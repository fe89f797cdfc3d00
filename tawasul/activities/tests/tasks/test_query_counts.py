"""Query counts of the task pages and API list: exact baselines (shared file
`tawasul/activities/tests/query_counts.json`, keys `tasks_*`), and no growth with rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.activities.tasks_services import task_create, task_forward, task_report
from tawasul.conftest import grant_all_contacts
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.tests.query_baselines import assert_get_queries

pytestmark = pytest.mark.django_db
APP = "activities"


def _fill(org, due, customer_type, count, start=0):
    made = []
    for n in range(start, start + count):
        contact = make_contact(company=org.company, contact_type=customer_type, name=f"Shop {n}")
        assignees = [org.rep1, org.rep2] if n % 3 == 0 else [org.rep1 if n % 2 else org.rep2]
        made.append(
            task_create(
                actor=None,
                initiator=org.lead,
                assignees=assignees,
                title=f"Task {n}",
                due_at=due + dt.timedelta(hours=n),
                record=contact if n % 2 else None,
            )
        )
    return made


@pytest.fixture
def tasks(org, due, customer_type):
    grant_all_contacts(org.lead.user, org.company, actions=("view",))
    made = _fill(org, due, customer_type, 6)
    single = made[1]
    task_report(actor=single.assignee.user, task=single, status="in_progress", remark="Go")
    task_forward(actor=single.assignee.user, task=single, to=org.rep2, instruction="Yours")
    return made


def test_task_list(client, org, tasks):
    client.force_login(org.lead.user)
    url = reverse("activities:task_list")
    assert_get_queries(client, url, app=APP, name="tasks_task_list")
    assert_get_queries(client, url + "?scope=team&due=week", app=APP, name="tasks_task_list_team")


def test_task_detail(client, org, tasks):
    client.force_login(org.lead.user)
    parent = tasks[0]
    assert_get_queries(
        client,
        reverse("activities:task_detail", args=[parent.pk]),
        app=APP,
        name="tasks_parent_detail",
    )
    assert_get_queries(
        client,
        reverse("activities:task_detail", args=[tasks[1].pk]),
        app=APP,
        name="tasks_task_detail",
    )


def test_task_api_list(org, tasks):
    api = APIClient()
    api.force_authenticate(org.lead.user)
    assert_get_queries(api, "/api/tasks/", app=APP, name="tasks_api_list")


def _count(fetch) -> int:
    fetch()
    with CaptureQueriesContext(connection) as captured:
        fetch()
    return len(captured.captured_queries)


def test_list_and_api_do_not_grow_with_rows(client, org, due, customer_type):
    _fill(org, due, customer_type, 3)
    client.force_login(org.lead.user)
    api = APIClient()
    api.force_authenticate(org.lead.user)
    url = reverse("activities:task_list")
    small = (_count(lambda: client.get(url)), _count(lambda: api.get("/api/tasks/")))
    _fill(org, due, customer_type, 15, start=3)
    large = (_count(lambda: client.get(url)), _count(lambda: api.get("/api/tasks/")))
    assert small == large
