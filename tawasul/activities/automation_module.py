"""What the automation area declares to the platform (called from `activities.module`): the
kinds of record message templates are written for, the settings pages of templates and
automatic task rules, and its part of the demo."""

from django.utils.translation import gettext_lazy as _

from tawasul.core.navigation import SETTINGS, NavItem

from .automation_kinds import KINDS


def register(registry) -> None:
    for kind in KINDS:
        registry.template_kind(kind)
    registry.nav_item(
        SETTINGS,
        NavItem(
            _("Message templates"),
            "chat-square-text",
            "activities:message_template_list",
            "activities.change_messagetemplate",
        ),
        order=60,
    )
    registry.nav_item(
        SETTINGS,
        NavItem(
            _("Automatic task rules"),
            "lightning-charge",
            "activities:automatic_task_rule_list",
            "activities.view_automatictaskrule",
        ),
        order=61,
    )
    registry.demo_builder("automation", "tawasul.activities.automation_demo.build")
