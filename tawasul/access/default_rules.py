"""The record rules that come with the default roles, per company (idempotent).

The rules themselves are part of the default roles (`roles.default_roles()`, each rule naming
the governed model it is over, as the module that declared it says); this module turns them
into `RecordRule` rows of one company, through `rule_save` (validated and audited).
"""

import logging

from django.contrib.auth.models import Group
from django.db import transaction

from . import roles
from .models import RecordRule
from .registry import governed
from .services import rule_save

logger = logging.getLogger("tawasul.access")


def __getattr__(name: str):
    """Names of the modules' role vocabularies (such as a module's model label constant), for
    code that imported them from here before they moved (see `roles.__getattr__`)."""
    return getattr(roles, name)


def resolve_conditions(company, spec: roles.RuleSpec) -> list[dict] | None:
    """The rule's conditions with codes turned into the company's record ids.

    None when a condition names codes none of which the company holds (the rule cannot be
    stated yet; leaving it out grants nothing, where a rule without the condition would widen).
    LookupError when the rule names a model nobody governs or codes of a field without values.
    """
    entry = governed(spec.model)
    if entry is None:
        raise LookupError(f"Default rule {spec.name!r}: {spec.model!r} is not governed")
    conditions = []
    for condition in spec.conditions:
        values = list(condition.get("values", ()))
        codes = condition.get("codes")
        if codes:
            decl = entry.fields[condition["field"]]
            if decl.model is None:
                raise LookupError(f"Default rule {spec.name!r}: {decl.name!r} has no values")
            values = sorted(
                decl.model._base_manager.filter(company=company, code__in=codes).values_list(
                    "pk", flat=True
                )
            )
            if not values:
                return None
        conditions.append(
            {"field": condition["field"], "operator": condition["operator"], "values": values}
        )
    return conditions


def _same(rule: RecordRule, spec: roles.RuleSpec, conditions: list[dict]) -> bool:
    held = [
        {"field": c.field, "operator": c.operator, "values": sorted(c.values or [])}
        for c in rule.conditions.all()
    ]
    wanted = [{**c, "values": sorted(c["values"])} for c in conditions]
    return (
        sorted(rule.actions or []) == sorted(spec.actions)
        and rule.all_records == spec.all_records
        and rule.is_active
        and sorted(held, key=repr) == sorted(wanted, key=repr)
    )


@transaction.atomic
def ensure_default_rules(company, actor=None, *, reset: bool = False) -> list[RecordRule]:
    """Create the default rules of `company` that are missing (by role and name).

    With `reset`, default rules an administrator changed are brought back to the definition.
    Returns the rules created or changed.
    """
    made = []
    default_roles = roles.default_roles()
    groups = {
        g.name: g for g in Group.objects.filter(name__in=[role.name for role in default_roles])
    }
    for role in default_roles:
        group = groups.get(role.name)
        if group is None:
            continue
        for spec in role.rules:
            conditions = resolve_conditions(company, spec)
            if conditions is None:
                logger.warning(
                    "Default rule %r of %r left out for company %s: its values are missing",
                    spec.name,
                    role.name,
                    company.pk,
                )
                continue
            existing = (
                RecordRule.objects.filter(
                    company=company, role=group, name=spec.name, model=spec.model
                )
                .prefetch_related("conditions")
                .first()
            )
            if existing is not None and (not reset or _same(existing, spec, conditions)):
                continue
            made.append(
                rule_save(
                    actor=actor,
                    company=company,
                    instance=existing,
                    name=spec.name,
                    model=spec.model,
                    actions=list(spec.actions),
                    role=group,
                    all_records=spec.all_records,
                    conditions=conditions,
                )
            )
    return made
