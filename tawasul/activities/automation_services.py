"""Writes of the automation area: message templates, automatic task rules, and the automatic
tasks themselves (`automatic_tasks_fire`, called by the Huey job the event handler queues)."""

from __future__ import annotations

import logging
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tawasul.access.registry import MANY, OPERATOR_LABELS, TREE, LinkField
from tawasul.core import clock, templating
from tawasul.core.access import verify_within
from tawasul.core.history import stamp_history
from tawasul.core.timezones import zone_for
from tawasul.core.types import Actor
from tawasul.org.models import Employee
from tawasul.org.worktime import add_working_days, calendar_for

from .messages import render_message
from .models import AutomaticTaskRule, MessageTemplate, Task
from .tasks_services import task_create
from .triggers import Trigger, get_trigger

logger = logging.getLogger("tawasul.activities.automation")

TEXT_FIELDS = ("subject_en", "body_en", "subject_ar", "body_ar")
TEMPLATE_FIELDS = ("name", "kind", *TEXT_FIELDS, "is_active")
RULE_FIELDS = (
    "name",
    "is_active",
    "event",
    "conditions",
    "target",
    "target_user",
    "target_role",
    "due_in_days",
    "priority",
    "template",
)
MAX_KEY = 2**31  # keys beyond this are no record's (and overflow an integer column)
# Targets every trigger offers besides its own people.
USER, ROLE = "user", "role"


# --- message templates ---------------------------------------------------------------------


def template_errors(kind: str, texts: Mapping[str, str]) -> dict[str, list[str]]:
    """What is wrong with each of the template's texts as templates of `kind`, by field, each
    message with its line ("Line 2: ..."); {} when all are right."""
    errors: dict[str, list[str]] = {}
    for name, text in texts.items():
        found = templating.validate(kind, text or "")
        if found:
            errors[name] = [str(error) for error in found]
    return errors


def _apply(instance: Any, fields: Mapping[str, Any], allowed) -> None:
    for name, value in fields.items():
        if name == "company_id" and instance.pk is None:
            instance.company_id = value
        elif name == "company" and instance.pk is None:
            instance.company = value
        elif name in allowed:
            setattr(instance, name, value)
        else:
            raise TypeError(f"Unknown field: {name}")


@transaction.atomic
def message_template_save(
    *, actor: Actor, instance: MessageTemplate | None = None, **fields: Any
) -> MessageTemplate:
    """Create or update a message template; refuse a text with a syntax error, a refused
    construct or a placeholder its kind does not offer, at that text's field with the line."""
    template = instance or MessageTemplate()
    action = "change" if template.pk else "add"
    _apply(template, fields, TEMPLATE_FIELDS)
    try:
        kind = templating.get_kind(template.kind)
    except LookupError:
        raise ValidationError({"kind": _("Choose a kind of record.")}) from None
    errors = template_errors(kind.key, {name: getattr(template, name) for name in TEXT_FIELDS})
    if template.pk:
        for rule in AutomaticTaskRule.objects.filter(template=template).order_by("pk"):
            trigger = get_trigger(rule.event)
            if trigger is not None and trigger.model != kind.model_label:
                errors.setdefault("kind", []).append(
                    _("The automatic task rule “%(rule)s” uses this template for %(event)s.")
                    % {"rule": rule.name, "event": trigger.label}
                )
    if errors:
        raise ValidationError(errors)
    template.full_clean()
    stamp_history(template, actor)
    template.save()
    verify_within(actor, template, action)
    return template


@transaction.atomic
def message_template_delete(*, actor: Actor, template: MessageTemplate) -> None:
    """Delete a template no rule uses (a rule's template protects it)."""
    verify_within(actor, template, "delete")
    stamp_history(template, actor)
    template.delete()


@dataclass(frozen=True)
class TextPreview:
    """One text of a template rendered on a record: `text`, or `errors`; `fallback` when the
    Arabic text is empty and the English one stands in."""

    field: str
    text: str
    errors: list[str]
    fallback: bool = False


