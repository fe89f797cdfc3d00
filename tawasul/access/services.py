"""Writes to roles and record rules, each audited."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tawasul.core.errors import error_path
from tawasul.core.history import stamp_history
from tawasul.core.registry import get_registry
from tawasul.core.types import Actor
from tawasul.org.models import Employee

from .audit import log_change
from .models import DefaultRoleGrant, RecordRule, RuleCondition
from .registry import CHOICE, OPERATORS, RELATIVE, governed
from .roles import ROLE_LABELS, default_roles_for
from .rules import bump_generation


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
        where = error_path("conditions", index)
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
            target = decl.model  # every kind but a choice names the model of its values
            assert target is not None, decl.name
            queryset = target._base_manager.filter(pk__in=ids)
            company_path = getattr(target, "access_company_path", "company")
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
    actor: Actor,
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
    stamp_history(rule, actor)
    rule.save()
    rule.conditions.all().delete()
    RuleCondition.objects.bulk_create(
        [RuleCondition(rule=rule, **condition) for condition in cleaned]
    )
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
def rule_delete(*, actor: Actor, rule: RecordRule) -> None:
    before = _rule_snapshot(rule)
    stamp_history(rule, actor)
    rule.delete()
    log_change(
        actor=actor,
        kind="rule.deleted",
        subject=before["name"],
        before=before,
        company=rule.company,
    )


# The permissions administrators grant on the roles page: those of the sections the modules
# declare (`registry.matrix_section`: the business apps', and the roles and users'). Anything
# else a role holds (granted by a developer in Django's admin) is left alone.
def matrix_sections():
    """The permission matrix's sections (`core.registry.MatrixSection`), in their order."""
    return sorted(get_registry().matrix_sections.values(), key=lambda section: section.order)


def matrix_permissions():
    """The permissions the roles page offers and `role_save` accepts."""
    condition = Q(pk__in=[])
    for section in matrix_sections():
        if section.models is None:
            condition |= Q(content_type__app_label=section.app_label)
        else:
            condition |= Q(
                content_type__app_label=section.app_label, content_type__model__in=section.models
            )
    return (
        Permission.objects.filter(condition)
        .exclude(content_type__model__startswith="historical")
        .select_related("content_type")
        .order_by("content_type__app_label", "content_type__model", "codename")
    )


