"""Turn the record rules that reach a user into one query condition.

Rules are read once per user object and kept on it (a generation counter bumped on every rule
or membership change throws the copy away), so a page that calls `restrict` many times reads
the rules once.
"""

import operator
from functools import reduce
from itertools import count

from django.db.models import Q

from .registry import (
    BRANCH,
    CHOICE,
    DEALER,
    EMPLOYEE,
    MANY,
    MASTER,
    TREE,
    Governed,
)

NOTHING = Q(pk__in=[])
_generation = count(1)
GENERATION = [next(_generation)]

# Rule actions a requested action is checked against ("add" is judged by the change rules:
# a new record must land inside what the actor may change).
ACTION_ALIASES = {"add": "change"}


def bump_generation(*args, **kwargs) -> None:
    """Forget every cached copy of the rules (called when rules or memberships change)."""
    GENERATION[0] = next(_generation)


def _employee(user):
    return getattr(user, "employee", None) if user.is_authenticated else None


def user_rules(user, key: str) -> list:
    """The active rules of `key` that reach `user` directly or through a role."""
    from .models import RecordRule
    from .querysets import user_company_id

    cache = user.__dict__.get("_tawasul_rules")
    if cache is None or cache[0] != GENERATION[0]:
        cache = (GENERATION[0], {})
        user.__dict__["_tawasul_rules"] = cache
    rules = cache[1].get(key)
    if rules is None:
        rules = list(
            RecordRule.objects.filter(
                Q(user=user) | Q(role__in=user.groups.values("pk")),
                model=key,
                is_active=True,
                company_id=user_company_id(user),
            ).prefetch_related("conditions")
        )
        cache[1][key] = rules
    return rules


def _ids(values) -> list[int]:
    out = []
    for value in values or []:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out


def _team(employee):
    from tawasul.org.models import Employee

    return Employee.objects.filter(path__startswith=employee.path).values("pk")


def condition_q(governed: Governed, condition, user, tree_paths: dict) -> Q:
    """One condition as a query; anything it cannot resolve matches nothing (never widens)."""
    decl = governed.fields.get(condition.field)
    if decl is None:
        return NOTHING
    op, lookup = condition.operator, decl.lookup
    employee = _employee(user)
    if decl.kind == TREE and op == "in_subtree":
        paths = [tree_paths[i] for i in _ids(condition.values) if i in tree_paths]
        if not paths:
            return NOTHING
        return reduce(operator.or_, (Q(**{f"{lookup}__path__startswith": p}) for p in paths))
    if op == "in" and decl.kind in (TREE, MASTER, BRANCH, EMPLOYEE, DEALER):
        ids = _ids(condition.values)
        return Q(**{f"{lookup}__in": ids}) if ids else NOTHING
    if op == "in" and decl.kind == CHOICE:
        allowed = {str(c[0]) for c in decl.choices}
        values = [v for v in condition.values or [] if str(v) in allowed]
        return Q(**{f"{lookup}__in": values}) if values else NOTHING
    if decl.kind == MANY and op == "any":
        ids = _ids(condition.values)
        if not ids:
            return NOTHING
        # A subquery on the key: no join fan-out, no DISTINCT over the governed table.
        inner = governed.model._base_manager.filter(**{f"{lookup}__in": ids}).values("pk")
        return Q(pk__in=inner)
    if decl.kind == EMPLOYEE and op == "is_me":
        return Q(**{lookup: employee.pk}) if employee else NOTHING
    if decl.kind == EMPLOYEE and op == "is_me_or_team":
        return Q(**{f"{lookup}__in": _team(employee)}) if employee else NOTHING
    if decl.kind == EMPLOYEE and op == "coordinated_by_me":
        if not employee:
            return NOTHING
        from tawasul.org.models import Employee

        reps = Employee.objects.filter(coordinators=employee.pk).values("pk")
        return Q(**{f"{lookup}__in": reps})
    if decl.kind == BRANCH and op == "is_my_branch":
        return Q(**{lookup: employee.branch_id}) if employee and employee.branch_id else NOTHING
    if decl.kind == DEALER and op == "represented_by_me":
        if not employee:
            return NOTHING
        return Q(**{f"{lookup}__representative__in": _team(employee)})
    return NOTHING


def _tree_paths(governed: Governed, rules) -> dict[int, str]:
    """Paths of every tree value the rules name, one query per tree model."""
    wanted: dict = {}
    for rule in rules:
        for condition in rule.conditions.all():
            decl = governed.fields.get(condition.field)
            if decl is not None and decl.kind == TREE and condition.operator == "in_subtree":
                wanted.setdefault(decl.model, set()).update(_ids(condition.values))
    paths: dict[int, str] = {}
    for model, ids in wanted.items():
        paths.update(model._base_manager.filter(pk__in=ids).values_list("pk", "path"))
    return paths


def rules_q(rules, governed: Governed, user) -> Q | None:
    """The union of `rules` as one condition; None when no rule grants anything."""
    if not rules:
        return None
    if any(rule.all_records for rule in rules):
        return Q()
    paths = _tree_paths(governed, rules)
    parts = []
    for rule in rules:
        conditions = list(rule.conditions.all())
        if not conditions:
            continue  # an empty rule (rejected by the form) grants nothing
        parts.append(
            reduce(operator.and_, (condition_q(governed, c, user, paths) for c in conditions))
        )
    if not parts:
        return None
    return reduce(operator.or_, parts)


def user_rules_q(user, governed: Governed, action: str) -> Q | None:
    action = ACTION_ALIASES.get(action, action)
    rules = [r for r in user_rules(user, governed.key) if action in (r.actions or [])]
    return rules_q(rules, governed, user)
