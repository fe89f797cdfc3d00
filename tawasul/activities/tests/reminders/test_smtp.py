"""A reminder's e-mail over a real SMTP server (tawasul.core.tests.smtp): it arrives after the
sweep's commit, once however often the sweep runs, with Arabic intact on the wire."""

import datetime as dt

import pytest
from django.core import mail

from tawasul.activities.models import ReminderOccurrence
from tawasul.activities.reminders_tasks import reminders_sweep
from tawasul.core import clock
from tawasul.core.tests.smtp import smtp_server  # noqa: F401 - the fixture

from .test_services import at, save

DAY = dt.date(2027, 1, 5)
TITLE_AR = "اجتماع المبيعات الأسبوعي"
BODY_AR = "راجعوا أرقام الربع الأول قبل الاجتماع."


@pytest.mark.django_db(transaction=True)
def test_a_reminder_s_e_mail_arrives_once_however_often_the_sweep_runs(
    smtp_server,  # noqa: F811
    staff,
):
    save(
        staff.author,
        title=TITLE_AR,
        body=BODY_AR,
        users=[staff.colleague, staff.rep],
        email=True,
        notify=False,
    )
    clock.set_frozen(at(DAY, 8, 59))
    reminders_sweep.call_local()
    assert smtp_server.messages == []  # not due yet
    clock.set_frozen(at(DAY))
    reminders_sweep.call_local()
    reminders_sweep.call_local()  # the same minute again (a second consumer)
    clock.set_frozen(at(DAY, 9, 1))
    reminders_sweep.call_local()  # the next minute
    assert ReminderOccurrence.objects.count() == 1
    received = sorted(smtp_server.messages, key=lambda m: m.to)
    assert [m.to for m in received] == sorted([[staff.colleague.email], [staff.rep.email]])
    for message in received:
        assert message.subject == TITLE_AR
        assert BODY_AR in message.text
    assert mail.outbox == []  # it went over SMTP, not to the locmem outbox


@pytest.mark.django_db(transaction=True)
def test_a_reminder_without_e_mail_sends_none(smtp_server, staff):  # noqa: F811
    save(staff.author, users=[staff.colleague], email=False, notify=True)
    clock.set_frozen(at(DAY))
    reminders_sweep.call_local()
    assert ReminderOccurrence.objects.count() == 1
    assert smtp_server.messages == []
