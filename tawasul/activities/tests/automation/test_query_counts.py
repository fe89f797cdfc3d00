"""Query baselines of the automation area's lists (pages and API), and lists that do not grow
with rows (`tawasul/activities/tests/query_counts.json`, keys `automation_*`)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.activities.automation_services import (
    automatic_task_rule_save,
    message_template_save,
)
from tawasul.core.tests.query_baselines import assert_get_queries

pytestmark = pytest.mark.django_db

PAGES = {
    "automation_message_template_list": "activities:message_template_list",
    "automation_automatic_task_rule_list": "activities:automatic_task_rule_list",
}
EDITORS = {
    "automation_message_template_create": "activities:message_template_create",
    "automation_automatic_task_rule_create": "activities:automatic_task_rule_create",
}
API = {
    "automation_api_message_templates": "/api/message-templates/",
    "automation_api_automatic_task_rules": "/api/automatic-task-rules/",
}


def _more(world, count: int, prefix: str = "") -> None:
    for n in range(count):
        template = message_template_save(
            actor=None,
            company_id=world.company.pk,
            name=f"{prefix}Template {n}",
            kind="contact",
            subject_en="Hi {{ contact.name }}",
        )
        automatic_task_rule_save(
            actor=None,
            company_id=world.company.pk,
            name=f"{prefix}Rule {n}",
            event="contact.created",
            target="user" if n % 2 else "representative",
            target_user=world.rep if n % 2 else None,
            template=template,
        )


@pytest.mark.parametrize("name", sorted(PAGES | EDITORS))
def test_pages(client, world, name):
    _more(world, 3)
    client.force_login(world.admin.user)
    assert_get_queries(client, reverse((PAGES | EDITORS)[name]), app="activities", name=name)


@pytest.mark.parametrize("name", sorted(API))
def test_api_lists(world, name):
    _more(world, 3)
    api = APIClient()
    api.force_authenticate(world.admin.user)
    assert_get_queries(api, API[name], app="activities", name=name)


@pytest.mark.parametrize("url", [*PAGES.values()])
def test_lists_do_not_grow_with_rows(client, world, url):
    client.force_login(world.admin.user)
    _more(world, 2)
    client.get(reverse(url))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(url))
    _more(world, 20, prefix="More ")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse(url))
    assert len(many) == len(few)
