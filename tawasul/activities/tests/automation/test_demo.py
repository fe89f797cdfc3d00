"""The demo company's automation: templates in English and Arabic, rules on the contacts'
events, and tasks the rules made for the contacts the demo created, won and re-assigned."""

import pytest

from tawasul.activities.models import AutomaticTaskRule, MessageTemplate, Task
from tawasul.core import templating
from tawasul.core.registry import get_registry
from tawasul.demo.builder import SIZES, DemoBuilder

# The steps the automation's part reads (organisation, roles, contacts), then its own.
STEPS = ("organization", "roles", "contacts", "automation")

pytestmark = pytest.mark.django_db


def test_the_demo_fires_its_rules():
    contacts, through_services = SIZES["small"]
    demo = DemoBuilder(contacts=contacts, through_services=through_services)
    registry = get_registry()
    for step in registry.demo_builders:
        if step.name in STEPS:
            registry.resolve(step.build)(demo)
    templates = MessageTemplate.objects.all()
    assert templates.count() >= 6
    for template in templates:
        assert template.subject_ar, template.name
        for field in ("subject_en", "body_en", "subject_ar", "body_ar"):
            assert templating.validate(template.kind, getattr(template, field)) == []
    events = set(AutomaticTaskRule.objects.values_list("event", flat=True))
    assert events >= {"contact.created", "contact.lifecycle_changed", "contact.assigned"}
    fired = Task.objects.filter(rule__isnull=False)
    by_event = {task.rule.event for task in fired.select_related("rule")}
    assert by_event >= {"contact.created", "contact.lifecycle_changed", "contact.assigned"}
    welcome = fired.filter(rule__event="contact.created", contact__code="AUTO-1").get()
    assert "AUTO-1" in welcome.description or "Al Waha" in welcome.title
