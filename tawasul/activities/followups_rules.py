"""Follow-up rules (issue 12 §4): which contacts, on what cadence, for whom.

`criteria` is a small dictionary over the contact's link fields, one key per field with the
values a contact may have (any of them; every key given must hold):

    {"contact_type": [3, 4], "area": [17], "lifecycle": ["customer"], "product_groups": [8]}

Master data (`contact_type`, `category`, `industry`, `segment`, `size`) by key, `area` by key
with everything below it, `product_groups` as "has any of", `lifecycle` by stage. An empty
dictionary matches every contact of the company. It is compiled by `criteria_q` into one
condition over `Contact`, with no user's rights in it: the generator acts for the company,
so the contacts' own company is the only bound.

(Why not the record rules' conditions or the contact list's FilterSet: both are written for a
reader. The record-rule compiler resolves relative values ("my team") against a user, and the
list's FilterSet offers and checks its values through `restrict(request.user)`; a rule that
runs nightly as the system has no such user, and must not change meaning with whoever saved
it. This shape covers the fields the issue names, is checked against the company at save time,
and stays readable in the API.)
"""

from __future__ import annotations

import calendar
import datetime as dt
import operator
from functools import reduce
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tawasul.contacts.choices import Lifecycle
from tawasul.contacts.models import (
    Area,
    Contact,
    ContactCategory,
    ContactType,
    Industry,
    ProductGroup,
    Segment,
    Size,
)
from tawasul.core.access import user_company_id
from tawasul.core.cleaning import parse_id
from tawasul.core.history import stamp_history
from tawasul.core.types import Actor
from tawasul.org.models import Company, Employee

from .choices import AssignTo, Cadence, Channel
from .followups_services import is_staff_assignee
from .models import FollowUpRule, MessageTemplate

# The criteria's fields: key -> (model of its values or None for lifecycle, label).
CRITERIA_FIELDS: dict[str, tuple[Any, Any]] = {
    "contact_type": (ContactType, gettext_lazy("Type")),
    "category": (ContactCategory, gettext_lazy("Category")),
    "area": (Area, gettext_lazy("Area (and below)")),
    "industry": (Industry, gettext_lazy("Industry")),
    "segment": (Segment, gettext_lazy("Segment")),
    "size": (Size, gettext_lazy("Size")),
    "product_groups": (ProductGroup, gettext_lazy("Product groups (any of)")),
    "lifecycle": (None, gettext_lazy("Lifecycle")),
}

MAX_INTERVAL_DAYS = 366
# Generated follow-ups are made this many days before they are due (and the preview looks
# this far ahead), so they show in "this week" before the day comes.
LEAD_DAYS = 7


# --- criteria ----------------------------------------------------------------------------------


def criteria_clean(company_id: int, criteria: Any) -> dict[str, list]:
    """`criteria` checked against the company: known fields only, keys of the company's own
    records, known lifecycle stages; empty lists dropped. ValidationError at `criteria`."""
    if criteria in (None, ""):
        return {}
    if not isinstance(criteria, dict):
        raise ValidationError({"criteria": _("Give the criteria as field: list of values.")})
    cleaned: dict[str, list] = {}
    for key, values in criteria.items():
        if key not in CRITERIA_FIELDS:
            raise ValidationError({"criteria": _("Unknown field “%(field)s”.") % {"field": key}})
        if values in (None, "", []):
            continue
        if not isinstance(values, list):
            values = [values]
        model, label = CRITERIA_FIELDS[key]
        if model is None:
            bad = [v for v in values if v not in Lifecycle.values]
            if bad:
                raise ValidationError(
                    {"criteria": _("%(field)s: unknown stage.") % {"field": label}}
                )
            cleaned[key] = sorted(set(values))
            continue
        keys = sorted({key for key in (parse_id(v) for v in values) if key is not None})
        if len(keys) != len({str(v) for v in values}):
            raise ValidationError(
                {"criteria": _("%(field)s: give record keys.") % {"field": label}}
            )
        found = set(
            model._default_manager.filter(company_id=company_id, pk__in=keys).values_list(
                "pk", flat=True
            )
        )
        if found != set(keys):
            raise ValidationError(
                {"criteria": _("%(field)s: choose values of your company.") % {"field": label}}
            )
        cleaned[key] = keys
    return cleaned


def criteria_q(criteria: dict) -> Q:
    """The condition over `Contact` that `criteria` (as `criteria_clean` left it) stands for."""
    parts = []
    for key, values in (criteria or {}).items():
        if not values:
            continue
        if key == "area":
            paths = list(Area._default_manager.filter(pk__in=values).values_list("path", flat=True))
            if not paths:
                return Q(pk__in=[])
            parts.append(reduce(operator.or_, (Q(area__path__startswith=p) for p in paths)))
        elif key == "product_groups":
            through = Contact.product_groups.through
            parts.append(
                Q(pk__in=through.objects.filter(productgroup_id__in=values).values("contact_id"))
            )
        else:
            parts.append(Q(**{f"{key}__in": values}))
    return reduce(operator.and_, parts, Q())


def rule_contacts(rule: FollowUpRule):
    """The contacts of the rule's company that meet its criteria (no user's rights)."""
    return Contact.objects.filter(company_id=rule.company_id).filter(criteria_q(rule.criteria))


# --- cadence -----------------------------------------------------------------------------------


