"""The demo company's tasks: every state, trails with forwards, overdue ones flagged, and a
task for several people with its copies."""

import pytest

from tawasul.activities.models import Task, TaskEvent
from tawasul.core.registry import get_registry
from tawasul.demo.builder import SIZES, DemoBuilder

STEPS = ("organization", "roles", "contacts", "tasks")

pytestmark = pytest.mark.django_db


def test_the_demo_has_tasks_in_every_state():
    contacts, through_services = SIZES["small"]
    demo = DemoBuilder(contacts=contacts, through_services=through_services)
    registry = get_registry()
    for step in registry.demo_builders:
        if step.name in STEPS:
            registry.resolve(step.build)(demo)
    mine = Task.objects.filter(rule__isnull=True)
    assert set(mine.values_list("status", flat=True)) >= {
        "open",
        "in_progress",
        "waiting",
        "done",
        "cancelled",
    }
    assert TaskEvent.objects.filter(verb="forward").count() >= 2
    assert mine.filter(overdue_notified_at__isnull=False).exists()
    parent = mine.get(parent__isnull=True, assignee__isnull=True)
    assert parent.copies.count() == 3
    assert mine.exclude(contact__isnull=True).exists()
