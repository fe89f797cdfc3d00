"""Query counts of the files and notes panel, the contact page's tabs and the API lists: exact
baselines (`query_counts.json`, see tawasul/core/tests/query_baselines.py) and "does not grow
with rows"."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.core.tests.query_baselines import assert_get_queries
from tawasul.documents import services

from .factories import PNG, upload

APP = "documents"
HTMX = {"HTTP_HX_REQUEST": "true"}

pytestmark = pytest.mark.django_db


def _fill(writer, contact, count: int) -> None:
    for number in range(count):
        document = services.attachment_add(
            actor=writer, record=contact, upload=upload(f"f{number}.pdf")
        )
        services.attachment_add_version(
            actor=writer, document=document, upload=upload("v.png", PNG)
        )
        services.note_add(actor=writer, record=contact, body=f"note {number}")


def _panel(contact) -> str:
    return reverse("documents:panel", args=["contacts.contact", contact.pk])


@pytest.fixture
def filled(writer, contact):
    _fill(writer, contact, 3)
    return contact


def test_panel(writer_client, filled):
    assert_get_queries(writer_client, _panel(filled), app=APP, name="panel", **HTMX)


def test_contact_page_with_tabs(writer_client, filled):
    url = reverse("contacts:contact_detail", args=[filled.pk])
    assert_get_queries(writer_client, url, app=APP, name="contact_detail_with_tabs")


def test_attachment_api_list(writer, filled):
    api = APIClient()
    api.force_authenticate(writer)
    assert_get_queries(api, "/api/attachments/", app=APP, name="attachment_api_list")


def test_note_api_list(writer, filled):
    api = APIClient()
    api.force_authenticate(writer)
    assert_get_queries(api, "/api/notes/", app=APP, name="note_api_list")


def _count(client, url, **extra) -> int:
    client.get(url, **extra)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **extra).status_code == 200
    return len(captured)


def test_panel_and_lists_do_not_grow_with_rows(writer_client, writer, contact):
    api = APIClient()
    api.force_authenticate(writer)
    _fill(writer, contact, 2)
    few = [
        _count(writer_client, _panel(contact), **HTMX),
        _count(api, "/api/attachments/"),
        _count(api, "/api/notes/"),
        _count(writer_client, reverse("contacts:contact_detail", args=[contact.pk])),
    ]
    _fill(writer, contact, 8)
    many = [
        _count(writer_client, _panel(contact), **HTMX),
        _count(api, "/api/attachments/"),
        _count(api, "/api/notes/"),
        _count(writer_client, reverse("contacts:contact_detail", args=[contact.pk])),
    ]
    assert many == few
