"""The record rules that come with the default roles, per company (idempotent)."""

from django.contrib.auth.models import Group
from django.db import transaction

from . import roles
from .models import RecordRule
from .services import rule_save

CONTACT = "contacts.contact"
ALL_ACTIONS = ["view", "change", "delete", "export", "assign"]

# (role, rule name, actions, all_records, conditions)
DEFAULT_RULES = [
    (roles.ADMINISTRATOR, "All contacts", ALL_ACTIONS, True, []),
    (
        roles.SALES_MANAGER,
        "All contacts of the company",
        ["view", "change", "export", "assign"],
        True,
        [],
    ),
    (
        roles.SUPERVISOR,
        "My team's contacts",
        ["view", "change", "export", "assign"],
        False,
        [{"field": "representative", "operator": "is_me_or_team", "values": []}],
    ),
    (
        roles.SUPERVISOR,
        "Contacts my team coordinates",
        ["view", "change"],
        False,
        [{"field": "coordinator", "operator": "is_me_or_team", "values": []}],
    ),
    (
        roles.REPRESENTATIVE,
        "My contacts",
        ["view", "change"],
        False,
        [{"field": "representative", "operator": "is_me", "values": []}],
    ),
    (
        roles.COORDINATOR,
        "Contacts I coordinate",
        ["view", "change"],
        False,
        [{"field": "coordinator", "operator": "is_me", "values": []}],
    ),
    (
        roles.COORDINATOR,
        "Contacts of the representatives I serve",
        ["view", "change"],
        False,
        [{"field": "representative", "operator": "coordinated_by_me", "values": []}],
    ),
]
BRANCH_VIEW_ROLES = [roles.CUSTODIAN, roles.WAREHOUSE_KEEPER, roles.CASHIER, roles.TECHNICIAN]


@transaction.atomic
def ensure_default_rules(company, actor=None) -> list[RecordRule]:
    """Create the default rules of `company` that are missing (by role and name)."""
    made = []
    plan = list(DEFAULT_RULES) + [
        (
            role,
            "Customers of my branch",
            ["view"],
            False,
            [{"field": "branch", "operator": "is_my_branch", "values": []}],
        )
        for role in BRANCH_VIEW_ROLES
    ]
    for role_name, name, actions, all_records, conditions in plan:
        group = Group.objects.filter(name=role_name).first()
        if group is None:
            continue
        if RecordRule.objects.filter(
            company=company, role=group, name=name, model=CONTACT
        ).exists():
            continue
        made.append(
            rule_save(
                actor=actor,
                company=company,
                name=name,
                model=CONTACT,
                actions=actions,
                role=group,
                all_records=all_records,
                conditions=conditions,
            )
        )
    return made