def message_template_preview(
    *, user, kind: str, texts: Mapping[str, str], record: Any
) -> list[TextPreview]:
    """Each text of a template rendered on `record` (read by the caller through `restrict` for
    `user`) as `user` would read it, English in English and Arabic in Arabic."""
    zone = zone_for(user)
    found = []
    for name in TEXT_FIELDS:
        text = texts.get(name) or ""
        fallback = False
        if name.endswith("_ar") and not text.strip():
            text, fallback = texts.get(name[:-3] + "_en") or "", True
        language = "ar" if name.endswith("_ar") else "en"
        result = templating.preview(kind, text, record, user=user, language=language, timezone=zone)
        found.append(
            TextPreview(name, result.text, [str(error) for error in result.errors], fallback)
        )
    return found


# --- automatic task rules ------------------------------------------------------------------

OPERATORS: dict[str, tuple[str, ...]] = {TREE: ("in_subtree", "in"), MANY: ("any",)}


def operators_for(decl: LinkField) -> tuple[str, ...]:
    """The operators a rule's condition may use on a field: the access engine's vocabulary
    without those relative to a user (a rule fires for the company, not a user)."""
    return OPERATORS.get(decl.kind, ("in",))


def operator_choices(decl: LinkField) -> list[tuple[str, str]]:
    return [(op, str(OPERATOR_LABELS[op])) for op in operators_for(decl)]


def _condition_values(decl: LinkField, values: Any, company_id: int) -> list:
    """The condition's values if they are the field's (its choices, or its records of the
    company); ValueError otherwise."""
    if not isinstance(values, list | tuple) or not values:
        raise ValueError(_("Choose at least one value."))
    if decl.model is None:
        allowed = {str(choice[0]) for choice in decl.choices}
        cleaned = [str(value) for value in values]
        if not set(cleaned) <= allowed:
            raise ValueError(_("Choose among the field's values."))
        return cleaned
    try:
        ids = sorted({int(value) for value in values})
    except (TypeError, ValueError):
        raise ValueError(_("Choose among the field's values.")) from None
    if any(not 0 < key < MAX_KEY for key in ids):
        raise ValueError(_("Choose among the field's values."))
    rows = decl.model._base_manager.filter(pk__in=ids)
    if any(f.name == "company" for f in decl.model._meta.get_fields()):
        rows = rows.filter(company_id=company_id)
    if rows.count() != len(ids):
        raise ValueError(_("Choose among the field's values."))
    return ids


def _clean_conditions(trigger: Trigger, conditions: Any, company_id: int) -> list[dict]:
    if not conditions:
        return []
    if not isinstance(conditions, list):
        raise ValidationError({"conditions": _("Conditions are a list.")})
    cleaned, errors = [], {}
    for index, condition in enumerate(conditions):
        condition = condition if isinstance(condition, Mapping) else {}
        decl = trigger.link_field(str(condition.get("field") or ""))
        if decl is None:
            errors[f"conditions.{index}.field"] = _("A rule on this event cannot test this field.")
            continue
        op = condition.get("operator") or operators_for(decl)[0]
        if op not in operators_for(decl):
            errors[f"conditions.{index}.operator"] = _("Choose how to compare this field.")
            continue
        try:
            values = _condition_values(decl, condition.get("values"), company_id)
        except ValueError as exc:
            errors[f"conditions.{index}.values"] = str(exc)
            continue
        cleaned.append({"field": decl.name, "operator": op, "values": values})
    if errors:
        raise ValidationError(errors)
    return cleaned


