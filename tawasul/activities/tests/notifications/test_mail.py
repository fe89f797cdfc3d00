"""E-mail copies: one per notification after commit (never for a rolled-back write), in the
recipient's language; the daily digest once per day per user."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from tawasul.activities.models import Notification, NotificationPreference
from tawasul.activities.notifications_mail import (
    digest_send,
    digests_send_due,
    notification_email_send,
)
from tawasul.activities.notifications_services import notification_preference_save
from tawasul.activities.notifications_tasks import notification_digests_sweep
from tawasul.activities.notify import notify
from tawasul.core import clock
from tawasul.core.models import UserPreference

# 07:00 UTC, 10:00 in Riyadh: past the digest hour in either zone.
MORNING = datetime.datetime(2027, 3, 2, 7, 0, tzinfo=datetime.UTC)


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_copy_is_sent_after_commit_and_never_for_a_rolled_back_write(sara, huda):
    notification_preference_save(actor=sara, email_copy="each")
    with pytest.raises(Boom):
        with transaction.atomic():
            notify([sara], kind="task.assigned", title="Rolled back")
            raise Boom
    assert mail.outbox == []
    with transaction.atomic():
        row = notify([sara, huda], kind="task.assigned", title="Kept", body="Body text")[0]
        assert mail.outbox == []  # not before the commit
    assert len(mail.outbox) == 1  # Huda chose no e-mail
    message = mail.outbox[0]
    assert message.to == [sara.email]
    assert "Kept" in message.subject
    assert "Body text" in message.body
    assert message.alternatives[0][1] == "text/html"
    row.refresh_from_db()
    assert row.emailed_at is not None


@pytest.mark.django_db
def test_a_copy_is_sent_once_and_in_the_recipients_language(
    sara, django_capture_on_commit_callbacks
):
    notification_preference_save(actor=sara, email_copy="each")
    UserPreference.objects.create(user=sara, language="ar")
    with django_capture_on_commit_callbacks(execute=True):
        row = notify([sara], kind="task.assigned", title="مهمة جديدة")[0]
    assert len(mail.outbox) == 1
    with translation.override("ar"):
        footer = translation.gettext(
            "You receive this copy because of your notification settings in Tawasul."
        )
    assert footer in mail.outbox[0].body
    assert 'dir="rtl"' in mail.outbox[0].alternatives[0][0]
    # A second attempt (a retried task) finds the row claimed.
    assert notification_email_send(notification_id=row.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_no_copy_when_the_preference_changed_or_no_address(
    sara, huda, django_capture_on_commit_callbacks
):
    notification_preference_save(actor=sara, email_copy="each")
    row = notify([sara], kind="task.assigned", title="x")[0]
    notification_preference_save(actor=sara, email_copy="none")
    assert notification_email_send(notification_id=row.pk) is False
    huda.email = ""
    huda.save()
    notification_preference_save(actor=huda, email_copy="each")
    with django_capture_on_commit_callbacks(execute=True):
        notify([huda], kind="task.assigned", title="y")
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_digest_is_sent_once_a_day_with_the_unread_unsent(sara, huda):
    notification_preference_save(actor=sara, email_copy="digest")
    with clock.frozen(MORNING - datetime.timedelta(hours=4)):
        old_read = notify([sara], kind="task.assigned", title="Already read")[0]
        Notification.objects.filter(pk=old_read.pk).update(read_at=MORNING)
        notify([sara], kind="task.assigned", title="Waiting one")
        notify([sara], kind="reminder.fired", title="Waiting two")
        notify([huda], kind="reminder.fired", title="Not Sara's")
        # Before the digest hour (03:00 UTC: 06:00 in Riyadh): nothing.
        assert digests_send_due() == 0
    assert digests_send_due(MORNING) == 1
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Waiting one" in body and "Waiting two" in body
    assert "Already read" not in body and "Not Sara's" not in body
    assert (
        not Notification.objects.filter(recipient=sara, emailed_at__isnull=True)
        .exclude(pk=old_read.pk)
        .exists()
    )
    # Later the same day: nothing more, even with something new.
    with clock.frozen(MORNING + datetime.timedelta(hours=5)):
        notify([sara], kind="task.assigned", title="Afternoon")
        assert digests_send_due(MORNING + datetime.timedelta(hours=5)) == 0
        assert digest_send(user_id=sara.pk, now=MORNING + datetime.timedelta(hours=5)) == 0
    assert len(mail.outbox) == 1
    # The next morning: the new one, once.
    tomorrow = MORNING + datetime.timedelta(days=1)
    assert digests_send_due(tomorrow) == 1
    assert "Afternoon" in mail.outbox[1].body
    assert digests_send_due(tomorrow) == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_an_empty_digest_does_not_use_up_the_day(sara):
    notification_preference_save(actor=sara, email_copy="digest")
    assert digests_send_due(MORNING) == 0
    assert NotificationPreference.objects.get(user=sara).last_digest_at is None
    with clock.frozen(MORNING):
        notify([sara], kind="task.assigned", title="Later that day")
    assert digests_send_due(MORNING + datetime.timedelta(hours=1)) == 1


@pytest.mark.django_db
def test_the_periodic_sweep_sends_the_due_digests(sara):
    notification_preference_save(actor=sara, email_copy="digest")
    with clock.frozen(MORNING):
        notify([sara], kind="task.assigned", title="Swept")
        notification_digests_sweep.call_local()
    assert len(mail.outbox) == 1
    assert "Swept" in mail.outbox[0].body


@pytest.mark.django_db
def test_users_with_each_or_none_get_no_digest(sara, huda):
    notification_preference_save(actor=sara, email_copy="each")
    notify([sara, huda], kind="task.assigned", title="x")
    assert digests_send_due(MORNING) == 0
    assert mail.outbox == []
