"""The communicator's part of the default roles.

Every member of staff works with tasks, follow-ups, reminders, notifications and internal
messages: what they see of tasks and follow-ups is what they take part in, with their reports-to
subtree (`tasks_access`), so no rule is needed for that. General managers see every task and
follow-up of the company by a record rule. Administrators get every permission of the module by
themselves and write message templates, automatic task rules and follow-up rules.
"""

from django.utils.translation import gettext_noop

from tawasul.access.roles import (
    ADMINISTRATOR,
    BASE_ROLES,
    GENERAL_MANAGER,
    PORTAL_ROLES,
    RuleSpec,
)


def _perms(actions, models) -> tuple[str, ...]:
    return tuple(f"activities.{action}_{model}" for model in models for action in actions)


EVERYDAY = (
    *_perms(("view", "add", "change"), ("task", "followup")),
    *_perms(("view", "add", "change", "delete"), ("reminder",)),
    *_perms(("view", "change"), ("notification",)),
    *_perms(("view", "add"), ("messagethread", "internalmessage")),
    *_perms(("view",), ("messagetemplate",)),
)
ALL_TASKS = RuleSpec(
    gettext_noop("All tasks of the company"), ("view", "change"), True, model="activities.task"
)
ALL_FOLLOW_UPS = RuleSpec(
    gettext_noop("All follow-ups of the company"),
    ("view", "change"),
    True,
    model="activities.followup",
)


def register(registry) -> None:
    for role in BASE_ROLES:
        if role.name in PORTAL_ROLES or role.name == ADMINISTRATOR:  # admins: every one
            continue
        rules = (ALL_TASKS, ALL_FOLLOW_UPS) if role.name == GENERAL_MANAGER else ()
        registry.role_part(role.name, permissions=EVERYDAY, rules=rules)
