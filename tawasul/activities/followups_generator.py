"""The follow-up generator (issue 12 §4): periodic follow-ups from rules and registered sources.

`follow_ups_generate` runs daily (Huey, `followups_tasks`) and from
`manage.py generate_follow_ups`. For each active rule it reads, in one query, the contacts of
the rule's company that meet its criteria and have no open follow-up of the rule, each with the
dates its cadence counts from (last completed follow-up, last activity, the rule's last due
date), works out the next due date (`followups_rules.next_due_on`, moved to a working day of
the company's calendar), and makes the follow-ups due within `LEAD_DAYS` in batches.

Inserts skip conflicts (`bulk_create(ignore_conflicts=True)`: `ON CONFLICT DO NOTHING` on
PostgreSQL, `INSERT OR IGNORE` on SQLite) against the database's own guarantees: one follow-up
per (rule, contact, due date) and one open follow-up per (rule, contact). So a rerun creates
nothing new, and two workers running at once make each follow-up once: the second insert of a
row waits for the first's transaction and then does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import DateField, Exists, Max, OuterRef, Subquery, Value

from tawasul.contacts.models import Contact
from tawasul.core import clock
from tawasul.core.timezones import local_day
from tawasul.org.models import Company, Employee
from tawasul.org.worktime import WorkSchedule, calendar_for, is_working_day

from .choices import AssignTo, Cadence, FollowUpStatus, TaskStatus
from .followups_rules import LEAD_DAYS, next_due_on, offered_assignees, rule_contacts
from .followups_services import company_zone
from .followups_sources import RULES, Proposal, registered_sources
from .messages import render_message
from .models import FollowUp, FollowUpRule, Task

logger = logging.getLogger("tawasul.activities.followups")  # a failing source is logged

BATCH = 1000


def working_due_at(schedule: WorkSchedule, day: dt.date) -> tuple[dt.date, dt.datetime]:
    """The first working day on or after `day` and the start of its working hours (UTC)."""
    for _step in range(400):
        if is_working_day(schedule, day):
            break
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, schedule.starts, tzinfo=schedule.zone)
    return day, start.astimezone(dt.UTC)


def _local(moment: dt.datetime | None, zone) -> dt.date | None:
    return local_day(moment, zone) if moment is not None else None


def _contacts_with_dates(rule: FollowUpRule):
    """The rule's contacts without an open follow-up of it, with what its cadence counts from
    (one query)."""
    done = FollowUp.objects.filter(contact_id=OuterRef("pk"), status=FollowUpStatus.DONE)
    queryset = (
        rule_contacts(rule)
        .exclude(
            Exists(
                FollowUp.objects.filter(
                    rule_id=rule.pk, contact_id=OuterRef("pk"), status=FollowUpStatus.OPEN
                )
            )
        )
        .annotate(last_done=Subquery(done.order_by("-completed_at").values("completed_at")[:1]))
    )
    fields = ["pk", "representative_id", "coordinator_id", "last_done"]
    if rule.cadence == Cadence.SINCE_ACTIVITY:
        tasks = Task.objects.filter(contact_id=OuterRef("pk"), status=TaskStatus.DONE)
        queryset = queryset.annotate(
            last_task=Subquery(tasks.order_by("-completed_at").values("completed_at")[:1])
        )
        fields += ["last_task", "updated_at"]
    if rule.cadence == Cadence.DAYS_OF_MONTH and rule.pk is None:
        queryset = queryset.annotate(last_due=Value(None, output_field=DateField()))
        fields.append("last_due")
    elif rule.cadence == Cadence.DAYS_OF_MONTH:
        queryset = queryset.annotate(
            last_due=Subquery(
                FollowUp.objects.filter(rule_id=rule.pk, contact_id=OuterRef("pk"))
                .values("contact_id")
                .annotate(m=Max("due_on"))
                .values("m")[:1]
            )
        )
        fields.append("last_due")
    return queryset.order_by("pk").values(*fields)


def rule_due_dates(
    rule: FollowUpRule, now: dt.datetime, *, limit: int | None = None
) -> Iterable[tuple[dict, dt.date]]:
    """Each of the rule's contacts without an open follow-up of it, with the day its next one
    is due (before moving to a working day)."""
    zone = company_zone(rule.company)
    today = local_day(now, zone)
    rows = _contacts_with_dates(rule)
    for row in rows if limit is None else rows[:limit]:
        last_done = _local(row["last_done"], zone)
        last_activity = None
        if rule.cadence == Cadence.SINCE_ACTIVITY:
            dates = [last_done, _local(row["last_task"], zone), _local(row["updated_at"], zone)]
            last_activity = max((d for d in dates if d is not None), default=None)
        yield (
            row,
            next_due_on(
                rule,
                today=today,
                last_done=last_done,
                last_activity=last_activity,
                last_due=row.get("last_due"),
            ),
        )


def _assignee_id(rule: FollowUpRule, row: dict) -> int | None:
    if rule.assign_to == AssignTo.REPRESENTATIVE:
        return row["representative_id"]
    if rule.assign_to == AssignTo.COORDINATOR:
        return row["coordinator_id"]
    return rule.user_id


def _purposes(rule: FollowUpRule, rows: list[FollowUp]) -> None:
    """Each row's purpose from the rule's message template: its subject, rendered over the
    follow-up (a "follow_up" template) or its contact (a "contact" template) in the assignee's
    language, naming only what the assignee may see; else the rule's name."""
    template = rule.template
    if template is None or template.kind not in ("follow_up", "contact") or not rows:
        return
    contacts = Contact.objects.in_bulk([f.contact_id for f in rows])
    employees = Employee.objects.select_related("user").in_bulk([f.assignee_id for f in rows])
    for follow_up in rows:
        follow_up.assignee = employees[follow_up.assignee_id]
        record = follow_up if template.kind == "follow_up" else contacts[follow_up.contact_id]
        subject, _body = render_message(template, record, recipient=follow_up.assignee.user)
        if subject and subject.strip():
            follow_up.purpose = subject.strip()[:300]