def check_rule(rule: AutomaticTaskRule) -> None:
    """Refuse what a rule may not be (see `automatic_task_rule_save`); cleans its conditions."""
    trigger = get_trigger(rule.event)
    if trigger is None:
        raise ValidationError({"event": _("Choose an event automatic tasks can follow.")})
    errors: dict[str, str] = {}
    template = rule.template if rule.template_id else None
    if template is None:
        errors["template"] = _("Choose a message template.")
    elif template.company_id != rule.company_id:
        errors["template"] = _("This value belongs to another company.")
    else:
        try:
            kind = templating.get_kind(template.kind)
        except LookupError:
            kind = None
        if kind is None or kind.model_label != trigger.model:
            errors["template"] = _(
                "This template is not written for the record this event is about."
            )
    targets = {USER, ROLE, *trigger.people}
    if rule.target not in targets:
        errors["target"] = _("A rule on this event cannot give the task to them.")
    if rule.target == USER:
        user = rule.target_user
        if user is None:
            errors["target_user"] = _("Choose the user.")
        elif (
            user.company_id != rule.company_id
            or not user.is_active
            or user.user is None
            or not user.user.is_active
        ):
            errors["target_user"] = _("Choose an active member of staff of the company.")
    else:
        rule.target_user = None
    if rule.target == ROLE:
        if rule.target_role_id is None or not Group.objects.filter(pk=rule.target_role_id).exists():
            errors["target_role"] = _("Choose a role.")
    else:
        rule.target_role = None
    if errors:
        raise ValidationError(errors)
    rule.conditions = _clean_conditions(trigger, rule.conditions, rule.company_id)


@transaction.atomic
def automatic_task_rule_save(
    *, actor: Actor, instance: AutomaticTaskRule | None = None, **fields: Any
) -> AutomaticTaskRule:
    """Create or update an automatic task rule: an event with a trigger, conditions only on the
    trigger's fields, a target the trigger offers (an active member of staff, an existing
    role), and a template written for the trigger's record."""
    rule = instance or AutomaticTaskRule()
    action = "change" if rule.pk else "add"
    _apply(rule, fields, RULE_FIELDS)
    check_rule(rule)
    rule.full_clean()
    stamp_history(rule, actor)
    rule.save()
    verify_within(actor, rule, action)
    return rule


@transaction.atomic
def automatic_task_rule_delete(*, actor: Actor, rule: AutomaticTaskRule) -> None:
    """Delete a rule; the tasks it made stay (their `rule` becomes empty)."""
    verify_within(actor, rule, "delete")
    stamp_history(rule, actor)
    rule.delete()


def _condition_q(decl: LinkField, condition: Mapping[str, Any]) -> Q:
    values = condition.get("values") or []
    if decl.kind == TREE and condition.get("operator") == "in_subtree":
        parts = [Q(**{f"{decl.lookup}__path__contains": f"/{int(v)}/"}) for v in values]
        return reduce(operator.or_, parts) if parts else Q(pk__in=[])
    return Q(**{f"{decl.lookup}__in": values})


def conditions_hold(rule: AutomaticTaskRule, trigger: Trigger, record: models.Model) -> bool:
    """Whether `record` meets every condition of `rule` (one query; none: always). A condition
    on a field the trigger no longer offers never holds."""
    if not rule.conditions:
        return True
    parts = []
    for condition in rule.conditions:
        decl = trigger.link_field(str(condition.get("field")))
        if decl is None:
            return False
        parts.append(_condition_q(decl, condition))
    matching = type(record)._base_manager.filter(pk=record.pk).filter(*parts)
    return matching.exists()


def rule_people(
    rule: AutomaticTaskRule, trigger: Trigger, record: models.Model, payload: Mapping[str, Any]
) -> list[Employee]:
    """The active members of staff of the rule's company the rule gives a task to, once each,
    in key order."""
    if rule.target == USER:
        found = [rule.target_user] if rule.target_user_id else []
    elif rule.target == ROLE:
        found = list(
            Employee.objects.filter(
                company_id=rule.company_id, user__groups=rule.target_role_id
            ).select_related("user")
        )
    elif rule.target in trigger.people:
        found = list(trigger.people[rule.target][1](record, payload))
    else:
        found = []
    people = {}
    for employee in found:
        if (
            employee is not None
            and employee.company_id == rule.company_id
            and employee.is_active
            and employee.user is not None
            and employee.user.is_active
        ):
            people[employee.pk] = employee
    return [people[pk] for pk in sorted(people)]


