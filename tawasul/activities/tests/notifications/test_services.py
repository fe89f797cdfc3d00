"""The notifications area's services: reading, preferences, conversations."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tawasul.activities.choices import EmailCopy
from tawasul.activities.models import InternalMessage, Notification, ThreadParticipant
from tawasul.activities.notifications_selectors import (
    kind_label,
    thread_get,
    thread_queryset,
    thread_unread_count,
    unread_count,
)
from tawasul.activities.notifications_services import (
    message_reply,
    message_thread_start,
    notification_mark_all_read,
    notification_mark_read,
    notification_preference_get,
    notification_preference_save,
)
from tawasul.activities.notify import notify
from tawasul.core.models import UserPreference

pytestmark = pytest.mark.django_db


def test_mark_read_touches_only_the_actors_rows(sara, huda):
    mine = notify([sara], kind="task.assigned", title="Mine")[0]
    theirs = notify([huda], kind="task.assigned", title="Theirs")[0]
    assert notification_mark_read(actor=sara, notification_ids=[mine.pk, theirs.pk]) == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None
    # Again: nothing more to change.
    assert notification_mark_read(actor=sara, notification_ids=[mine.pk]) == 0


def test_mark_all_read_and_the_unread_count(sara, huda):
    notify([sara, huda], kind="reminder.fired", title="One")
    notify([sara], kind="reminder.fired", title="Two")
    assert unread_count(sara) == (2, False)
    assert notification_mark_all_read(actor=sara) == 2
    assert unread_count(sara) == (0, False)
    assert unread_count(huda) == (1, False)


def test_unread_count_is_capped(sara):
    notify([sara], kind="x", title="t")
    Notification.objects.bulk_create(
        [Notification(recipient=sara, kind="x", title=str(n)) for n in range(120)]
    )
    assert unread_count(sara) == (99, True)


def test_a_user_without_the_permission_reads_nothing(sara, company):
    from tawasul.activities.tests.notifications.conftest import colleague

    bare = colleague(company, "bare", "Bare", perms=[])
    notify([bare], kind="x", title="t")
    assert unread_count(bare) == (0, False)
    assert notification_mark_all_read(actor=bare) == 0


def test_kind_labels():
    assert kind_label("task.assigned") == "Task"
    assert kind_label("message") == "Message"
    assert kind_label("something.else") == "Notification"


def test_preference_save_and_refusal(sara):
    assert notification_preference_get(sara).email_copy == EmailCopy.NONE
    notification_preference_save(actor=sara, email_copy=EmailCopy.DIGEST)
    assert notification_preference_get(sara).email_copy == EmailCopy.DIGEST
    with pytest.raises(ValidationError) as caught:
        notification_preference_save(actor=sara, email_copy="hourly")
    assert "email_copy" in caught.value.message_dict
    assert notification_preference_get(sara).email_copy == EmailCopy.DIGEST


def test_a_new_thread_notifies_the_others_in_their_language(sara, omar, huda):
    UserPreference.objects.create(user=huda, language="ar")
    thread = message_thread_start(
        actor=sara, recipients=[omar, huda], subject="Targets", body="Send me the numbers."
    )
    assert set(thread.participants.values_list("user_id", flat=True)) == {
        sara.pk,
        omar.pk,
        huda.pk,
    }
    assert InternalMessage.objects.filter(thread=thread).count() == 1
    for user in (omar, huda):
        row = Notification.objects.get(recipient=user)
        assert row.kind == "message"
        assert "Targets" in row.title
        assert row.url.startswith(f"/activities/messages/{thread.pk}/#message-")
    assert not Notification.objects.filter(recipient=sara).exists()
    # Unread for the others, read for the sender.
    assert thread_get(omar, thread.pk).unread
    assert not thread_get(sara, thread.pk).unread
    assert thread_unread_count(omar) == 1
    assert thread_unread_count(sara) == 0


def test_a_thread_refuses_people_outside_the_company_and_empty_text(sara, outsider, huda):
    with pytest.raises(ValidationError) as caught:
        message_thread_start(actor=sara, recipients=[outsider], subject="Hi", body="Hello")
    assert "recipients" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        message_thread_start(actor=sara, recipients=[], subject="Hi", body="Hello")
    assert "recipients" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        message_thread_start(actor=sara, recipients=[huda], subject="  ", body="Hello")
    assert "subject" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        message_thread_start(actor=sara, recipients=[huda], subject="Hi", body="a\x00b")
    assert "body" in caught.value.message_dict
    assert not thread_queryset(sara).exists()


def test_an_inactive_colleague_cannot_be_written_to(sara, huda):
    huda.is_active = False
    huda.save()
    with pytest.raises(ValidationError):
        message_thread_start(actor=sara, recipients=[huda], subject="Hi", body="Hello")


def test_a_user_without_the_permission_cannot_start_a_thread(company, huda):
    from tawasul.activities.tests.notifications.conftest import colleague

    bare = colleague(company, "bare", "Bare", perms=["org.view_employee"])
    with pytest.raises(PermissionDenied):
        message_thread_start(actor=bare, recipients=[huda], subject="Hi", body="Hello")


def test_replies_move_the_thread_and_track_reading_per_participant(sara, omar, huda):
    thread = message_thread_start(actor=sara, recipients=[omar, huda], subject="S", body="B")
    Notification.objects.all().delete()
    message_reply(actor=omar, thread_id=thread.pk, body="Reply from Omar")
    assert thread_get(sara, thread.pk).unread
    assert not thread_get(omar, thread.pk).unread
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {sara.pk, huda.pk}
    assert ThreadParticipant.objects.get(thread=thread, user=omar).last_read_at is not None


def test_a_non_participant_cannot_reply_or_see(sara, omar, huda):
    thread = message_thread_start(actor=sara, recipients=[huda], subject="S", body="B")
    assert thread_get(omar, thread.pk) is None
    with pytest.raises(ValidationError) as caught:
        message_reply(actor=omar, thread_id=thread.pk, body="Let me in")
    assert "thread" in caught.value.message_dict
    assert thread.messages.count() == 1


def test_another_companys_user_never_sees_the_thread(sara, huda, outsider):
    thread = message_thread_start(actor=sara, recipients=[huda], subject="S", body="B")
    # Even a forged participant row from another company gives nothing (company scoping).
    ThreadParticipant.objects.create(thread=thread, user=outsider)
    assert thread_get(outsider, thread.pk) is None
