"""Turn the record rules that reach a user into one query condition.

Rules are read and compiled once per user object and kept on it (a generation counter bumped on
every change of rules, memberships, the employee tree or a governed tree such as areas throws the
copy away), so a page that calls `restrict` many times reads and compiles the rules once.
"""

import operator
from functools import reduce

from django.db.models import Q

from tawasul.core.access import user_company_id
from tawasul.org.models import Employee

from .generation import GENERATION, bump_generation  # noqa: F401  (re-exported)
from .models import RecordRule
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
# Many-to-many conditions list the linked records' keys when there are at most this many (the
# planner then estimates them well and PostgreSQL hashes the list); beyond, a subquery.
LINKED_CAP = 2_000

# Rule actions a requested action is checked against ("add" is judged by the change rules:
# a new record must land inside what the actor may change).
ACTION_ALIASES = {"add": "change"}


def _employee(user):
    return getattr(user, "employee", None) if user.is_authenticated else None


def user_rules(user, key: str) -> list:
    """The active rules of `key` that reach `user` directly or through a role."""
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


class _Resolver:
    """Looks up, once per compile, the keys that relative and tree conditions stand for.

    Conditions become plain `IN (1, 2, 3)` lists on the record's own foreign keys rather than
    joins or subqueries: PostgreSQL hashes such lists, can answer them from the foreign-key
    indexes (and OR them in a bitmap), and never joins the area table just to test a path.
    Each distinct lookup is one query, made when the rules are compiled; compiled conditions
    are kept with the cached rules, so a page pays for them once.
    """

    def __init__(self, governed: Governed, rules, user):
        self.governed = governed
        self.employee = _employee(user)
        self._subtrees: dict | None = None
        self._rules = rules
        self._team: list[int] | None = None
        self._coordinated: list[int] | None = None
        self._linked: dict | None = None

    def subtree(self, decl, value_ids: list[int]) -> list[int]:
        """Keys of the named tree nodes and everything below them."""
        if self._subtrees is None:
            self._subtrees = self._load_subtrees()
        found = self._subtrees.get(decl.model, {})
        out: set[int] = set()
        for value in value_ids:
            out.update(found.get(value, ()))
        return sorted(out)

    def _load_subtrees(self) -> dict:
        # A node's materialised path lists the keys of its ancestors and itself ("/65/66/"),
        # so the members of every named subtree come from one query over the tree's table.
        wanted: dict = {}
        for rule in self._rules:
            for condition in rule.conditions.all():
                decl = self.governed.fields.get(condition.field)
                if decl is not None and decl.kind == TREE and condition.operator == "in_subtree":
                    wanted.setdefault(decl.model, set()).update(_ids(condition.values))
        result: dict = {}
        for model, roots in wanted.items():
            members: dict[int, list[int]] = {root: [] for root in roots}
            if roots:
                match = reduce(operator.or_, (Q(path__contains=f"/{r}/") for r in roots))
                for pk, path in model._base_manager.filter(match).values_list("pk", "path"):
                    for root in roots:
                        if f"/{root}/" in path:
                            members[root].append(pk)
            result[model] = members
        return result

    def linked(self, decl, value_ids: list[int]) -> list[int] | None:
        """Keys of the records linked to any of `value_ids` through a many-to-many field,
        or None when the rules name more than LINKED_CAP links (then a subquery is used)."""
        if self._linked is None:
            self._linked = self._load_linked()
        pairs = self._linked.get(decl.name)
        if pairs is None:
            return None
        wanted = set(value_ids)
        return sorted({record for record, value in pairs if value in wanted})

    def _load_linked(self) -> dict:
        # One query per many-to-many field for every value any rule names.
        wanted: dict[str, set] = {}
        for rule in self._rules:
            for condition in rule.conditions.all():
                decl = self.governed.fields.get(condition.field)
                if decl is not None and decl.kind == MANY and "__" not in decl.lookup:
                    wanted.setdefault(decl.name, set()).update(_ids(condition.values))
        result: dict = {}
        for name, values in wanted.items():
            field = self.governed.model._meta.get_field(self.governed.fields[name].lookup)
            through = field.remote_field.through
            source = field.m2m_field_name() + "_id"
            target = field.m2m_reverse_field_name() + "_id"
            pairs = list(
                through._base_manager.filter(**{f"{target}__in": values}).values_list(
                    source, target
                )[: LINKED_CAP + 1]
            )
            result[name] = pairs if len(pairs) <= LINKED_CAP else None
        return result

    def team(self) -> list[int]:
        """The employee and everyone in their reports-to subtree."""
        if self._team is None:
            path = self.employee.path
            team = {self.employee.pk}
            if path and path != "/":  # "/" is an employee whose place is not set yet
                rows = Employee._base_manager.filter(path__startswith=path)
                team.update(rows.values_list("pk", flat=True))
            self._team = sorted(team)
        return self._team

    def coordinated(self) -> list[int]:
        """Representatives the employee coordinates."""
        if self._coordinated is None:
            self._coordinated = sorted(
                Employee._base_manager.filter(coordinators=self.employee.pk).values_list(
                    "pk", flat=True
                )
            )
        return self._coordinated


