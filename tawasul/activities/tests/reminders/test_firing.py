"""The sweep: each occurrence fires once however often it runs, a consumer that was down
catches up once, recipients are resolved when it fires, deactivated people are never dropped
silently."""

import datetime as dt

from django.core import mail

from tawasul.activities.models import Notification, Reminder, ReminderOccurrence, Task
from tawasul.activities.reminders_recurrence import DAILY, WEEKLY, Recurrence
from tawasul.activities.reminders_services import (
    needs_attention_q,
    reminder_fire,
    reminders_fire_due,
)
from tawasul.core import clock

from .conftest import make_staff
from .test_services import at, save

DAY = dt.date(2027, 1, 5)


def fire_at(moment):
    clock.set_frozen(moment)
    return reminders_fire_due()


def test_an_occurrence_fires_once_however_many_sweeps_reach_it(staff):
    reminder = save(staff.author, users=[staff.author, staff.colleague])
    assert fire_at(at(DAY, 8, 59)) == 0
    assert fire_at(at(DAY, 9, 0)) == 1
    for minute in range(1, 4):
        assert fire_at(at(DAY, 9, minute)) == 0
    reminder.refresh_from_db()
    assert reminder.next_at is None  # once: finished
    assert reminder.fired_count == 1
    assert Notification.objects.filter(kind="reminder.fired").count() == 2
    (occurrence,) = ReminderOccurrence.objects.all()
    assert (occurrence.due_at, occurrence.delivered, occurrence.skipped) == (at(DAY), 2, [])
    # A second consumer that read the reminder as due before the first fired it changes nothing.
    assert reminder_fire(reminder.pk, now=at(DAY, 9, 5)) is False
    Reminder.objects.filter(pk=reminder.pk).update(next_at=at(DAY))
    assert reminder_fire(reminder.pk, now=at(DAY, 9, 5)) is False  # the occurrence exists
    assert ReminderOccurrence.objects.count() == 1
    assert Notification.objects.filter(kind="reminder.fired").count() == 2


def test_after_downtime_the_latest_missed_occurrence_fires_once(staff):
    reminder = save(staff.author, recurrence=Recurrence(DAILY))
    # Down from the 5th to the 8th at 12:00: four occurrences passed (5th..8th at 09:00).
    assert fire_at(at(dt.date(2027, 1, 8), 12)) == 1
    (occurrence,) = ReminderOccurrence.objects.all()
    assert occurrence.due_at == at(dt.date(2027, 1, 8))
    reminder.refresh_from_db()
    assert reminder.next_at == at(dt.date(2027, 1, 9))
    assert fire_at(at(dt.date(2027, 1, 8), 12, 1)) == 0
    assert fire_at(at(dt.date(2027, 1, 9), 9)) == 1
    assert ReminderOccurrence.objects.count() == 2


def test_every_minute_for_a_week_fires_each_weekly_occurrence_once(staff):
    save(staff.author, recurrence=Recurrence(WEEKLY, weekdays=(2, 4)))
    moment = at(DAY, 8, 0)
    fired = 0
    while moment < at(DAY + dt.timedelta(days=7), 10):
        fired += fire_at(moment)
        moment += dt.timedelta(minutes=30)
    assert fired == 3  # Tuesday 5th, Thursday 7th, Tuesday 12th
    assert ReminderOccurrence.objects.count() == 3


def test_role_members_are_resolved_when_it_fires(staff):
    save(staff.author, users=[], roles=[staff.role])
    newcomer = make_staff(staff.company, "newcomer", "Nadia Newcomer")
    newcomer.groups.add(staff.role)
    fire_at(at(DAY))
    readers = set(Notification.objects.values_list("recipient__username", flat=True))
    assert readers == {"rep", "newcomer"}


def test_deactivated_recipients_are_skipped_recorded_and_flagged(staff):
    reminder = save(staff.author, users=[staff.author, staff.colleague])
    staff.colleague.is_active = False
    staff.colleague.save()
    assert Reminder.objects.filter(needs_attention_q()).get() == reminder
    fire_at(at(DAY))
    (occurrence,) = ReminderOccurrence.objects.all()
    assert occurrence.delivered == 1
    assert occurrence.skipped == [staff.colleague.pk]
    assert list(Notification.objects.values_list("recipient", flat=True)) == [staff.author.pk]
    reminder.refresh_from_db()
    assert reminder.needs_attention


def test_a_deactivated_author_s_reminder_still_fires_and_is_listed(staff):
    reminder = save(staff.author, users=[staff.colleague], recurrence=Recurrence(DAILY))
    staff.author.is_active = False
    staff.author.save()
    assert fire_at(at(DAY)) == 1
    assert Notification.objects.get().recipient == staff.colleague
    assert list(Reminder.objects.filter(needs_attention_q())) == [reminder]


def test_nobody_left_to_tell_is_recorded_not_dropped(staff):
    reminder = save(staff.author, users=[staff.colleague], recurrence=Recurrence(DAILY))
    staff.colleague.is_active = False
    staff.colleague.save()
    assert fire_at(at(DAY)) == 1
    occurrence = ReminderOccurrence.objects.get()
    assert (occurrence.delivered, occurrence.skipped) == (0, [staff.colleague.pk])
    reminder.refresh_from_db()
    assert reminder.needs_attention and reminder.next_at == at(DAY + dt.timedelta(days=1))


def test_e_mail_after_commit_and_a_task(staff, django_capture_on_commit_callbacks):
    save(staff.author, users=[staff.colleague], email=True, create_task=True, notify=False)
    clock.set_frozen(at(DAY))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_fire_due() == 1
    assert [m.to for m in mail.outbox] == [[staff.colleague.email]]
    assert mail.outbox[0].subject == "Weekly sales meeting"
    assert not Notification.objects.filter(kind="reminder.fired").exists()
    task = Task.objects.get(title="Weekly sales meeting")
    assert task.due_at == at(DAY)


def test_a_message_template_words_it_for_each_recipient(staff):
    from tawasul.activities.models import MessageTemplate
    from tawasul.core.models import UserPreference

    template = MessageTemplate.objects.create(
        company=staff.company,
        name="Reminder message",
        kind="reminder",
        subject_en="Reminder: {{ reminder.title }}",
        body_en="From {{ reminder.author.name }}",
        subject_ar="تذكير: {{ reminder.title }}",
        body_ar="من {{ reminder.author.name }}",
    )
    UserPreference.objects.create(user=staff.colleague, language="ar")
    save(staff.author, users=[staff.author, staff.colleague], template=template)
    fire_at(at(DAY))
    titles = dict(
        Notification.objects.filter(kind="reminder.fired").values_list(
            "recipient__username", "title"
        )
    )
    assert titles == {
        "author": "Reminder: Weekly sales meeting",
        "colleague": "تذكير: Weekly sales meeting",
    }


def test_a_template_of_another_kind_is_refused(staff):
    import pytest
    from django.core.exceptions import ValidationError

    from tawasul.activities.models import MessageTemplate

    template = MessageTemplate.objects.create(
        company=staff.company, name="Contact", kind="contact", subject_en="Hello"
    )
    with pytest.raises(ValidationError) as caught:
        save(staff.author, template=template)
    assert "template" in caught.value.message_dict
