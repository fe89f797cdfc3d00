"""Writes to roles and record rules, each audited."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import log_change
from .models import RecordRule, RuleCondition
from .registry import CHOICE, OPERATORS, RELATIVE, governed


def _rule_snapshot(rule: RecordRule) -> dict:
    return {
        "name": rule.name,
        "model": rule.model,
        "actions": list(rule.actions or []),
        "role": rule.role_id,
        "user": rule.user_id,
        "all_records": rule.all_records,
        "is_active": rule.is_active,
        "conditions": [
            {"field": c.field, "operator": c.operator, "values": c.values}
            for c in rule.conditions.all()
        ]
        if rule.pk
        else [],
    }


def rule_validate(
    *, company, model: str, actions, role, user, all_records: bool, conditions
) -> list:
    """Check a rule before saving; returns cleaned conditions or raises field errors."""
    errors: dict[str, list[str]] = {}
    entry = governed(model)
    if entry is None:
        raise ValidationError({"model": _("This kind of record is not governed by rules.")})
    bad_actions = [a for a in actions or [] if a not in entry.actions]
    if not actions:
        errors.setdefault("actions", []).append(_("Choose at least one action."))
    elif bad_actions:
        errors.setdefault("actions", []).append(
            _("Unknown action: %(a)s.") % {"a": ", ".join(bad_actions)}
        )
    if (role is None) == (user is None):
        errors.setdefault("role", []).append(
            _("Grant the rule to a role or to a user (one of them).")
        )
    if user is not None:
        employee = getattr(user, "employee", None)
        if employee is None or employee.company_id != company.pk:
            errors.setdefault("user", []).append(_("This user does not work for this company."))
    cleaned = []
    for index, condition in enumerate(conditions or []):
        where = f"conditions[{index}]"
        name, op = condition.get("field"), condition.get("operator")
        values = condition.get("values") or []
        decl = entry.fields.get(name)
        if decl is None:
            errors.setdefault(where, []).append(
                _("“%(f)s” is not a declared link field of this kind of record.") % {"f": name}
            )
            continue
        if op not in OPERATORS[decl.kind]:
            errors.setdefault(where, []).append(
                _("“%(op)s” does not apply to %(f)s.") % {"op": op, "f": decl.label}
            )
            continue
        if op in RELATIVE:
            values = []
        elif not values:
            errors.setdefault(where, []).append(
                _("Choose at least one value for %(f)s.") % {"f": decl.label}
            )
            continue
        elif decl.kind == CHOICE:
            allowed = {str(c[0]) for c in decl.choices}
            unknown = [v for v in values if str(v) not in allowed]
            if unknown:
                errors.setdefault(where, []).append(
                    _("Unknown value: %(v)s.") % {"v": ", ".join(map(str, unknown))}
                )
                continue
            values = [str(v) for v in values]
        else:
            try:
                ids = sorted({int(v) for v in values})
            except (TypeError, ValueError):
                errors.setdefault(where, []).append(_("Values must be record ids."))
                continue
            queryset = decl.model._base_manager.filter(pk__in=ids)
            company_path = getattr(decl.model, "access_company_path", "company")
            if company_path:
                queryset = queryset.filter(**{company_path: company.pk})
            found = set(queryset.values_list("pk", flat=True))
            missing = [i for i in ids if i not in found]
            if missing:
                errors.setdefault(where, []).append(
                    _("These values of %(f)s do not exist: %(ids)s.")
                    % {"f": decl.label, "ids": ", ".join(map(str, missing))}
                )
                continue
            values = ids
        cleaned.append({"field": name, "operator": op, "values": values})
    if not cleaned and not all_records and not any(k.startswith("conditions") for k in errors):
        errors.setdefault("conditions", []).append(
            _("A rule needs at least one condition, or “all records” ticked.")
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def rule_save(
    *,
    actor,
    company,
    instance: RecordRule | None = None,
    name: str,
    model: str,
    actions,
    role=None,
    user=None,
    all_records: bool = False,
    conditions=(),
    is_active: bool = True,
    description: str = "",
) -> RecordRule:
    """Create or replace a record rule with its conditions; all or nothing, audited."""
    if not (name or "").strip():
        raise ValidationError({"name": _("This field is required.")})
    cleaned = rule_validate(
        company=company,
        model=model,
        actions=actions,
        role=role,
        user=user,
        all_records=all_records,
        conditions=conditions,
    )
    rule = instance or RecordRule(company=company)
    before = _rule_snapshot(rule) if rule.pk else {}
    rule.name, rule.model, rule.actions = name.strip(), model, list(actions)
    rule.role, rule.user, rule.all_records = role, user, all_records
    rule.is_active, rule.description = is_active, description
    rule._history_user = actor
    rule.save()
    rule.conditions.all().delete()
    RuleCondition.objects.bulk_create(
        [RuleCondition(rule=rule, **condition) for condition in cleaned]
    )
    from .rules import bump_generation

    bump_generation()
    log_change(
        actor=actor,
        kind="rule.changed" if before else "rule.created",
        subject=rule.name,
        before=before,
        after=_rule_snapshot(rule),
        company=company,
    )
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: RecordRule) -> None:
    before = _rule_snapshot(rule)
    rule._history_user = actor
    rule.delete()
    log_change(
        actor=actor,
        kind="rule.deleted",
        subject=before["name"],
        before=before,
        company=rule.company,
    )


def _role_snapshot(group: Group) -> dict:
    return {
        "name": group.name,
        "permissions": sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        ),
        "members": sorted(group.user_set.values_list("username", flat=True)),
    }


@transaction.atomic
def role_save(
    *, actor, instance: Group | None = None, name: str, permissions=None, members=None
) -> Group:
    """Create or update a role (group), its permissions and who holds it; audited."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    clash = Group.objects.filter(name=name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({"name": _("A role with this name already exists.")})
    group = instance or Group()
    before = _role_snapshot(group) if group.pk else {}
    group.name = name
    group.save()
    if permissions is not None:
        group.permissions.set(permissions)
    if members is not None:
        group.user_set.set(members)
    from .rules import bump_generation

    bump_generation()
    log_change(
        actor=actor,
        kind="role.changed" if before else "role.created",
        subject=name,
        before=before,
        after=_role_snapshot(group),
    )
    return group


@transaction.atomic
def role_delete(*, actor, group: Group) -> None:
    before = _role_snapshot(group)
    if group.record_rules.exists():
        raise ValidationError(_("Delete or reassign this role's record rules first."))
    group.delete()
    log_change(actor=actor, kind="role.deleted", subject=before["name"], before=before)


def permission_choices(app_labels=("core", "org", "access", "contacts")):
    return Permission.objects.filter(content_type__app_label__in=app_labels).select_related(
        "content_type"
    )
