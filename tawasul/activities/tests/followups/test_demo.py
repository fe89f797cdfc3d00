"""The demo company's follow-ups: rules for customers, dealers and agents with the follow-ups
they generated (some done, some overdue), and hand-set ones done with outcomes and a next one,
forwarded, postponed, open and overdue."""

import pytest

from tawasul.activities.models import FollowUp, FollowUpEvent, FollowUpRule
from tawasul.core.registry import get_registry
from tawasul.demo.builder import SIZES, DemoBuilder

STEPS = ("organization", "roles", "contacts", "followups")

pytestmark = pytest.mark.django_db


def test_the_demo_has_rules_and_follow_ups_in_every_state():
    contacts, through_services = SIZES["small"]
    demo = DemoBuilder(contacts=contacts, through_services=through_services)
    registry = get_registry()
    for step in registry.demo_builders:
        if step.name in STEPS:
            registry.resolve(step.build)(demo)
    rules = FollowUpRule.objects.filter(company=demo.company)
    assert rules.count() == 3
    generated = FollowUp.objects.filter(rule__isnull=False)
    assert set(generated.values_list("rule__cadence", flat=True)) == {
        "since_follow_up",
        "days_of_month",
        "since_activity",
    }
    assert generated.filter(status="done").exclude(outcome="").exists()
    assert generated.filter(status="open", overdue_notified_at__isnull=False).exists()
    by_hand = FollowUp.objects.filter(rule__isnull=True)
    assert by_hand.filter(status="done", next__isnull=False).exists()
    assert by_hand.filter(status="open", overdue_notified_at__isnull=False).exists()
    assert by_hand.filter(status="open", overdue_notified_at__isnull=True).exists()
    assert FollowUpEvent.objects.filter(verb="forward").exists()
    assert FollowUpEvent.objects.filter(verb="postpone").exists()
    # no two open follow-ups of one rule for one contact, as the database promises
    pairs = list(generated.filter(status="open").values_list("rule_id", "contact_id"))
    assert len(pairs) == len(set(pairs))
