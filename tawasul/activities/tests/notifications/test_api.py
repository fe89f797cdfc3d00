"""`/api/notifications/` and `/api/internal-messages/`."""

import pytest
from rest_framework.test import APIClient

from tawasul.activities.models import MessageThread, Notification
from tawasul.activities.notifications_services import message_thread_start
from tawasul.activities.notify import notify

pytestmark = pytest.mark.django_db


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_notifications_are_only_mine_in_keyset_pages(sara, huda):
    for n in range(5):
        notify([sara], kind="task.assigned", title=f"Sara {n}")
    notify([huda], kind="task.assigned", title="Huda's")
    api = api_for(sara)
    first = api.get("/api/notifications/", {"page_size": 3}).json()
    assert [r["title"] for r in first["results"]] == ["Sara 4", "Sara 3", "Sara 2"]
    second = api.get(first["next"]).json()
    assert [r["title"] for r in second["results"]] == ["Sara 1", "Sara 0"]
    assert second["next"] is None


def test_notifications_filter_unread_and_kind(sara):
    read = notify([sara], kind="task.assigned", title="Read")[0]
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    notify([sara], kind="reminder.fired", title="Unread reminder")
    api = api_for(sara)
    unread = api.get("/api/notifications/", {"state": "unread"}).json()["results"]
    assert [r["title"] for r in unread] == ["Unread reminder"]
    tasks = api.get("/api/notifications/", {"kind": "task"}).json()["results"]
    assert [r["title"] for r in tasks] == ["Read"]
    bad = api.get("/api/notifications/", {"state": "sometimes"})
    assert bad.status_code == 400
    assert "state" in bad.json()


def test_read_and_read_all(sara, huda):
    row = notify([sara], kind="task.assigned", title="One")[0]
    notify([sara], kind="task.assigned", title="Two")
    other = notify([huda], kind="task.assigned", title="Huda's")[0]
    api = api_for(sara)
    answer = api.post(f"/api/notifications/{row.pk}/read/")
    assert answer.status_code == 200
    assert answer.json()["read_at"] is not None
    assert api.post(f"/api/notifications/{other.pk}/read/").status_code == 404
    assert api.post("/api/notifications/read-all/").json() == {"marked": 1}
    assert not Notification.objects.filter(recipient=sara, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_notifications_cannot_be_written(sara):
    api = api_for(sara)
    assert api.post("/api/notifications/", {"title": "Forged"}).status_code in (403, 405)
    assert not Notification.objects.exists()


def test_a_user_without_the_permission_is_refused(company):
    from tawasul.activities.tests.notifications.conftest import colleague

    bare = colleague(company, "bare", "Bare", perms=[])
    notify([bare], kind="task.assigned", title="x")
    api = api_for(bare)
    assert api.get("/api/notifications/").status_code == 403
    assert api.post("/api/notifications/read-all/").status_code == 403


def test_internal_messages_create_list_reply(sara, omar, huda):
    api = api_for(sara)
    created = api.post(
        "/api/internal-messages/",
        {"recipients": [omar.pk, huda.pk], "subject": "Targets", "body": "Numbers, please."},
        format="json",
    )
    assert created.status_code == 201, created.content
    thread = created.json()
    assert thread["subject"] == "Targets"
    assert {p["user"] for p in thread["participants"]} == {sara.pk, omar.pk, huda.pk}
    assert [m["body"] for m in thread["messages"]] == ["Numbers, please."]
    omar_api = api_for(omar)
    listed = omar_api.get("/api/internal-messages/").json()["results"]
    assert [(t["id"], t["unread"]) for t in listed] == [(thread["id"], True)]
    reply = omar_api.post(
        f"/api/internal-messages/{thread['id']}/reply/", {"body": "Sent."}, format="json"
    )
    assert reply.status_code == 201
    assert reply.json()["body"] == "Sent."
    detail = api.get(f"/api/internal-messages/{thread['id']}/").json()
    assert [m["body"] for m in detail["messages"]] == ["Numbers, please.", "Sent."]
    assert detail["unread"] is True


def test_internal_messages_field_errors_change_nothing(sara, outsider):
    api = api_for(sara)
    answer = api.post(
        "/api/internal-messages/",
        {"recipients": [outsider.pk], "subject": "", "body": "x"},
        format="json",
    )
    assert answer.status_code == 400
    assert "subject" in answer.json()
    answer = api.post(
        "/api/internal-messages/",
        {"recipients": [outsider.pk], "subject": "Hi", "body": "x"},
        format="json",
    )
    assert answer.status_code == 400
    assert "recipients" in answer.json()
    assert not MessageThread.objects.exists()


def test_a_non_participant_gets_404(sara, huda, omar):
    thread = message_thread_start(actor=sara, recipients=[huda], subject="Private", body="B")
    api = api_for(omar)
    assert api.get(f"/api/internal-messages/{thread.pk}/").status_code == 404
    answer = api.post(f"/api/internal-messages/{thread.pk}/reply/", {"body": "x"}, format="json")
    assert answer.status_code == 404
    assert api.get("/api/internal-messages/").json()["results"] == []
    assert thread.messages.count() == 1
