"""The followups area's step of the demo company: follow-up rules that set periodic follow-ups
for wholesale customers, dealers and agents (the generator run as the daily job would, once as
of two weeks ago so some are overdue, and once today), and follow-ups set by hand between the
demo's staff: done with outcomes and a next one, forwarded, postponed, open and overdue.

Drawn from the demo's seeded `rng` in a fixed order; written through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_noop

from tawasul.contacts.models import Contact, ContactCategory, ContactType
from tawasul.core import clock

from .automation_services import message_template_save
from .choices import AssignTo, Cadence, Channel, FollowUpStatus
from .followups_generator import follow_ups_generate
from .followups_rules import follow_up_rule_save
from .followups_services import (
    follow_up_complete,
    follow_up_create,
    follow_up_forward,
    follow_up_postpone,
    follow_ups_flag_overdue,
)
from .models import FollowUp

TEMPLATE: dict[str, Any] = {
    "name": gettext_noop("Periodic follow-up"),
    "kind": "follow_up",
    "subject_en": "{{ follow_up.channel }}: {{ follow_up.record }}",
    "body_en": "Ask how the last order went and what they will need next month.",
    "subject_ar": "{{ follow_up.channel }}: {{ follow_up.record }}",
    "body_ar": "اسأل عن سير آخر طلب وما سيحتاجونه الشهر القادم.",
}
PURPOSES = [
    gettext_noop("Ask about the spring order"),
    gettext_noop("Present the new price list"),
    gettext_noop("Check the last delivery"),
    gettext_noop("Collect feedback on the samples"),
    gettext_noop("Agree the visit plan for next month"),
    gettext_noop("Follow up the overdue payment"),
]
OUTCOMES = [
    "Ordered 40 cartons; wants delivery before the 10th.",
    "Happy with the last delivery; will order again next month.",
    "Asked for a better price on the large sizes; offer to follow.",
    "Not available; the buyer is travelling until next week.",
]
# (who sets it, for whom, what happens: done / done+next / forward:<user> / postpone / open /
# overdue) between the demo's users (org/demo.py STAFF).
PLAN = [
    ("riyadh.supervisor", "rep.ahmed", "done+next"),
    ("riyadh.supervisor", "rep.ahmed", "open"),
    ("riyadh.supervisor", "rep.khalid", "overdue"),
    ("rep.khalid", "rep.khalid", "done"),
    ("jeddah.supervisor", "rep.faisal", "forward:rep.omar"),
    ("jeddah.supervisor", "rep.omar", "postpone"),
    ("coord.sara", "rep.ahmed", "overdue"),
    ("coord.noura", "rep.faisal", "done+next"),
    ("sales.manager", "riyadh.supervisor", "open"),
    ("rep.omar", "rep.omar", "overdue"),
]


def _rules(demo, template) -> list:
    company = demo.company
    types = {t.code: t for t in ContactType.objects.filter(company=company)}
    wholesale = ContactCategory.objects.filter(
        company=company, contact_type=types.get("customer"), name="Wholesale"
    ).first()
    rules = []
    if "customer" in types:
        criteria = {"contact_type": [types["customer"].pk], "lifecycle": ["customer"]}
        if wholesale is not None:
            criteria["category"] = [wholesale.pk]
        rules.append(
            dict(
                name=gettext_noop("Wholesale customers: every 30 days"),
                criteria=criteria,
                cadence=Cadence.SINCE_FOLLOW_UP,
                interval_days=30,
                assign_to=AssignTo.REPRESENTATIVE,
                channel=Channel.CALL,
                template=template,
            )
        )
    if "dealer" in types:
        rules.append(
            dict(
                name=gettext_noop("Dealers: a visit on the 1st and the 15th"),
                criteria={"contact_type": [types["dealer"].pk]},
                cadence=Cadence.DAYS_OF_MONTH,
                days_of_month=[1, 15],
                assign_to=AssignTo.REPRESENTATIVE,
                channel=Channel.VISIT,
                template=template,
            )
        )
    if "agent" in types:
        rules.append(
            dict(
                name=gettext_noop("Agents: a week after the last activity"),
                criteria={"contact_type": [types["agent"].pk]},
                cadence=Cadence.SINCE_ACTIVITY,
                interval_days=7,
                assign_to=AssignTo.REPRESENTATIVE,
                channel=Channel.MEETING,
            )
        )
    return [
        follow_up_rule_save(actor=None, company=company, is_active=True, **fields)
        for fields in rules
    ]


def build(demo) -> None:
    """Add follow-up rules, generated and hand-set follow-ups (after contacts and tasks)."""
    rng = demo.rng
    company, employees, users = demo.company, demo.employees, demo.users
    now = clock.now()
    template = message_template_save(actor=None, company_id=company.pk, **TEMPLATE)
    rules = _rules(demo, template)
    # The daily job as of two weeks ago (those follow-ups are overdue now), then today's.
    follow_ups_generate(now=now - dt.timedelta(days=14), rule_ids=[r.pk for r in rules])
    generated = list(
        FollowUp.objects.filter(rule__in=rules, status=FollowUpStatus.OPEN)
        .select_related("assignee__user")
        .order_by("pk")[:60]
    )
    for follow_up in generated[::4]:
        assert follow_up.assignee is not None  # rules always name one
        follow_up_complete(
            actor=follow_up.assignee.user, follow_up=follow_up, outcome=rng.choice(OUTCOMES)
        )
    follow_ups_generate(now=now, rule_ids=[r.pk for r in rules])

    contacts = {
        name: list(
            Contact.objects.filter(company=company, representative=employee).order_by("pk")[:6]
        )
        for name, employee in employees.items()
    }
    made = 0
    for index, (setter, assignee, plan) in enumerate(PLAN):
        if setter not in employees or assignee not in employees:
            continue
        about = contacts.get(assignee) or []
        record = rng.choice(about) if about else None
        if record is not None and not (
            Contact.objects.restrict(users[setter], "view").filter(pk=record.pk).exists()
        ):
            record = None
        purpose = PURPOSES[index % len(PURPOSES)]
        channel = rng.choice(Channel.values)
        if plan == "overdue":
            follow_up_create(
                actor=None,
                set_by=employees[setter],
                company=company,
                assignee=employees[assignee],
                due_at=now - dt.timedelta(hours=rng.randint(5, 72)),
                purpose=purpose,
                channel=channel,
                record=record,
            )
            made += 1
            continue
        follow_up = follow_up_create(
            actor=users[setter],
            assignee=employees[assignee],
            due_at=now + dt.timedelta(hours=rng.randint(2, 96)),
            purpose=purpose,
            channel=channel,
            record=record,
        )
        if plan.startswith("done"):
            follow_up_complete(
                actor=users[assignee],
                follow_up=follow_up,
                outcome=rng.choice(OUTCOMES),
                next_due_at=now + dt.timedelta(days=rng.randint(10, 30))
                if plan == "done+next"
                else None,
            )
        elif plan.startswith("forward:"):
            to = plan.split(":", 1)[1]
            if to in employees:
                follow_up_forward(
                    actor=users[assignee],
                    follow_up=follow_up,
                    to=employees[to],
                    instruction="Please take this one; you visit them on Tuesdays.",
                )
        elif plan == "postpone":
            follow_up_postpone(
                actor=users[assignee],
                follow_up=follow_up,
                due_at=follow_up.due_at + dt.timedelta(days=3),
                remark="The buyer asked us to call after the holiday.",
            )
        made += 1
    follow_ups_flag_overdue(now)
    demo.say(
        f"follow-ups: {len(rules)} rules, "
        f"{FollowUp.objects.filter(company=company).count()} follow-ups ({made} set by hand)"
    )
