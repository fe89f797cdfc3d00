"""The reminders step of the demo company: recurring reminders for several users (a weekly
sales meeting, a monthly report on the last working day, a yearly contract review, a daily
call list), and some once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group

from tawasul.access.roles import REPRESENTATIVE
from tawasul.core import clock

from .reminders_recurrence import (
    AFTER_COUNT,
    DAILY,
    LAST_WORKING_DAY,
    MONTHLY,
    WEEKLY,
    YEARLY,
    Recurrence,
)
from .reminders_services import reminder_save

# (author, title, body, days ahead, hour, recurrence, recipients, roles, task, e-mail)
REMINDERS = [
    (
        "sales.manager",
        "Weekly sales meeting",
        "Bring your pipeline and the week's visits.",
        1,
        9,
        Recurrence(WEEKLY, weekdays=(7,)),
        ("sales.manager", "riyadh.supervisor", "jeddah.supervisor"),
        (REPRESENTATIVE,),
        False,
        False,
    ),
    (
        "riyadh.supervisor",
        "Monthly sales report",
        "Send the branch's monthly report to the sales manager.",
        1,
        10,
        Recurrence(MONTHLY, month_mode=LAST_WORKING_DAY),
        ("riyadh.supervisor", "jeddah.supervisor"),
        (),
        True,
        True,
    ),
    (
        "general.manager",
        "Annual dealer contracts review",
        "Review the dealers' annual contracts before renewal.",
        30,
        11,
        Recurrence(YEARLY),
        ("general.manager", "sales.manager"),
        (),
        False,
        True,
    ),
    (
        "rep.ahmed",
        "Call list",
        "Go through today's call list.",
        1,
        8,
        Recurrence(DAILY, ends=AFTER_COUNT, count=20),
        ("rep.ahmed",),
        (),
        False,
        False,
    ),
    (
        "coord.sara",
        "Confirm Thursday's visits",
        "Call the customers to confirm the visits.",
        2,
        14,
        Recurrence(),
        ("coord.sara", "rep.khalid"),
        (),
        False,
        False,
    ),
    (
        "rep.khalid",
        "Send the price list to Al Noor",
        "",
        3,
        12,
        Recurrence(),
        ("rep.khalid",),
        (),
        True,
        False,
    ),
]


def build(demo) -> None:
    """Add the reminders' part of the demo (reads `demo.company`, `demo.users`)."""
    users = demo.users
    names = {name for row in REMINDERS for name in (row[0], *row[6])}
    if not names <= set(users):
        return
    zone = ZoneInfo(demo.company.timezone)
    today = clock.now().astimezone(zone).date()
    roles = {group.name: group for group in Group.objects.filter(name__in=[REPRESENTATIVE])}
    made = []
    for (
        author,
        title,
        body,
        ahead,
        hour,
        recurrence,
        recipients,
        role_names,
        task,
        mail,
    ) in REMINDERS:
        day = today + dt.timedelta(days=ahead + demo.rng.randint(0, 1))
        made.append(
            reminder_save(
                actor=None,
                company=demo.company,
                author=users[author],
                title=title,
                body=body,
                starts_at=dt.datetime.combine(day, dt.time(hour, 0), tzinfo=zone),
                timezone=demo.company.timezone,
                recurrence=recurrence,
                users=[users[name] for name in recipients],
                roles=[roles[name] for name in role_names if name in roles],
                create_task=task,
                email=mail,
            )
        )
    demo.say(f"reminders: {len(made)} ({sum(1 for r in made if r.rrule)} repeating)")