def condition_q(governed: Governed, condition, user, resolver: _Resolver) -> Q:
    """One condition as a query; anything it cannot resolve matches nothing (never widens)."""
    decl = governed.fields.get(condition.field)
    if decl is None:
        return NOTHING
    op, lookup = condition.operator, decl.lookup
    employee = resolver.employee
    if decl.kind == TREE and op == "in_subtree":
        ids = resolver.subtree(decl, _ids(condition.values))
        return Q(**{f"{lookup}__in": ids}) if ids else NOTHING
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
        keys = resolver.linked(decl, ids) if "__" not in lookup else None
        if keys is not None:
            return Q(pk__in=keys) if keys else NOTHING
        # Too many records to list: a subquery on the key (no join fan-out, no DISTINCT).
        inner = governed.model._base_manager.filter(**{f"{lookup}__in": ids}).values("pk")
        return Q(pk__in=inner)
    if decl.kind == EMPLOYEE and op == "is_me":
        return Q(**{lookup: employee.pk}) if employee else NOTHING
    if decl.kind == EMPLOYEE and op == "is_me_or_team":
        return Q(**{f"{lookup}__in": resolver.team()}) if employee else NOTHING
    if decl.kind == EMPLOYEE and op == "coordinated_by_me":
        if not employee:
            return NOTHING
        ids = resolver.coordinated()
        return Q(**{f"{lookup}__in": ids}) if ids else NOTHING
    if decl.kind == BRANCH and op == "is_my_branch":
        return Q(**{lookup: employee.branch_id}) if employee and employee.branch_id else NOTHING
    if decl.kind == DEALER and op == "represented_by_me":
        if not employee:
            return NOTHING
        # The dealers the team represents, as a subquery on the dealer key (no join).
        dealers = decl.model._base_manager.filter(representative__in=resolver.team())
        return Q(**{f"{lookup}__in": dealers.values("pk")})
    return NOTHING


def rules_q(rules, governed: Governed, user, resolver: _Resolver | None = None) -> Q | None:
    """The union of `rules` as one condition; None when no rule grants anything."""
    if not rules:
        return None
    if any(rule.all_records for rule in rules):
        return Q()
    resolver = resolver or _Resolver(governed, rules, user)
    parts = []
    for rule in rules:
        conditions = list(rule.conditions.all())
        if not conditions:
            continue  # an empty rule (rejected by the form) grants nothing
        parts.append(
            reduce(operator.and_, (condition_q(governed, c, user, resolver) for c in conditions))
        )
    if not parts:
        return None
    return reduce(operator.or_, parts)


def user_rules_q(user, governed: Governed, action: str) -> Q | None:
    """The condition `user`'s rules put on `action` over `governed` (compiled once, cached)."""
    action = ACTION_ALIASES.get(action, action)
    rules = user_rules(user, governed.key)  # refreshes the cache when the generation moved
    cache = user.__dict__["_tawasul_rules"][1]
    compiled = cache.setdefault(("q", governed.key, action), [])
    if not compiled:
        # One resolver for all of the user's rules of this kind: a page asking for "view" and
        # then "change" looks the subtrees, team and links up once.
        resolver = cache.get(("resolver", governed.key))
        if resolver is None:
            resolver = cache[("resolver", governed.key)] = _Resolver(governed, rules, user)
        mine = [r for r in rules if action in (r.actions or [])]
        compiled.append(rules_q(mine, governed, user, resolver))
    return compiled[0]


def _on_linked(q: Q, lookup: str) -> Q:
    """A condition on a record's link field (`representative__in=[...]`) as the same condition
    on the linked records themselves (`pk__in=[...]`); anything else matches nothing."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_on_linked(child, lookup))
            continue
        key, value = child
        if key == lookup or key.startswith(lookup + "__"):
            out.children.append(("pk" + key[len(lookup) :], value))
        else:  # never widen: a condition not on the link itself
            out.children.append(("pk__in", []))
    return out


def link_values_q(user, governed: Governed, action: str, field: str) -> Q | None:
    """The values a record's link `field` may take for `user` to keep `action` on it, as a
    condition on the linked model (the employees a contact's representative may be, say).

    Only the rules' conditions on `field` itself are applied: a rule that grants `action`
    without testing `field` lets any value through (whether the record qualifies then
    depends on its other fields, which the service checks). Q() when any value may do, None
    when no rule grants `action` at all. This is what pickers offer, so that a choice the
    service would refuse (`verify_within`, the contacts' assign check) is not offered.
    """
    action = ACTION_ALIASES.get(action, action)
    rules = [r for r in user_rules(user, governed.key) if action in (r.actions or [])]
    if not rules:
        return None
    if any(rule.all_records for rule in rules):
        return Q()
    decl = governed.fields.get(field)
    if decl is None:
        return None
    resolver = _Resolver(governed, rules, user)
    parts = []
    for rule in rules:
        conditions = list(rule.conditions.all())
        if not conditions:
            continue  # an empty rule grants nothing
        on_field = [c for c in conditions if c.field == field]
        if not on_field:
            return Q()
        parts.append(
            reduce(
                operator.and_,
                (
                    _on_linked(condition_q(governed, c, user, resolver), decl.lookup)
                    for c in on_field
                ),
            )
        )
    if not parts:
        return None
    return reduce(operator.or_, parts)
