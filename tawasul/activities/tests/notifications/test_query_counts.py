"""Query counts of the inbox, the bell, the message list and the API lists: committed
baselines (`tawasul/activities/tests/query_counts.json`, keys `notifications_*`), and the same
count for 3 rows as for 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.activities.notifications_services import message_reply, message_thread_start
from tawasul.activities.notify import notify
from tawasul.core.tests.query_baselines import assert_get_queries

pytestmark = pytest.mark.django_db


def _fill(sara, omar, huda, contacts, count):
    # Conversations first: the newest notifications are then the ones about records.
    for n in range(max(1, count // 10)):
        thread = message_thread_start(
            actor=omar, recipients=[sara, huda], subject=f"Thread {n}", body="Hello"
        )
        message_reply(actor=huda, thread_id=thread.pk, body="Hi")
    for n in range(count):
        notify(
            [sara],
            kind="contact.changed",
            title=f"Row {n}",
            record=contacts[n % len(contacts)],
            url="/",
        )


@pytest.fixture
def rows(company, sara, omar, huda):
    from tawasul.contacts.tests.factories import make_contact

    contacts = [make_contact(company=company, name=f"Contact {n}") for n in range(3)]
    hidden = make_contact(company=company, name="Out of reach")
    _fill(sara, omar, huda, contacts + [hidden], 8)
    return contacts


PAGES = [
    ("notifications_inbox", "activities:notification_list"),
    ("notifications_bell", "activities:notification_bell"),
    ("notifications_message_list", "activities:message_list"),
]


@pytest.mark.parametrize("name, url_name", PAGES)
def test_page_baselines(sara_client, rows, name, url_name):
    assert_get_queries(sara_client, reverse(url_name), app="activities", name=name)


@pytest.mark.parametrize(
    "name, url",
    [
        ("notifications_api_list", "/api/notifications/"),
        ("notifications_api_threads", "/api/internal-messages/"),
    ],
)
def test_api_baselines(sara, rows, name, url):
    api = APIClient()
    api.force_authenticate(sara)
    assert_get_queries(api, url, app="activities", name=name)


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        reverse("activities:notification_list"),
        reverse("activities:notification_bell"),
        reverse("activities:message_list"),
        "/api/notifications/",
        "/api/internal-messages/",
    ],
)
def test_counts_do_not_grow_with_rows(client, company, sara, omar, huda, url):
    from tawasul.contacts.tests.factories import make_contact

    contacts = [make_contact(company=company, name=f"Contact {n}") for n in range(3)]
    if url.startswith("/api/"):
        api = APIClient()
        api.force_authenticate(sara)
        client = api
    else:
        client.force_login(sara)
    _fill(sara, omar, huda, contacts, 6)
    few = _count(client, url)
    _fill(sara, omar, huda, contacts, 30)
    assert _count(client, url) == few
