"""The e-mail copies of notifications over a real SMTP server (tawasul.core.tests.smtp): a copy
arrives after the commit and never for a rolled-back write, worded in the recipient's language
with Arabic intact on the wire; the daily digest arrives once; a record the recipient may no
longer see is not named in the mail."""

import datetime
import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from tawasul.activities.models import Notification
from tawasul.activities.notifications_mail import digests_send_due, notification_email_send
from tawasul.activities.notifications_selectors import HIDDEN_TITLE
from tawasul.activities.notifications_services import notification_preference_save
from tawasul.activities.notify import notify
from tawasul.core import clock
from tawasul.core.models import UserPreference
from tawasul.core.tests.smtp import smtp_server  # noqa: F401 - the fixture

# 07:00 UTC, 10:00 in Riyadh: past the digest hour in either zone.
MORNING = datetime.datetime(2027, 3, 2, 7, 0, tzinfo=datetime.UTC)
ARABIC = re.compile("[\u0600-\u06ff]")
TITLE_AR = "مهمة جديدة: متابعة عرض السعر"
BODY_AR = "يرجى الاتصال بالعميل قبل نهاية الأسبوع."
SECRET = "Zephyr Secret Trading"
FOOTER = "You receive this copy because of your notification settings in Tawasul."


class Boom(Exception):
    pass


def _in(language, text):
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.django_db(transaction=True)
def test_a_copy_arrives_after_commit_in_arabic_and_none_for_a_rolled_back_write(
    smtp_server,  # noqa: F811
    sara,
    huda,
):
    notification_preference_save(actor=sara, email_copy="each")
    UserPreference.objects.create(user=sara, language="ar")
    with pytest.raises(Boom):
        with transaction.atomic():
            notify([sara], kind="task.assigned", title="Rolled back")
            raise Boom
    assert smtp_server.messages == []
    with transaction.atomic():
        row = notify([sara, huda], kind="task.assigned", title=TITLE_AR, body=BODY_AR)[0]
        assert smtp_server.messages == []  # not before the commit
    (received,) = smtp_server.messages  # Huda chose no e-mail
    assert received.to == [sara.email]
    assert received.subject == TITLE_AR
    assert TITLE_AR in received.text and BODY_AR in received.text
    assert ARABIC.search(received.text)
    assert _in("ar", FOOTER) in received.text
    assert TITLE_AR in received.html and 'dir="rtl"' in received.html
    assert "Rolled back" not in received.text
    assert mail.outbox == []  # it went over SMTP, not to the locmem outbox
    row.refresh_from_db()
    assert row.emailed_at is not None
    # A retried task finds the row claimed: nothing more arrives.
    assert notification_email_send(notification_id=row.pk) is False
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_a_copy_for_an_english_reader_is_in_english(smtp_server, huda):  # noqa: F811
    notification_preference_save(actor=huda, email_copy="each")
    UserPreference.objects.create(user=huda, language="en")
    notify([huda], kind="task.assigned", title="Call the dealer", body="Before Thursday.")
    (received,) = smtp_server.messages
    assert received.to == [huda.email]
    assert received.subject == "Call the dealer"
    assert "Before Thursday." in received.text
    assert _in("en", FOOTER) in received.text


@pytest.mark.django_db(transaction=True)
def test_the_daily_digest_arrives_once(smtp_server, sara, huda):  # noqa: F811
    notification_preference_save(actor=sara, email_copy="digest")
    UserPreference.objects.create(user=sara, language="ar")
    with clock.frozen(MORNING - datetime.timedelta(hours=4)):
        notify([sara], kind="task.assigned", title=TITLE_AR)
        notify([sara], kind="reminder.fired", title="Waiting two")
        notify([huda], kind="reminder.fired", title="Not Sara's")
    assert smtp_server.messages == []  # a digest reader gets no copy each
    assert digests_send_due(MORNING) == 1
    assert digests_send_due(MORNING) == 0
    assert digests_send_due(MORNING + datetime.timedelta(hours=2)) == 0
    (received,) = smtp_server.messages
    assert received.to == [sara.email]
    with translation.override("ar"):
        subject = translation.gettext("Your notifications: %(count)s unread") % {"count": 2}
    assert received.subject == subject
    assert TITLE_AR in received.text and "Waiting two" in received.text
    assert "Not Sara's" not in received.text
    assert TITLE_AR in received.html


@pytest.mark.django_db(transaction=True)
def test_a_record_the_reader_can_no_longer_see_is_not_named(
    smtp_server,  # noqa: F811
    sara,
    secret_contact,
):
    notification_preference_save(actor=sara, email_copy="each")
    about = {
        "kind": "contact.changed",
        "title": f"{SECRET} changed",
        "body": f"Details about {SECRET}.",
        "record": secret_contact,
        "url": f"/contacts/{secret_contact.pk}/",
    }
    row = notify([sara], **about)[0]
    (named,) = smtp_server.messages
    assert SECRET in named.subject and SECRET in named.text  # visible: named
    # She loses the right to see it; the mail written now (a retry) names nothing.
    sara.user_permissions.filter(codename="view_contact").delete()
    Notification.objects.filter(pk=row.pk).update(emailed_at=None)
    assert notification_email_send(notification_id=row.pk)
    assert len(smtp_server.messages) == 2
    hidden = smtp_server.messages[1]
    assert hidden.to == [sara.email]
    assert SECRET not in hidden.subject
    assert SECRET not in hidden.text
    assert SECRET not in hidden.html
    assert SECRET not in hidden.message.as_string()
    assert str(HIDDEN_TITLE) in hidden.text
