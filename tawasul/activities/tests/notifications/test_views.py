"""The notifications area's pages."""

import pytest
from django.urls import reverse

from tawasul.activities.models import MessageThread, Notification
from tawasul.activities.notifications_services import message_thread_start
from tawasul.activities.notify import notify

pytestmark = pytest.mark.django_db

INBOX = "activities:notification_list"


def test_the_inbox_lists_only_my_notifications_newest_first(sara_client, sara, huda):
    notify([sara], kind="task.assigned", title="Older for Sara")
    notify([sara], kind="reminder.fired", title="Newer for Sara")
    notify([huda], kind="task.assigned", title="For Huda")
    page = sara_client.get(reverse(INBOX)).content.decode()
    assert "For Huda" not in page
    assert page.index("Newer for Sara") < page.index("Older for Sara")


def test_the_inbox_filters_unread_and_by_kind(sara_client, sara):
    read = notify([sara], kind="task.assigned", title="Read task")[0]
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    notify([sara], kind="task.assigned", title="Unread task")
    notify([sara], kind="reminder.fired", title="Unread reminder")
    unread = sara_client.get(reverse(INBOX), {"state": "unread"}).content.decode()
    assert "Unread task" in unread and "Unread reminder" in unread
    assert "Read task" not in unread
    tasks = sara_client.get(reverse(INBOX), {"kind": "task"}).content.decode()
    assert "Unread task" in tasks and "Read task" in tasks
    assert "Unread reminder" not in tasks


def test_the_inbox_pages_by_keys(sara_client, sara):
    Notification.objects.bulk_create(
        [Notification(recipient=sara, kind="x", title=f"Row {n:03d}") for n in range(30)]
    )
    first = sara_client.get(reverse(INBOX))
    assert first.context["page"].has_next
    cursor = first.context["page"].next_cursor
    second = sara_client.get(reverse(INBOX), {"cursor": cursor})
    firsts = {row.pk for row in first.context["rows"]}
    seconds = {row.pk for row in second.context["rows"]}
    assert len(firsts) == 25 and len(seconds) == 5
    assert not firsts & seconds


