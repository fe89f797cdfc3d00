"""The leak-test kit notices a leak: a surface showing one record more than the rules allow."""

import pytest

from tawasul.access.testkit import ACTIONS, Oracle, _Example, build_world, check_reads
from tawasul.contacts.tests.test_access_leaks import SPEC

pytestmark = pytest.mark.django_db

ALL_VIEW = {
    "actions": ["view", "export"],
    "all_records": True,
    "conditions": [],
    "is_active": True,
    "to_role": True,
}


def test_the_checks_fail_when_a_page_shows_a_record_the_rules_do_not_allow():
    world = build_world(SPEC)
    with _Example(SPEC, world, [ALL_VIEW]):
        allowed = {action: Oracle(SPEC, world).allowed([ALL_VIEW], action) for action in ACTIONS}
        assert allowed["view"] == set(world.records)  # every record of the user's company
        assert check_reads(SPEC, world, allowed, str) > len(world.all_records)
        # Pretend the rules allowed one record fewer: the surfaces now "leak" it.
        allowed["view"] = allowed["view"] - {world.records[0]}
        with pytest.raises(AssertionError, match="list page"):
            check_reads(SPEC, world, allowed, str)


def test_the_oracle_reads_the_declared_fields_of_the_model():
    world = build_world(SPEC)
    oracle = Oracle(SPEC, world)
    assert set(oracle.fields) == set(SPEC.governed.fields)
    mine = {
        "actions": ["view"],
        "all_records": False,
        "conditions": [{"field": "representative", "operator": "is_me", "values": []}],
        "is_active": True,
        "to_role": False,
    }
    expected = {pk for pk in world.records if oracle.values[pk]["representative"] == oracle.me}
    assert oracle.allowed([mine], "view") == expected
    assert oracle.allowed([{**mine, "is_active": False}], "view") == set()
