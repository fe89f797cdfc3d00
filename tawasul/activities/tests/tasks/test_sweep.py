"""The overdue sweep: flagged and told once; escalated once per level in working time."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from tawasul.activities.escalation import escalate, escalation_due
from tawasul.activities.models import Escalation, Notification, Task
from tawasul.activities.tasks_services import (
    SWEEP_BATCH,
    task_create,
    task_report,
    tasks_escalate_overdue,
    tasks_flag_overdue,
    tasks_sweep,
)
from tawasul.activities.tasks_tasks import tasks_overdue_sweep
from tawasul.org.worktime import calendar_for

RIYADH = ZoneInfo("Asia/Riyadh")
MONDAY_10 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=RIYADH)  # a working Monday


@pytest.fixture
def riyadh(org):
    org.company.timezone = "Asia/Riyadh"
    org.company.save()
    return org


def overdue_notes(user):
    return Notification.objects.filter(recipient=user, kind="task.overdue").count()


def test_overdue_is_told_once_across_sweeps(riyadh, django_capture_on_commit_callbacks):
    org = riyadh
    task = task_create(actor=org.boss.user, assignees=[org.rep1], title="Late", due_at=MONDAY_10)
    done = task_create(actor=org.boss.user, assignees=[org.rep2], title="Done", due_at=MONDAY_10)
    task_report(actor=org.rep2.user, task=done, status="done", remark="ok")
    assert tasks_flag_overdue(MONDAY_10 - dt.timedelta(minutes=1)) == 0
    assert tasks_flag_overdue(MONDAY_10 + dt.timedelta(minutes=1)) == 1
    for later in (dt.timedelta(hours=1), dt.timedelta(days=3), dt.timedelta(days=30)):
        assert tasks_flag_overdue(MONDAY_10 + later) == 0
    task.refresh_from_db()
    assert task.overdue_notified_at == MONDAY_10 + dt.timedelta(minutes=1)
    assert overdue_notes(org.boss.user) == 1  # the initiator
    assert overdue_notes(org.lead.user) == 1  # the assignee's manager
    assert overdue_notes(org.rep1.user) == 0 and overdue_notes(org.rep2.user) == 0
    assert task.events.filter(verb="overdue").count() == 1


def test_the_periodic_task_runs_the_sweep(riyadh):
    task_create(
        actor=riyadh.boss.user,
        assignees=[riyadh.rep1],
        title="Late",
        due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    tasks_overdue_sweep.call_local()
    tasks_overdue_sweep.call_local()
    assert Task.objects.get().overdue_notified_at is not None
    assert overdue_notes(riyadh.boss.user) == 1


def test_escalation_due_counts_working_hours(riyadh):
    schedule = calendar_for(riyadh.company.pk)
    # Monday 10:00 + 8 working hours (08:00-17:00): 7 on Monday, 1 on Tuesday.
    assert escalation_due(MONDAY_10, 1, schedule=schedule, hours=8) == dt.datetime(
        2026, 12, 1, 9, 0, tzinfo=RIYADH
    )
    assert escalation_due(MONDAY_10, 2, schedule=schedule, hours=8) == dt.datetime(
        2026, 12, 1, 17, 0, tzinfo=RIYADH
    )


def test_escalation_once_per_level_up_the_chain(riyadh, settings):
    settings.TASK_ESCALATION_HOURS = 8
    org = riyadh
    task = task_create(actor=org.peer.user, assignees=[org.rep1], title="Late", due_at=MONDAY_10)
    tuesday = dt.datetime(2026, 12, 1, tzinfo=RIYADH)
    assert tasks_escalate_overdue(tuesday.replace(hour=8, minute=59)) == 0
    assert tasks_escalate_overdue(tuesday.replace(hour=9, minute=1)) == 1
    assert tasks_escalate_overdue(tuesday.replace(hour=10)) == 0
    task.refresh_from_db()
    assert task.escalation_level == 1
    assert tasks_sweep(tuesday.replace(hour=17, minute=1)) == (1, 1)
    for later in (dt.timedelta(days=1), dt.timedelta(days=20)):
        assert tasks_escalate_overdue(tuesday + later) == 0  # the chain ends at the boss
    task.refresh_from_db()
    assert task.escalation_level == 2
    rows = list(Escalation.objects.order_by("level").values_list("level", "escalated_to_id"))
    assert rows == [(1, org.lead.pk), (2, org.boss.pk)]
    steps = list(
        task.events.filter(verb="escalated").order_by("at", "pk").values_list("data", flat=True)
    )
    assert steps == [{"level": 1, "to": org.lead.pk}, {"level": 2, "to": org.boss.pk}]
    assert Notification.objects.filter(kind="escalation", recipient=org.lead.user).count() == 1
    assert Notification.objects.filter(kind="escalation", recipient=org.boss.user).count() == 1


def test_closed_tasks_are_not_escalated(riyadh):
    org = riyadh
    task = task_create(actor=org.peer.user, assignees=[org.rep1], title="Late", due_at=MONDAY_10)
    task_report(actor=org.rep1.user, task=task, status="done", remark="Finally")
    assert tasks_escalate_overdue(MONDAY_10 + dt.timedelta(days=10)) == 0
    assert not Escalation.objects.exists()


def test_escalate_takes_a_level_once(riyadh):
    org = riyadh
    task = task_create(actor=org.peer.user, assignees=[org.rep1], title="Late", due_at=MONDAY_10)
    first = escalate(task, holder=org.rep1, level=1, reason="late")
    assert first is not None and first.escalated_to == org.lead
    assert escalate(task, holder=org.rep1, level=1, reason="late") is None
    assert escalate(task, holder=org.rep1, level=3, reason="late") is None  # no manager that high
    assert Escalation.objects.count() == 1
    assert Notification.objects.filter(kind="escalation").count() == 1


# --- two sweeps at once -------------------------------------------------------------------


def _sweep(errors, start, now):
    try:
        start.wait()
        tasks_sweep(now)
    except BaseException as exc:  # noqa: BLE001 - reported to the test's thread
        errors.append(exc)
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_tell_and_escalate_once(company):
    from .conftest import make_staff

    company.timezone = "Asia/Riyadh"
    company.save()
    boss = make_staff(company, "boss1", "Bassam Boss")
    lead = make_staff(company, "lead", "Layla Lead", boss)
    reps = [make_staff(company, f"rep{n}", f"Rep {n}", lead) for n in range(3)]
    for n in range(SWEEP_BATCH // 40):
        for rep in reps:
            task_create(actor=boss.user, assignees=[rep], title=f"Late {n}", due_at=MONDAY_10)
    count = Task.objects.count()
    later = dt.datetime(2026, 12, 1, 9, 30, tzinfo=RIYADH)  # level 1 due at 09:00
    errors: list[BaseException] = []
    if connection.vendor == "postgresql":
        # Real concurrency: each thread has its own connection and transactions.
        start = threading.Barrier(3)
        threads = [threading.Thread(target=_sweep, args=(errors, start, later)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    else:
        # SQLite serialises writers: the same sweeps one after another.
        for _ in range(3):
            _sweep(errors, threading.Barrier(1), later)
    assert not errors, errors
    assert Notification.objects.filter(kind="task.overdue", recipient=boss.user).count() == count
    assert Notification.objects.filter(kind="task.overdue", recipient=lead.user).count() == count
    assert Escalation.objects.filter(level=1).count() == count
    assert Notification.objects.filter(kind="escalation", recipient=lead.user).count() == count
    assert not Escalation.objects.filter(level=2).exists()
    assert set(Task.objects.values_list("escalation_level", flat=True)) == {1}
