"""The tasks area's step of the demo company: tasks between the demo's staff in every state,
with trails (progress, waiting, done, cancelled), forwards, some overdue (flagged and
escalated by the sweep), and a task for several representatives with one copy each.

Drawn from the demo's seeded `rng` in a fixed order; written through the services."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_noop

from tawasul.contacts.models import Contact
from tawasul.core import clock

from .choices import Priority
from .tasks_services import (
    task_create,
    task_forward,
    task_report,
    tasks_escalate_overdue,
    tasks_flag_overdue,
)

TITLES = [
    gettext_noop("Call back about the price list"),
    gettext_noop("Send the revised offer"),
    gettext_noop("Visit the new branch manager"),
    gettext_noop("Collect the signed contract"),
    gettext_noop("Check the delivery complaint"),
    gettext_noop("Prepare the monthly visit plan"),
    gettext_noop("Confirm the order quantities"),
    gettext_noop("Update the contact's phone numbers"),
]
# (initiator, assignee, what happens after) between the demo's users (org/demo.py STAFF).
PLAN = [
    ("riyadh.supervisor", "rep.ahmed", ["start"]),
    ("riyadh.supervisor", "rep.khalid", ["start", "wait"]),
    ("riyadh.supervisor", "rep.ahmed", ["start", "done"]),
    ("jeddah.supervisor", "rep.faisal", ["cancel_by_initiator"]),
    ("jeddah.supervisor", "rep.omar", ["forward:rep.faisal", "start"]),
    ("sales.manager", "riyadh.supervisor", ["forward:coord.sara", "done"]),
    ("coord.sara", "rep.khalid", []),
    ("coord.noura", "rep.omar", ["start"]),
    ("cs.supervisor", "cs.rep.huda", ["start", "done"]),
    ("cs.supervisor", "cs.rep.yousef", ["wait"]),
]
REMARKS = {
    "start": "Started on it.",
    "wait": "Waiting for the customer to answer.",
    "done": "Done, see the notes on the contact.",
    "cancel_by_initiator": "No longer needed.",
}


def build(demo) -> None:
    """Add the tasks to the demo company (after contacts)."""
    rng = demo.rng
    employees, users = demo.employees, demo.users
    now = clock.now()
    contacts = {
        rep: list(
            Contact.objects.filter(company=demo.company, representative=employees[rep]).order_by(
                "pk"
            )[:5]
        )
        for rep in ("rep.ahmed", "rep.khalid", "rep.faisal", "rep.omar")
        if rep in employees
    }
    made = 0
    for index, (initiator, assignee, steps) in enumerate(PLAN):
        if initiator not in employees or assignee not in employees:
            continue
        overdue = index % 3 == 0
        hours = rng.randint(4, 72)
        due = now - dt.timedelta(hours=hours) if overdue else now + dt.timedelta(hours=hours)
        about = contacts.get(assignee) or []
        task = task_create(
            actor=None,
            initiator=employees[initiator],
            assignees=[employees[assignee]],
            title=TITLES[index % len(TITLES)],
            description="",
            priority=rng.choice(Priority.values),
            due_at=due,
            record=rng.choice(about) if about else None,
        )
        holder = assignee
        for step in steps:
            if step.startswith("forward:"):
                to = step.split(":", 1)[1]
                task = task_forward(
                    actor=users[holder],
                    task=task,
                    to=employees[to],
                    instruction="Please take this over, you know the customer.",
                )
                holder = to
            elif step == "cancel_by_initiator":
                task = task_report(
                    actor=users[initiator], task=task, status="cancelled", remark=REMARKS[step]
                )
            else:
                status = {"start": "in_progress", "wait": "waiting", "done": "done"}[step]
                task = task_report(
                    actor=users[holder], task=task, status=status, remark=REMARKS[step]
                )
        made += 1
    # One task for the whole Riyadh team: a parent with a copy each, one done, one started.
    team = [r for r in ("rep.ahmed", "rep.khalid", "coord.sara") if r in employees]
    if len(team) > 1 and "riyadh.supervisor" in employees:
        parent = task_create(
            actor=None,
            initiator=employees["riyadh.supervisor"],
            assignees=[employees[r] for r in team],
            title=gettext_noop("Share the new price list with your customers"),
            priority=Priority.HIGH,
            due_at=now + dt.timedelta(days=rng.randint(2, 5)),
        )
        copies = {c.assignee_id: c for c in parent.copies.all()}
        first = copies[employees[team[0]].pk]
        task_report(actor=users[team[0]], task=first, status="done", remark=REMARKS["done"])
        second = copies[employees[team[1]].pk]
        task_report(actor=users[team[1]], task=second, status="in_progress", remark="Half done.")
        made += 1
    tasks_flag_overdue(now)
    tasks_escalate_overdue(now)
    demo.say(f"tasks: {made}")
