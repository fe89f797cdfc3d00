"""The demo step: recurring reminders for several users, and some once."""

import random
from types import SimpleNamespace

from tawasul.activities.models import Reminder
from tawasul.activities.reminders_demo import REMINDERS, build

from .conftest import make_staff


def test_demo_reminders(staff):
    names = sorted({name for row in REMINDERS for name in (row[0], *row[6])})
    users = {name: make_staff(staff.company, name, name.title()) for name in names}
    build(
        SimpleNamespace(
            company=staff.company, users=users, rng=random.Random(1), say=lambda text: None
        )
    )
    reminders = Reminder.objects.all()
    assert reminders.count() == len(REMINDERS)
    assert reminders.exclude(rrule="").count() == 4
    assert reminders.filter(working_day_back=True).count() == 1
    assert len({r.author_id for r in reminders}) >= 5
    assert all(r.next_at is not None for r in reminders)
