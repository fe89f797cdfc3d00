"""The demo company's working time: its calendar and the holidays of the demo's years."""

import random
from datetime import date, datetime, time
from types import SimpleNamespace

import pytest

from tawasul.org import demo as org_demo
from tawasul.org import worktime

pytestmark = pytest.mark.django_db


def test_the_demo_company_works_sunday_to_thursday_with_its_holidays_off():
    demo = SimpleNamespace(
        rng=random.Random(org_demo.SEED), say=lambda message: None, since=lambda started: ""
    )
    org_demo.build(demo)
    # The working time step draws nothing: the draws of the steps after it keep their order.
    expected = random.Random(org_demo.SEED)
    for _member in org_demo.STAFF:
        org_demo.mobile_number(expected)
    assert demo.rng.random() == expected.random()
    assert demo.work_calendar.working_days == [7, 1, 2, 3, 4]
    assert len(demo.holidays) == len(org_demo.HOLIDAYS)
    schedule = worktime.calendar_for(demo.company.pk)
    assert (schedule.starts, schedule.ends) == (time(8), time(17))
    assert schedule.zone.key == "Asia/Riyadh"
    assert not worktime.is_working_day(schedule, date(2026, 9, 23))  # National Day, a Wednesday
    assert not worktime.is_working_day(schedule, date(2027, 3, 10))  # Eid al-Fitr (estimate)
    # A day before National Day, one working day on is the Thursday after it.
    tuesday = datetime(2026, 9, 22, 10, tzinfo=schedule.zone)
    assert worktime.add_working_days(schedule, tuesday, 1) == datetime(
        2026, 9, 24, 10, tzinfo=schedule.zone
    )
