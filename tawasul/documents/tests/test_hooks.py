"""The kernel hooks the module plugs into: tabs on other modules' record pages, timeline sources
of every model, and the `{% documents_panel %}` include."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from tawasul.core.records import RecordView, Tab
from tawasul.core.registry import Registry, get_registry
from tawasul.core.timeline import ANY_MODEL, sources_for
from tawasul.documents import services
from tawasul.documents.views import record_tabs

pytestmark = pytest.mark.django_db


def test_the_module_declares_its_tab_and_timeline_sources_for_every_model():
    registry = get_registry()
    assert (ANY_MODEL, "tawasul.documents.views.record_tabs") in registry.record_tabs
    from tawasul.contacts.models import Contact
    from tawasul.org.models import Company

    names = {getattr(s, "__name__", "") for s in sources_for(Contact)}
    assert {"_file_entries", "_note_entries"} <= names
    assert {"_file_entries", "_note_entries"} <= {
        getattr(s, "__name__", "") for s in sources_for(Company)
    }


def test_record_tab_keeps_the_model_label_and_factory():
    registry = Registry()
    registry.record_tab("Contacts.Contact", "dotted.path")
    assert registry.record_tabs == [("contacts.contact", "dotted.path")]


def test_contributed_tabs_are_asked_per_model_and_for_every_model(writer, contact, monkeypatch):
    registry = get_registry()
    asked = []

    def only_contacts(request, record):
        asked.append(("contact", record.pk))
        return [Tab("extra", "Extra")]

    def everywhere(request, record):
        asked.append(("any", record.pk))
        return []

    monkeypatch.setattr(
        registry,
        "record_tabs",
        [("contacts.contact", only_contacts), ("org.company", only_contacts), ("*", everywhere)],
    )
    view = RecordView()
    view.request = RequestFactory().get("/")
    view.request.user = writer
    assert [tab.key for tab in view.contributed_tabs(contact)] == ["extra"]
    assert asked == [("contact", contact.pk), ("any", contact.pk)]
    # The base page places them before its timeline's tab.
    view.timeline_tab = "history"
    assert [tab.key for tab in view.tabs(contact)] == ["extra", "history"]


def test_no_tab_and_no_query_for_records_without_attachments(
    writer, company, django_assert_num_queries
):
    request = RequestFactory().get("/")
    request.user = writer
    with django_assert_num_queries(0):
        assert record_tabs(request, company) == []


def test_the_panel_include_renders_for_any_page(writer, contact):
    services.note_add(actor=writer, record=contact, body="Included note")
    request = RequestFactory().get("/")
    request.user = writer
    template = Template("{% load documents %}{% documents_panel record %}")
    html = template.render(Context({"request": request, "record": contact}))
    assert "Included note" in html and 'id="documents-panel-all"' in html
    request.user = AnonymousUser()
    assert template.render(Context({"request": request, "record": contact})).strip() == ""
