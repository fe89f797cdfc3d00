"""The notifications step of the demo company: inbox rows read and unread (one of them about
a contact its reader may not see, to show the neutral text), e-mail preferences, and a few
conversations with replies."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import translation

from tawasul.contacts.models import Contact
from tawasul.core import clock

from .choices import EmailCopy
from .models import InternalMessage, MessageThread, Notification, ThreadParticipant
from .notifications_services import notification_preference_save
from .notify import notify
from .subjects import record_url

INBOX_USERS = ("rep.ahmed", "rep.khalid", "coord.sara", "riyadh.supervisor", "sales.manager")

# (started by, others, subject, [(sender, body), ...]); every message an hour after the last.
THREADS = [
    (
        "sales.manager",
        ("riyadh.supervisor", "jeddah.supervisor"),
        "Quarterly targets",
        [
            ("sales.manager", "Please send me your branch's targets for next quarter by Sunday."),
            ("riyadh.supervisor", "Riyadh's figures are ready; I will share them tomorrow."),
            ("jeddah.supervisor", "Jeddah needs two more days for the dealer numbers."),
        ],
    ),
    (
        "coord.sara",
        ("rep.ahmed",),
        "Visit schedule",
        [
            ("coord.sara", "Can you visit the two new customers in Al Olaya this week?"),
            ("rep.ahmed", "Yes, Tuesday morning works."),
        ],
    ),
    (
        "rep.khalid",
        ("rep.ahmed", "coord.sara"),
        "Price list question",
        [("rep.khalid", "Has anyone got the updated price list for the premium range?")],
    ),
]


def build(demo) -> None:
    """Add the notifications' part of the demo (reads `demo.company`, `demo.users`)."""
    users = demo.users
    if not all(name in users for name in INBOX_USERS):
        return
    now = clock.now()
    contacts = list(
        Contact.objects.filter(company=demo.company)
        .order_by("pk")[:40]
        .select_related("representative")
    )
    rng = demo.rng
    for name in INBOX_USERS:
        user = users[name]
        employee = demo.employees.get(name)
        mine = [c for c in contacts if employee and c.representative_id == employee.pk]
        others = [c for c in contacts if not employee or c.representative_id != employee.pk]
        rows = []
        with translation.override("en"):
            for contact in mine[:3]:
                rows += notify(
                    [user],
                    kind="contact.assigned",
                    title=f"{contact} was assigned to you",
                    body="Please introduce yourself to the customer this week.",
                    record=contact,
                    url=record_url(contact),
                )
            if name.startswith("rep.") and others:
                # A record this representative may not see: the inbox shows the neutral text.
                contact = others[rng.randrange(len(others))]
                rows += notify(
                    [user],
                    kind="contact.changed",
                    title=f"{contact} changed its lifecycle stage",
                    record=contact,
                    url=record_url(contact),
                )
            rows += notify(
                [user],
                kind="reminder.fired",
                title="Weekly report due on Thursday",
                body="Send your weekly visit report to your supervisor.",
            )
        for index, row in enumerate(rows):
            created = now - datetime.timedelta(hours=3 * index + rng.randrange(3))
            read = created + datetime.timedelta(minutes=30) if index % 2 else None
            Notification.objects.filter(pk=row.pk).update(created_at=created, read_at=read)
    _threads(demo, now)
    # Last, so the demo's own notifications send no mail.
    notification_preference_save(actor=users["sales.manager"], email_copy=EmailCopy.DIGEST)
    notification_preference_save(actor=users["coord.sara"], email_copy=EmailCopy.EACH)


def _threads(demo, now: datetime.datetime) -> None:
    users = demo.users
    for number, (starter, others, subject, messages) in enumerate(THREADS):
        if starter not in users or not all(o in users for o in others):
            continue
        at = now - datetime.timedelta(days=len(THREADS) - number, hours=len(messages))
        thread = MessageThread.objects.create(
            company=demo.company, subject=subject, started_by=users[starter], last_message_at=at
        )
        people = [starter, *others]
        ThreadParticipant.objects.bulk_create(
            [ThreadParticipant(thread=thread, user=users[p]) for p in people]
        )
        for step, (sender, body) in enumerate(messages):
            message = InternalMessage.objects.create(thread=thread, sender=users[sender], body=body)
            sent = at + datetime.timedelta(hours=step)
            InternalMessage.objects.filter(pk=message.pk).update(created_at=sent)
            thread.last_message_at = sent
            # The sender has read it up to their message; the others are told.
            ThreadParticipant.objects.filter(thread=thread, user=users[sender]).update(
                last_read_at=sent
            )
            url = reverse("activities:message_thread", args=[thread.pk])
            rows = notify(
                [users[p] for p in people if p != sender],
                kind="message",
                title=f"{demo.employees[sender].name}: {subject}",
                body=body,
                actor=users[sender],
                url=f"{url}#message-{message.pk}",
            )
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=sent)
        MessageThread.objects.filter(pk=thread.pk).update(last_message_at=thread.last_message_at)