def company_users(user, company_id):
    """Active users who work for the company, read through the employees `user` may view."""
    employees = Employee.objects.restrict(user, "view").filter(company_id=company_id)
    return (
        get_user_model()
        .objects.filter(employee__in=employees.values("pk"), is_active=True)
        .select_related("employee")
        .order_by("employee__name", "username")
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


def _members_elsewhere(group: Group, company):
    """Holders of `group` who are not staff of `company` (roles are shared by all companies)."""
    return group.user_set.exclude(employee__company_id=company.pk)


@transaction.atomic
def role_save(
    *,
    actor: Actor,
    company,
    instance: Group | None = None,
    name: str,
    permissions=None,
    members=None,
) -> Group:
    """Create or update a role (group), its permissions and who holds it in `company`; audited.

    Roles are Django groups shared by every company, so an administrator of one company:
    - grants only the permissions of the roles page (`matrix_permissions`); others the role
      already holds are kept;
    - names as members only active staff of their company whom they may see; holders from
      other companies are kept;
    - cannot rename a default role (the application refers to it by name), nor a role that
      other companies' staff hold.
    """
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    else:
        clash = Group.objects.filter(name=name)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["name"] = [_("A role with this name already exists.")]
        elif instance is not None and name != instance.name:
            if instance.name in ROLE_LABELS:
                errors["name"] = [_("A default role keeps its name: the application refers to it.")]
            elif _members_elsewhere(instance, company).exists():
                errors["name"] = [
                    _("Staff of another company hold this role; its name cannot change here.")
                ]
    if permissions is not None:
        grantable = set(matrix_permissions().values_list("pk", flat=True))
        permissions = list(permissions)
        if any(p.pk not in grantable for p in permissions):
            errors["permissions"] = [_("Some of these permissions cannot be granted here.")]
    if members is not None:
        members = list(members)
        allowed = set(company_users(actor, company.pk).values_list("pk", flat=True))
        if any(m.pk not in allowed for m in members):
            errors["members"] = [
                _("Only active staff of your company whom you may see can hold a role here.")
            ]
    if errors:
        raise ValidationError(errors)
    group = instance or Group()
    before = _role_snapshot(group) if group.pk else {}
    group.name = name
    group.save()
    if permissions is not None:
        kept = []
        if instance is not None:
            kept = list(instance.permissions.exclude(pk__in=matrix_permissions().values("pk")))
        group.permissions.set(permissions + kept)
    if members is not None:
        kept = list(_members_elsewhere(instance, company)) if instance is not None else []
        group.user_set.set(members + kept)
        # Whoever the administrator took the role from no longer holds it by default: given back
        # by hand later, it stays through the employee's moves.
        DefaultRoleGrant.objects.filter(role=group).exclude(
            user__in=group.user_set.values("pk")
        ).delete()
    bump_generation()
    log_change(
        actor=actor,
        kind="role.changed" if before else "role.created",
        subject=name,
        before=before,
        after=_role_snapshot(group),
        company=company,
    )
    return group


@transaction.atomic
def role_delete(*, actor: Actor, company, group: Group) -> None:
    """Delete a role no rule refers to and no other company's staff hold; audited."""
    if group.name in ROLE_LABELS:
        raise ValidationError(_("A default role cannot be deleted: the application refers to it."))
    if group.record_rules.exists():
        raise ValidationError(_("Delete or reassign this role's record rules first."))
    if _members_elsewhere(group, company).exists():
        raise ValidationError(
            _("Staff of another company hold this role; it cannot be deleted here.")
        )
    before = _role_snapshot(group)
    group.delete()
    log_change(
        actor=actor, kind="role.deleted", subject=before["name"], before=before, company=company
    )


# --- default roles follow the employee -------------------------------------------------------


def _may_move_role(actor, group: Group) -> bool:
    """True when `actor` may give or take `group` by changing an employee: the system and
    superusers always; anyone else only a role whose every permission they hold themselves."""
    if actor is None or actor.is_superuser:
        return True
    needed = {
        f"{app}.{code}"
        for app, code in group.permissions.values_list("content_type__app_label", "codename")
    }
    return needed <= actor.get_all_permissions()


@transaction.atomic
def employee_default_roles_move(
    *,
    actor: Actor,
    employee,
    created: bool = False,
    old_user_id: int | None = None,
    old_department_kind: str | None = None,
    old_job_roles=(),
) -> None:
    """Move an employee's user from the default roles of their old department and job roles to
    those of their current ones; audited.

    Only roles given by default (a `DefaultRoleGrant` row) are ever taken back, so roles an
    administrator gave by hand stay. A role the new department and jobs call for is given only
    when the old ones did not call for it already (an administrator who took it away is not
    overruled by an unrelated edit) and the user does not hold it (then it stays as it was
    given). A user no longer linked to the employee loses the roles given to them by default.
    The actor gives and takes only roles whose every permission they hold (`_may_move_role`):
    ticking a job must not make anyone more than the person ticking it; roles withheld that way
    are named in the audit.
    """
    user_id = employee.user_id
    moves: dict[int, tuple[set[str], set[str]]] = {}  # user -> (to give, to take)
    if old_user_id and old_user_id != user_id:
        taken = DefaultRoleGrant.objects.filter(user_id=old_user_id)
        moves[old_user_id] = (set(), set(taken.values_list("role__name", flat=True)))
    if user_id:
        kind = employee.department.kind if employee.department_id else None
        wanted = set(default_roles_for(kind, employee.roles.values_list("code", flat=True)))
        same_user = not created and old_user_id == user_id
        before = set(default_roles_for(old_department_kind, old_job_roles)) if same_user else set()
        given = DefaultRoleGrant.objects.filter(user_id=user_id)
        moves[user_id] = (wanted - before, set(given.values_list("role__name", flat=True)) - wanted)
    user_model = get_user_model()
    for pk in sorted(moves):  # lock the users in a fixed order
        user = user_model._default_manager.select_for_update().filter(pk=pk).first()
        if user is not None:
            _move_user_roles(actor, user, employee.company, *moves[pk])


def _move_user_roles(actor, user, company, give: set[str], take: set[str]) -> None:
    groups = {g.name: g for g in Group.objects.filter(name__in=give | take)}
    held = set(user.groups.values_list("name", flat=True))
    added, removed, withheld = [], [], []
    for name in sorted(take):
        group = groups.get(name)
        if group is None:
            continue
        if not _may_move_role(actor, group):
            withheld.append(name)
            continue
        DefaultRoleGrant.objects.filter(user=user, role=group).delete()
        if name in held:
            removed.append(group)
    for name in sorted(give):
        group = groups.get(name)
        if group is None or name in held:
            continue  # held already: given by hand, or earlier; it stays as it was given
        if not _may_move_role(actor, group):
            withheld.append(name)
            continue
        DefaultRoleGrant.objects.get_or_create(user=user, role=group)
        added.append(group)
    if not (added or removed or withheld):
        return
    user.groups.remove(*removed)
    user.groups.add(*added)
    bump_generation()
    after = sorted((held - {g.name for g in removed}) | {g.name for g in added})
    change = {"roles": after}
    if withheld:
        change["withheld"] = withheld
    log_change(
        actor=actor,
        kind="employee.default_roles",
        subject=user.get_username(),
        before={"roles": sorted(held)},
        after=change,
        company=company,
    )