def _insert(rows: list[FollowUp]) -> None:
    if rows:
        with transaction.atomic():
            FollowUp.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


def generate_for_rule(rule: FollowUpRule, now: dt.datetime) -> int:
    """Make the rule's follow-ups due within `LEAD_DAYS`; returns how many were new."""
    schedule = calendar_for(rule.company_id)
    horizon = local_day(now, company_zone(rule.company)) + dt.timedelta(days=LEAD_DAYS)
    staff = set(offered_assignees(rule.company_id).values_list("pk", flat=True))
    contact_type = ContentType.objects.get_for_model(Contact)
    before = FollowUp.objects.filter(rule_id=rule.pk).count()
    batch: list[FollowUp] = []
    for row, due in rule_due_dates(rule, now):
        if due > horizon:
            continue
        assignee_id = _assignee_id(rule, row)
        if assignee_id not in staff:
            continue
        due_on, due_at = working_due_at(schedule, due)
        batch.append(
            FollowUp(
                company_id=rule.company_id,
                assignee_id=assignee_id,
                due_at=due_at,
                due_on=due_on,
                purpose=rule.name[:300],
                channel=rule.channel,
                rule_id=rule.pk,
                source=RULES,
                subject_type=contact_type,
                subject_id=row["pk"],
                contact_id=row["pk"],
            )
        )
        if len(batch) >= BATCH:
            _purposes(rule, batch)
            _insert(batch)
            batch = []
    _purposes(rule, batch)
    _insert(batch)
    return FollowUp.objects.filter(rule_id=rule.pk).count() - before


def generate_from_source(key: str, proposals: Iterable[Proposal], now: dt.datetime) -> int:
    """Make what a registered source proposes (about a record, for an active member of its
    company's staff); returns how many were new."""
    companies: dict[int, Company] = {}
    staff: dict[int, set[int]] = defaultdict(set)
    before = FollowUp.objects.filter(source=key, rule__isnull=True).count()
    batch: list[FollowUp] = []
    for proposal in proposals:
        if not proposal.subject_id or not proposal.subject_type_id:
            logger.warning("follow-up source %s proposed one about no record", key)
            continue
        company = companies.get(proposal.company_id)
        if company is None:
            company = companies[proposal.company_id] = Company.objects.get(pk=proposal.company_id)
            staff[company.pk] = set(offered_assignees(company.pk).values_list("pk", flat=True))
        if proposal.assignee_id not in staff[company.pk]:
            continue
        batch.append(
            FollowUp(
                company_id=company.pk,
                assignee_id=proposal.assignee_id,
                due_at=proposal.due_at,
                due_on=local_day(proposal.due_at, company_zone(company)),
                purpose=(proposal.purpose or key)[:300],
                channel=proposal.channel,
                source=key,
                subject_type_id=proposal.subject_type_id,
                subject_id=proposal.subject_id,
                contact_id=proposal.contact_id,
            )
        )
        if len(batch) >= BATCH:
            _insert(batch)
            batch = []
    _insert(batch)
    return FollowUp.objects.filter(source=key, rule__isnull=True).count() - before


def follow_ups_generate(
    now: dt.datetime | None = None, rule_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Run every active rule (or only `rule_ids`) and, when no rules are named, every
    registered source; returns how many follow-ups each made (`"rule:<pk>"`, source keys).
    Safe to rerun and to run on several workers at once."""
    now = now or clock.now()
    made: dict[str, int] = {}
    rules = FollowUpRule.objects.filter(is_active=True).select_related("company", "template")
    if rule_ids is not None:
        rules = rules.filter(pk__in=list(rule_ids))
    for rule in rules.order_by("pk"):
        made[f"rule:{rule.pk}"] = generate_for_rule(rule, now)
    if rule_ids is None:
        for key, source in registered_sources().items():
            try:
                made[key] = generate_from_source(key, source(now=now), now)
            except Exception:  # one broken source must not stop the others
                logger.exception("follow-up source %s failed", key)
    return made


def rule_preview(rule: FollowUpRule, now: dt.datetime | None = None, *, sample: int = 10):
    """What the rule would do today: how many contacts it matches, and for the first `sample`
    of them (without an open follow-up of the rule) the day the next one is due and to whom
    (`(contact_id, due_on, assignee_id)`; the assignee None when the contact has nobody to
    give it to)."""
    now = now or clock.now()
    schedule = calendar_for(rule.company_id)
    matching = rule_contacts(rule).count()
    staff = set(offered_assignees(rule.company_id).values_list("pk", flat=True))
    rows = []
    for row, due in rule_due_dates(rule, now, limit=sample):
        assignee_id = _assignee_id(rule, row)
        due_on, _due_at = working_due_at(schedule, due)
        rows.append((row["pk"], due_on, assignee_id if assignee_id in staff else None))
    return matching, rows


__all__ = [
    "BATCH",
    "follow_ups_generate",
    "generate_for_rule",
    "generate_from_source",
    "rule_due_dates",
    "rule_preview",
    "working_due_at",
]