def next_day_of_month(days: list[int], start: dt.date) -> dt.date:
    """The first date on or after `start` whose day of the month is one of `days` (1-31); a
    day past a month's end (30 in February) falls on that month's last day."""
    wanted = sorted({int(d) for d in days if 1 <= int(d) <= 31})
    if not wanted:
        raise ValueError("no day of the month")
    year, month = start.year, start.month
    for _step in range(14):
        last = calendar.monthrange(year, month)[1]
        for day in wanted:
            candidate = dt.date(year, month, min(day, last))
            if candidate >= start:
                return candidate
        month += 1
        if month == 13:
            year, month = year + 1, 1
    raise AssertionError("unreachable")  # pragma: no cover


def next_due_on(
    rule: FollowUpRule,
    *,
    today: dt.date,
    last_done: dt.date | None = None,
    last_activity: dt.date | None = None,
    last_due: dt.date | None = None,
) -> dt.date:
    """When a contact's next follow-up of `rule` is due, never before `today`:

    - since the last completed follow-up: `interval_days` after the day the contact's last
      follow-up (any, manual or generated) was completed; at once if it never had one;
    - since the last activity: `interval_days` after the latest of that day, the day a task
      about the contact was last done, and the day the contact was last updated;
    - on days of the month: the next such day after the rule's last follow-up for the contact
      (done, open or cancelled), from today on.
    """
    if rule.cadence == Cadence.DAYS_OF_MONTH:
        start = today if last_due is None else max(today, last_due + dt.timedelta(days=1))
        return next_day_of_month(rule.days_of_month, start)
    anchor = last_done if rule.cadence == Cadence.SINCE_FOLLOW_UP else last_activity
    if anchor is None:
        return today
    return max(today, anchor + dt.timedelta(days=rule.interval_days or 1))


# --- saving ------------------------------------------------------------------------------------


RULE_FIELDS = (
    "name",
    "is_active",
    "criteria",
    "cadence",
    "interval_days",
    "days_of_month",
    "assign_to",
    "user",
    "channel",
    "template",
)


def _clean_days(days: Any) -> list[int]:
    if not isinstance(days, (list, tuple)) or not days:
        raise ValidationError({"days_of_month": _("Choose at least one day of the month.")})
    try:
        out = sorted({int(d) for d in days if not isinstance(d, bool)})
    except (TypeError, ValueError):
        out = []
    if not out or len(out) != len({str(d) for d in days}) or not all(1 <= d <= 31 for d in out):
        raise ValidationError({"days_of_month": _("Days of the month run from 1 to 31.")})
    return out


def _check_rule(rule: FollowUpRule) -> None:
    """The rule's parts agree with its cadence and assignment, within its company."""
    errors: dict[str, str] = {}
    if rule.cadence in (Cadence.SINCE_FOLLOW_UP, Cadence.SINCE_ACTIVITY):
        if not rule.interval_days or not 1 <= rule.interval_days <= MAX_INTERVAL_DAYS:
            errors["interval_days"] = _("Give a number of days from 1 to %(max)s.") % {
                "max": MAX_INTERVAL_DAYS
            }
        rule.days_of_month = []
    elif rule.cadence == Cadence.DAYS_OF_MONTH:
        try:
            rule.days_of_month = _clean_days(rule.days_of_month)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        rule.interval_days = None
    if rule.assign_to == AssignTo.USER:
        if rule.user is None or not is_staff_assignee(rule.user, rule.company_id):
            errors["user"] = _("Choose an active member of staff of your company.")
    else:
        rule.user = None
    if rule.template is not None and rule.template.company_id != rule.company_id:
        errors["template"] = _("Choose a template of your company.")
    if rule.channel not in Channel.values:
        errors["channel"] = _("Choose one of the channels offered.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def follow_up_rule_save(
    *, actor: Actor, rule: FollowUpRule | None = None, company: Company | None = None, **fields
) -> FollowUpRule:
    """Create (no `rule`) or change a follow-up rule of the actor's company (the system:
    `company`). Fields: name, is_active, criteria, cadence, interval_days, days_of_month,
    assign_to, user, channel, template."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    company_id = user_company_id(actor) if actor is not None else getattr(company, "pk", None)
    if company_id is None:
        raise ValidationError({"name": _("Your account is not linked to a company.")})
    if rule is None:
        rule = FollowUpRule(company_id=company_id)
    elif rule.company_id != company_id:
        raise ValidationError({"name": _("This rule belongs to another company.")})
    else:
        rule = FollowUpRule.objects.select_for_update().get(pk=rule.pk)
    for name, value in fields.items():
        setattr(rule, name, value)
    if isinstance(rule.name, str):
        rule.name = rule.name.strip()
    rule.criteria = criteria_clean(company_id, rule.criteria)
    _check_rule(rule)
    rule.full_clean()
    stamp_history(rule, actor)
    rule.save()
    return rule


@transaction.atomic
def follow_up_rule_delete(*, actor: Actor, rule: FollowUpRule) -> None:
    """Delete a rule; the follow-ups it made stay (their `rule` is emptied)."""
    if actor is not None and rule.company_id != user_company_id(actor):
        raise ValidationError({"name": _("This rule belongs to another company.")})
    stamp_history(rule, actor)
    rule.delete()


def offered_templates(company_id: int | None):
    """The message templates a rule may use: the company's active ones."""
    if company_id is None:
        return MessageTemplate.objects.none()
    return MessageTemplate.objects.filter(company_id=company_id, is_active=True)


def offered_assignees(company_id: int | None):
    """Employees a rule may name: the company's active staff."""
    if company_id is None:
        return Employee.objects.none()
    return Employee.objects.filter(
        company_id=company_id, is_active=True, user__isnull=False, user__is_active=True
    )