def rule_due(rule: AutomaticTaskRule, record: models.Model, start: datetime) -> datetime:
    """`rule.due_in_days` working days after `start` in the record's branch's calendar."""
    schedule = calendar_for(rule.company_id, getattr(record, "branch_id", None))
    return add_working_days(schedule, start, rule.due_in_days)


def _actor(payload: Mapping[str, Any]):
    actor_id = payload.get("actor_id")
    if not actor_id:
        return None
    return get_user_model()._base_manager.filter(pk=actor_id).first()


@dataclass(frozen=True)
class PlannedTask:
    """A task a rule would create: for whom, worded how, due when."""

    assignee: Employee
    title: str
    description: str
    due_at: datetime


def rule_plan(
    rule: AutomaticTaskRule,
    record: models.Model,
    payload: Mapping[str, Any] | None = None,
    *,
    actor=None,
    now: datetime | None = None,
) -> list[PlannedTask]:
    """What `rule` would create for `record` now (nothing when its conditions do not hold)."""
    trigger = get_trigger(rule.event)
    if trigger is None or not conditions_hold(rule, trigger, record):
        return []
    payload = dict(payload or {})
    due = rule_due(rule, record, now or clock.now())
    planned = []
    for employee in rule_people(rule, trigger, record, payload):
        title, body = render_message(
            rule.template, record, recipient=employee.user, actor=actor, extra=payload
        )
        planned.append(PlannedTask(employee, title, body, due))
    return planned


def automatic_task_rule_preview(
    *, user, rule: AutomaticTaskRule, record: models.Model
) -> list[PlannedTask]:
    """The tasks `rule` would create if its event happened now to `record` (read by the caller
    through `restrict` for `user`), with `user` as who did it."""
    field_name = f"{record._meta.model_name}_id"
    payload = {field_name: record.pk, "actor_id": user.pk}
    return rule_plan(rule, record, payload, actor=user)


def automatic_tasks_fire(
    *, event: str, payload: Mapping[str, Any], origin_key: str | None = None
) -> list[Task]:
    """Create the tasks every active rule of the record's company for `event` asks for, once:
    each task carries the rule and the occurrence's key (plus its assignee), so running this
    again for the same occurrence creates nothing new. A rule created after the occurrence
    (`Trigger.occurred_at`) does not act on it."""
    trigger = get_trigger(event)
    if trigger is None:
        return []
    record: Any = trigger.load(payload)
    if record is None:
        return []
    key = origin_key or trigger.key(payload)
    rules = AutomaticTaskRule.objects.filter(
        company_id=record.company_id, event=event, is_active=True
    ).select_related("template", "target_user__user")
    occurred = trigger.occurred_at(record, payload) if trigger.occurred_at else None
    if occurred is not None:
        rules = rules.filter(created_at__lte=occurred)  # a rule acts on what follows it
    actor = _actor(payload)
    created: list[Task] = []
    now = clock.now()
    for rule in rules.order_by("pk"):
        for plan in rule_plan(rule, record, payload, actor=actor, now=now):
            origin = f"{key}:e{plan.assignee.pk}"[:120]
            if Task.objects.filter(rule=rule, origin_key=origin).exists():
                continue
            try:
                with transaction.atomic():
                    created.append(
                        task_create(
                            actor=None,
                            assignees=[plan.assignee],
                            title=plan.title[:200],
                            description=plan.description,
                            due_at=plan.due_at,
                            priority=rule.priority,
                            record=record,
                            rule=rule,
                            origin_key=origin,
                        )
                    )
            except (IntegrityError, ValidationError):
                # Another worker made it first (the unique rule and origin key).
                logger.info("automatic task %s for rule %s already exists", origin, rule.pk)
    return created


def trigger_records(trigger: Trigger, user, *, limit: int = 50) -> models.QuerySet:
    """The most recent records of the trigger's model `user` may view (a preview's picker)."""
    model = apps.get_model(trigger.model)
    return model._default_manager.restrict(user, "view").order_by("-pk")[:limit]
