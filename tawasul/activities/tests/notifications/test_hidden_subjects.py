"""No surface names a record its reader may not see (issue 12 §6): the inbox, the bell, the
API, the home widget and the e-mail copies. A notification about a hidden record shows neither
the record's name nor its stored title and body (which were worded with the name), but the
neutral text and its kind.

Property: for any mix of notifications, each about a contact the reader sees or not, or about
nothing, every surface shows exactly the visible names and never a hidden one."""

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tawasul.activities.models import Notification
from tawasul.activities.notifications_mail import notification_email_send
from tawasul.activities.notifications_selectors import HIDDEN_TITLE, notification_widget
from tawasul.activities.notifications_services import notification_preference_save
from tawasul.activities.notify import notify
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.dashboard import widgets_for

pytestmark = pytest.mark.django_db

HIDDEN_NAME = "Zephyr Secret Trading"


def _about(user, contact, *, title=None, body=None):
    name = str(contact) if contact is not None else "nothing"
    return notify(
        [user],
        kind="contact.changed",
        title=title or f"{name} changed",
        body=body or f"Details about {name}.",
        record=contact,
        url=f"/contacts/{contact.pk}/" if contact is not None else "/",
    )[0]


def test_inbox_never_names_a_hidden_record(omar_client, omar, secret_contact):
    _about(omar, secret_contact)
    page = omar_client.get(reverse("activities:notification_list")).content.decode()
    assert HIDDEN_NAME not in page
    assert str(HIDDEN_TITLE) in page
    assert "(not visible to you)" in page
    assert f"/contacts/{secret_contact.pk}/" not in page


def test_bell_never_names_a_hidden_record(omar_client, omar, secret_contact):
    _about(omar, secret_contact)
    page = omar_client.get(reverse("activities:notification_bell")).content.decode()
    assert HIDDEN_NAME not in page
    assert str(HIDDEN_TITLE) in page


def test_api_never_names_a_hidden_record(omar, secret_contact):
    from rest_framework.test import APIClient

    row = _about(omar, secret_contact)
    api = APIClient()
    api.force_authenticate(omar)
    listed = api.get("/api/notifications/")
    one = api.get(f"/api/notifications/{row.pk}/")
    for response in (listed, one):
        assert response.status_code == 200
        text = response.content.decode()
        assert HIDDEN_NAME not in text
        assert f"/contacts/{secret_contact.pk}/" not in text
    item = listed.json()["results"][0]
    assert item["subject"]["hidden"] is True
    assert item["title"] == str(HIDDEN_TITLE)
    assert item["body"] == ""
    assert item["url"] == ""


def test_widget_never_names_a_hidden_record(omar, secret_contact):
    _about(omar, secret_contact)
    context = notification_widget(omar)
    assert [item.title for item in context["unread_items"]] == [str(HIDDEN_TITLE)]
    widget = next(
        w for w in widgets_for(omar) if w["template"] == "activities/notifications/_widget.html"
    )
    from django.template.loader import render_to_string

    html = render_to_string(widget["template"], {"widget": widget})
    assert str(HIDDEN_TITLE) in html
    assert HIDDEN_NAME not in html


def test_email_never_names_a_hidden_record(
    omar, secret_contact, django_capture_on_commit_callbacks
):
    notification_preference_save(actor=omar, email_copy="each")
    with django_capture_on_commit_callbacks(execute=True):
        _about(omar, secret_contact)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert HIDDEN_NAME not in message.subject
    assert HIDDEN_NAME not in message.body
    assert HIDDEN_NAME not in message.alternatives[0][0]
    assert str(HIDDEN_TITLE) in message.body


def test_a_record_hidden_after_the_notification_is_no_longer_named(
    sara_client, sara, secret_contact
):
    """Visible when written, hidden when read: the check is made again when it renders."""
    row = _about(sara, secret_contact)
    page = sara_client.get(reverse("activities:notification_list")).content.decode()
    assert HIDDEN_NAME in page
    sara.user_permissions.filter(codename="view_contact").delete()
    sara_client.force_login(type(sara).objects.get(pk=sara.pk))
    page = sara_client.get(reverse("activities:notification_list")).content.decode()
    assert HIDDEN_NAME not in page
    # The e-mail written now (e.g. a retry) says nothing either.
    Notification.objects.filter(pk=row.pk).update(emailed_at=None)
    notification_preference_save(actor=sara, email_copy="each")
    assert notification_email_send(notification_id=row.pk)
    assert HIDDEN_NAME not in mail.outbox[-1].body


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(about=st.lists(st.sampled_from(["seen", "hidden", "none"]), min_size=1, max_size=6))
def test_every_surface_names_exactly_the_visible_records(company, sara, omar, about):
    """Sara sees every contact, Omar none: for any mix of notifications, what each reads
    through the inbox's selector names exactly the records they may see."""
    from tawasul.activities.notifications_selectors import (
        notification_queryset,
        notifications_shown,
    )

    Notification.objects.all().delete()
    seen = make_contact(company=company, name="Seen Sunrise Co")
    for kind in about:
        contact = None if kind == "none" else seen
        for user in (sara, omar):
            _about(user, contact)
    for user, sees in ((sara, True), (omar, False)):
        shown = notifications_shown(user, notification_queryset(user))
        for item in shown:
            about_record = item.notification.subject_id is not None
            text = " ".join([item.title, item.body, item.url, item.subject.label])
            if about_record and not sees:
                assert "Seen Sunrise" not in text
                assert item.title == str(HIDDEN_TITLE)
            elif about_record:
                assert "Seen Sunrise" in item.subject.label
                assert item.title.startswith("Seen Sunrise")