def test_mark_read_with_htmx_answers_the_row(sara_client, sara, huda):
    row = notify([sara], kind="task.assigned", title="Please read")[0]
    url = reverse("activities:notification_read", args=[row.pk])
    response = sara_client.post(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="")
    assert response.status_code == 200
    assert "Please read" in response.content.decode()
    assert response["HX-Trigger"] == "notifications-changed"
    row.refresh_from_db()
    assert row.read_at is not None
    # Someone else's: 404, unchanged.
    other = notify([huda], kind="task.assigned", title="Huda's")[0]
    url = reverse("activities:notification_read", args=[other.pk])
    assert sara_client.post(url).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_all_read(sara_client, sara, huda):
    notify([sara, huda], kind="task.assigned", title="x")
    notify([sara], kind="task.assigned", title="y")
    response = sara_client.post(reverse("activities:notification_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=sara, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=huda, read_at__isnull=True).count() == 1


def test_mark_all_read_from_the_bell_answers_the_bell(sara_client, sara):
    notify([sara], kind="task.assigned", title="x")
    response = sara_client.post(
        reverse("activities:notification_read_all"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="notification-bell",
    )
    assert response.status_code == 200
    assert 'id="notification-bell"' in response.content.decode()
    assert response.context["count"] == 0


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/contacts/", "/contacts/"),
        ("https://evil.example/x", None),
        ("//evil.example/x", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_open_marks_read_and_follows_only_local_paths(sara_client, sara, url, expected):
    row = notify([sara], kind="task.assigned", title="Go", url=url)[0]
    response = sara_client.get(reverse("activities:notification_open", args=[row.pk]))
    assert response.status_code == 302
    assert response["Location"] == (expected or reverse(INBOX))
    row.refresh_from_db()
    assert row.read_at is not None


def test_open_someone_elses_notification_is_404(sara_client, huda):
    row = notify([huda], kind="task.assigned", title="Go", url="/")[0]
    response = sara_client.get(reverse("activities:notification_open", args=[row.pk]))
    assert response.status_code == 404


def test_the_bell_shows_the_count_and_the_latest_five(sara_client, sara):
    for n in range(7):
        notify([sara], kind="task.assigned", title=f"Bell item {n}")
    response = sara_client.get(reverse("activities:notification_bell"))
    html = response.content.decode()
    assert response.context["count"] == 7
    assert html.count('href="/activities/notifications/') >= 5
    assert "Bell item 6" in html and "Bell item 1" not in html


def test_pages_carry_the_bell_loader_for_staff_only(sara_client, client, company):
    html = sara_client.get(reverse(INBOX)).content.decode()
    assert f'hx-get="{reverse("activities:notification_bell")}"' in html
    from tawasul.activities.tests.notifications.conftest import colleague

    bare = colleague(company, "bare", "Bare", perms=["org.view_employee"])
    client.force_login(bare)
    html = client.get(reverse("home")).content.decode()
    assert reverse("activities:notification_bell") not in html


def test_the_bell_needs_the_permission(client, company):
    from tawasul.activities.tests.notifications.conftest import colleague

    bare = colleague(company, "bare", "Bare", perms=[])
    client.force_login(bare)
    assert client.get(reverse("activities:notification_bell")).status_code == 403
    client.logout()
    assert client.get(reverse("activities:notification_bell")).status_code == 302


def test_preferences_page(sara_client, sara):
    url = reverse("activities:notification_preferences")
    assert sara_client.get(url).status_code == 200
    assert sara_client.post(url, {"email_copy": "digest"}).status_code == 302
    assert sara.notification_preference.email_copy == "digest"
    response = sara_client.post(url, {"email_copy": "hourly"})
    assert response.status_code == 200
    assert response.context["form"].errors["email_copy"]


def test_message_flow(sara_client, client, sara, omar, huda):
    new = reverse("activities:message_new")
    assert sara_client.get(new).status_code == 200
    response = sara_client.post(
        new,
        {
            "recipients": [omar.employee.pk, huda.employee.pk],
            "subject": "Price list",
            "body": "Here it is.",
        },
    )
    thread = MessageThread.objects.get()
    assert response["Location"] == reverse("activities:message_thread", args=[thread.pk])
    client.force_login(omar)
    listing = client.get(reverse("activities:message_list"))
    assert [t.pk for t in listing.context["unread_threads"]] == [thread.pk]
    page = client.get(reverse("activities:message_thread", args=[thread.pk]))
    assert "Here it is." in page.content.decode()
    # Reading it clears its unread mark and its notification.
    listing = client.get(reverse("activities:message_list"))
    assert listing.context["unread_threads"] == []
    assert [t.pk for t in listing.context["threads"]] == [thread.pk]
    assert not Notification.objects.filter(recipient=omar, read_at__isnull=True).exists()
    reply = client.post(reverse("activities:message_thread", args=[thread.pk]), {"body": "Thanks!"})
    assert reply.status_code == 302
    assert thread.messages.count() == 2
    assert Notification.objects.filter(recipient=sara, kind="message").count() == 1


def test_new_message_errors_stay_at_their_fields(sara_client, outsider):
    response = sara_client.post(
        reverse("activities:message_new"),
        {"recipients": [outsider.employee.pk], "subject": "", "body": "x"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "recipients" in errors and "subject" in errors
    assert not MessageThread.objects.exists()


def test_a_non_participant_gets_404(client, sara, huda, omar):
    thread = message_thread_start(actor=sara, recipients=[huda], subject="Private", body="B")
    client.force_login(omar)
    url = reverse("activities:message_thread", args=[thread.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "Hi"}).status_code == 404
    assert thread.messages.count() == 1
    assert "Private" not in client.get(reverse("activities:message_list")).content.decode()


def test_recipient_search_offers_active_colleagues_only(sara_client, sara, huda, outsider):
    response = sara_client.get(reverse("activities:message_recipient_search"), {"q": ""})
    values = {row["value"] for row in response.json()["results"]}
    assert huda.employee.pk in values
    assert sara.employee.pk not in values
    assert outsider.employee.pk not in values


def test_home_shows_the_widget(sara_client, sara):
    notify([sara], kind="task.assigned", title="Widget item")
    html = sara_client.get(reverse("home")).content.decode()
    assert "Unread notifications" in html
    assert "Widget item" in html
