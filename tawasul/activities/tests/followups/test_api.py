"""`/api/follow-ups/` and `/api/follow-up-rules/`: set and act through the services, field
errors as JSON, keyset pages."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tawasul.activities.choices import Cadence, FollowUpStatus
from tawasul.activities.models import FollowUp, FollowUpRule
from tawasul.core import clock

pytestmark = pytest.mark.django_db


def _api(employee):
    api = APIClient()
    api.force_authenticate(employee.user)
    return api


def _create(api, org, due, **extra):
    body = {
        "assignee": org.rep1.pk,
        "due_at": due.isoformat(),
        "purpose": "Ask about the order",
        "channel": "call",
        "contact": org.acme.pk,
        **extra,
    }
    return api.post("/api/follow-ups/", body, format="json")


def test_set_and_act_through_the_api(org, due):
    lead = _api(org.lead)
    answer = _create(lead, org, due)
    assert answer.status_code == 201, answer.json()
    created = answer.json()
    assert created["assignee"] == org.rep1.pk
    assert created["set_by"] == org.lead.pk
    assert created["subject"]["label"] == "Acme Stores"
    assert created["contact"] == org.acme.pk
    pk = created["id"]
    rep = _api(org.rep1)
    moved = rep.post(
        f"/api/follow-ups/{pk}/postpone/",
        {"due_at": (due + dt.timedelta(days=1)).isoformat(), "remark": "Busy"},
        format="json",
    )
    assert moved.status_code == 200
    forwarded = rep.post(
        f"/api/follow-ups/{pk}/forward/",
        {"to": org.rep2.pk, "instruction": "Yours"},
        format="json",
    )
    assert forwarded.status_code == 200 and forwarded.json()["assignee"] == org.rep2.pk
    done = _api(org.rep2).post(
        f"/api/follow-ups/{pk}/complete/",
        {"outcome": "Ordered", "next_due_at": (due + dt.timedelta(days=30)).isoformat()},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["status"] == FollowUpStatus.DONE
    assert done.json()["next"] is not None
    following = FollowUp.objects.get(pk=done.json()["next"])
    cancelled = lead.post(f"/api/follow-ups/{following.pk}/cancel/", {}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert [e.verb for e in FollowUp.objects.get(pk=pk).events.order_by("at", "pk")] == [
        "create",
        "postpone",
        "forward",
        "complete",
    ]


def test_field_errors_are_json_and_change_nothing(org, due):
    lead = _api(org.lead)
    past = _create(lead, org, clock.now() - dt.timedelta(days=2))
    assert past.status_code == 400 and "due_at" in past.json()
    blank = _create(lead, org, due, purpose="   ")
    assert blank.status_code == 400 and "purpose" in blank.json()
    bad_channel = _create(lead, org, due, channel="fax")
    assert bad_channel.status_code == 400 and "channel" in bad_channel.json()
    assert not FollowUp.objects.exists()
    pk = _create(lead, org, due).json()["id"]
    empty = lead.post(f"/api/follow-ups/{pk}/complete/", {"outcome": ""}, format="json")
    assert empty.status_code == 400 and "outcome" in empty.json()
    same = lead.post(
        f"/api/follow-ups/{pk}/forward/", {"to": org.rep1.pk, "instruction": "x"}, format="json"
    )
    assert same.status_code == 400 and "to" in same.json()
    assert FollowUp.objects.get(pk=pk).status == FollowUpStatus.OPEN


def test_actions_are_404_for_the_uninvolved(org, due):
    pk = _create(_api(org.lead), org, due).json()["id"]
    peer = _api(org.peer)
    for name in ("complete", "forward", "postpone", "cancel"):
        assert peer.post(f"/api/follow-ups/{pk}/{name}/", {}, format="json").status_code == 404


def test_keyset_pages_and_filters(org, due):
    lead = _api(org.lead)
    for n in range(7):
        _create(lead, org, due + dt.timedelta(hours=n), purpose=f"Call {n}")
    seen, url = [], "/api/follow-ups/?page_size=3&ordering=due_at"
    while url:
        answer = lead.get(url).json()
        seen += [row["purpose"] for row in answer["results"]]
        url = answer["next"]
    assert seen == [f"Call {n}" for n in range(7)]
    mine = _api(org.rep1).get("/api/follow-ups/", {"scope": "mine", "status": "open"}).json()
    assert len(mine["results"]) == 7
    assert lead.get("/api/follow-ups/", {"cursor": "bogus"}).status_code == 400


def test_rules_through_the_api(org):
    boss = _api(org.boss)
    answer = boss.post(
        "/api/follow-up-rules/",
        {
            "name": "Agents fortnightly",
            "cadence": Cadence.SINCE_ACTIVITY,
            "interval_days": 14,
            "criteria": {"contact_type": [org.dealer.pk], "lifecycle": ["customer"]},
            "assign_to": "coordinator",
            "channel": "visit",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    rule = FollowUpRule.objects.get()
    assert rule.company == org.company
    assert rule.criteria == {"contact_type": [org.dealer.pk], "lifecycle": ["customer"]}
    changed = boss.patch(
        f"/api/follow-up-rules/{rule.pk}/",
        {"cadence": Cadence.DAYS_OF_MONTH, "days_of_month": [1, 31]},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    rule.refresh_from_db()
    assert rule.days_of_month == [1, 31] and rule.interval_days is None
    bad = boss.patch(
        f"/api/follow-up-rules/{rule.pk}/", {"criteria": {"colour": [1]}}, format="json"
    )
    assert bad.status_code == 400 and "criteria" in bad.json()
    no_days = boss.patch(
        f"/api/follow-up-rules/{rule.pk}/",
        {"cadence": Cadence.SINCE_FOLLOW_UP, "interval_days": None},
        format="json",
    )
    assert no_days.status_code == 400 and "interval_days" in no_days.json()
    named = boss.patch(
        f"/api/follow-up-rules/{rule.pk}/", {"assign_to": "user", "user": None}, format="json"
    )
    assert named.status_code == 400 and "user" in named.json()
    preview = boss.get(f"/api/follow-up-rules/{rule.pk}/preview/")
    assert preview.status_code == 200
    assert boss.delete(f"/api/follow-up-rules/{rule.pk}/").status_code == 204
    assert not FollowUpRule.objects.exists()


def test_rules_api_needs_its_permissions(org):
    assert _api(org.rep1).get("/api/follow-up-rules/").status_code == 403
